"""Instructor side of the captioning kit: reference sources, release and grading."""
