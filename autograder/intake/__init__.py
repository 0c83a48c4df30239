"""Intake: submissions as the LMS downloads them, the roster, lateness and the notebooks' repair."""
