"""Intake: submissions as the LMS downloads them, their lateness and the notebooks' repair."""
