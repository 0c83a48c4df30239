"""Gradescope: the autograder bundle, its setup scripts, and what it runs per submission."""
