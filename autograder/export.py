"""Grades in the column layout Canvas imports, read from the nbgrader gradebook.

The gradebook is the one place where manual grades of the inline questions meet
the trusted autograded scores, so this export includes both. Canvas matches rows by
SIS login; the student id of the submission is used for it. The ungraded leaderboard
is left out on purpose: Canvas imports every extra column as a graded assignment.
"""

import csv
import io
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.course import ASSIGNMENT, nbgrader_config

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def canvas_csv(course: Path, student_ids: list[str], column: str = "Captioning") -> str:
    """A Canvas gradebook import file: one row per student, one assignment column.

    Inputs:
    - course: The nbgrader course directory
    - student_ids: Students to export, in order
    - column: Name of the assignment column in Canvas

    Returns:
    - The CSV text; a student without a submission scores 0
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    db_url = nbgrader_config(course).CourseDirectory.db_url
    with Gradebook(db_url) as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        writer.writerow([*CANVAS_COLUMNS, column])
        writer.writerow(["Points Possible", "", "", "", "", f"{assignment.max_score:g}"])
        for student_id in student_ids:
            try:
                score = gradebook.find_submission(ASSIGNMENT, student_id).score
            except Exception:  # noqa: BLE001 - MissingEntry: no submission, no points
                score = 0.0
            writer.writerow([student_id, "", student_id, student_id, "", f"{score:g}"])
    return buffer.getvalue()
