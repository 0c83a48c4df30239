"""Grades in the layout an LMS imports, made of the course records (the gradebook's totals).

canvas.csv is always written: Canvas matches rows by its user id (the ID column)
or, when that is empty, by SIS User ID / SIS Login ID. The ID columns come from the
roster (the LMS's own gradebook export) when one is given, else from the download's
file names (Canvas user id) or the plain student id (taken as SIS login). With a
Moodle or Blackboard roster, the roster itself is written back with the grade
filled in (`lms_grades.csv`), which is what those LMSs import. The ungraded
leaderboard is left out on purpose: an LMS imports every extra column as a grade.
"""

from autograder.reports.csv_cells import csv_text
from autograder.reports.roster import CANVAS_ID_COLUMNS, Roster

ASSIGNMENT_COLUMN = "Captioning"


def _lms(record: dict) -> dict:
    return record["result"].get("lms", {})


def canvas_ids(record: dict, roster: Roster | None) -> list[str]:
    """Student, ID, SIS User ID, SIS Login ID and Section of one student."""
    lms = _lms(record)
    row = (
        roster.find(lms.get("kind", ""), lms.get("id", ""), record["student_id"])
        if roster
        else None
    )
    if row is not None and roster.kind == "canvas":
        return [row.get(column, "") for column in CANVAS_ID_COLUMNS]
    name = (roster.name(row) if row else "") or lms.get("name") or record["student_id"]
    if lms.get("kind") == "canvas":
        return [name, lms.get("id", ""), "", "", ""]
    return [name, "", record["student_id"], record["student_id"], ""]


def canvas_csv(records: list[dict], max_total: float, roster: Roster | None = None) -> str:
    """A Canvas gradebook import file: one row per student, one assignment column.

    Inputs:
    - records: The course records (autograder/course/records.py)
    - max_total: The assignment's maximum score
    - roster: The LMS's gradebook export, if given

    Returns:
    - The CSV text; the score is the gradebook's total less the late penalty
    """
    return csv_text(
        [
            [*CANVAS_ID_COLUMNS, ASSIGNMENT_COLUMN],
            ["Points Possible", "", "", "", "", f"{max_total:g}"],
            *([*canvas_ids(record, roster), f"{record['total']:g}"] for record in records),
        ]
    )


def grade_column(roster: Roster, max_total: float) -> str:
    """The roster's column that receives the grade (added for Blackboard if absent)."""
    if roster.kind == "moodle":
        return "Grade"
    for column in roster.header:
        if column.startswith(ASSIGNMENT_COLUMN):
            return column
    return f"{ASSIGNMENT_COLUMN} [Total Pts: {max_total:g} Score]"


def lms_grades_csv(records: list[dict], max_total: float, roster: Roster) -> str:
    """The roster written back with each graded student's total in its grade column.

    Students of the roster without a submission keep their row unchanged.
    """
    column = grade_column(roster, max_total)
    header = roster.header if column in roster.header else [*roster.header, column]
    totals = {}
    for record in records:
        lms = _lms(record)
        row = roster.find(lms.get("kind", ""), lms.get("id", ""), record["student_id"])
        if row is not None:
            totals[id(row)] = f"{record['total']:g}"
    filled = ({**row, column: totals.get(id(row), row.get(column, ""))} for row in roster.rows)
    return csv_text([header, *([row.get(name, "") for name in header] for row in filled)])
