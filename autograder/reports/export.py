"""Grades in the layout an LMS imports, made of the course records (the gradebook's totals).

canvas.csv is always written, in the layout of Canvas's own gradebook export (Grades >
Export), which is what its import reads: the columns Student, ID, SIS User ID, SIS
Login ID and Section, one assignment column, and a second row "Points Possible" with
the assignment's points. Canvas matches each row by its user id (the ID column) or,
when that is empty, by SIS User ID / SIS Login ID, and the assignment column by the id
in "<title> (<assignment id>)", else by its exact title; a column it cannot match
becomes a new assignment. So the column is the roster's own (canvas_column), and the
ID columns come from the roster when one is given, else from the download's file names
(Canvas user id) or the plain student id (taken as SIS login). With a Moodle or
Blackboard roster, the roster itself is written back with the grade filled in
(`lms_grades.csv`), which is what those LMSs import. The ungraded leaderboard is left
out on purpose: an LMS imports every extra column as a grade.
"""

import re
from pathlib import Path

from autograder.reports.csv_cells import csv_text
from autograder.reports.roster import CANVAS_ID_COLUMNS, Roster, RosterError

# The assignment column's title when neither the roster nor CANVAS_COLUMN names one.
ASSIGNMENT_COLUMN = "Captioning"
# An assignment column of a Canvas gradebook export: "HW3 Image Captioning (98765)".
CANVAS_ASSIGNMENT = re.compile(r"(?P<title>.*\S) \((?P<id>[0-9]+)\)")


def assignment_columns(roster: Roster | None) -> list[str]:
    """The assignment columns of a Canvas gradebook export (none for other rosters)."""
    if roster is None or roster.kind != "canvas":
        return []
    return [
        c for c in roster.header if c not in CANVAS_ID_COLUMNS and CANVAS_ASSIGNMENT.fullmatch(c)
    ]


def canvas_column(roster: Roster | None, chosen: str | None = None) -> str:
    """The assignment column of canvas.csv.

    Inputs:
    - roster: The course's roster, if any
    - chosen: The column named by CANVAS_COLUMN (--canvas-column): a column of the roster
      by its whole header, its title or its assignment id, or else the title of a new
      assignment

    Returns:
    - The roster's column that chosen names; without chosen, the roster's one assignment
      column whose title holds "caption", or its only assignment column; the title
      chosen, or ASSIGNMENT_COLUMN, when the roster has none

    Raises RosterError (one line, listing the columns) when a Canvas roster has several
    assignment columns and nothing says which one is this assignment's.
    """
    columns = assignment_columns(roster)
    if chosen:
        for column in columns:
            match = CANVAS_ASSIGNMENT.fullmatch(column)
            if chosen in (column, match["title"], match["id"]):
                return column
        return chosen
    captioning = [column for column in columns if "caption" in column.lower()]
    for candidates in (captioning, columns):
        if len(candidates) == 1:
            return candidates[0]
    if not columns:
        return ASSIGNMENT_COLUMN
    listed = "; ".join(columns[:6]) + ("; ..." if len(columns) > 6 else "")
    raise RosterError(
        f"the roster has {len(columns)} assignment columns ({listed}) and none, or several, "
        'name captioning: say which one with CANVAS_COLUMN="<title> (<id>)" (--canvas-column)'
    )


def course_canvas_column(course: Path, roster: Roster | None) -> str:
    """canvas_column of a course: its roster and the CANVAS_COLUMN it was last given."""
    from autograder.course.course import read_settings

    return canvas_column(roster, read_settings(course).get("canvas_column"))


def points_problem(roster: Roster | None, column: str, max_total: float) -> str | None:
    """What is wrong with the points of the roster's column, if anything: Canvas would
    read canvas.csv's scores against another maximum than the assignment's."""
    if roster is None or column not in roster.points_possible:
        return None
    try:
        points = float(roster.points_possible[column])
    except ValueError:
        return None
    if points == max_total:
        return None
    return (
        f"the roster's column {column!r} is out of {points:g} points and this assignment of "
        f"{max_total:g}: set the Canvas assignment's points to {max_total:g}, export the "
        "gradebook again and grade with it as ROSTER"
    )


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


def canvas_csv(
    records: list[dict], max_total: float, roster: Roster | None = None, column: str = ""
) -> str:
    """A Canvas gradebook import file: one row per student, one assignment column.

    Inputs:
    - records: The course records (autograder/course/records.py)
    - max_total: The assignment's maximum score
    - roster: The LMS's gradebook export, if given
    - column: The assignment column (canvas_column); canvas_column(roster) if empty

    Returns:
    - The CSV text; the score is the gradebook's total less the late penalty
    """
    return csv_text(
        [
            [*CANVAS_ID_COLUMNS, column or canvas_column(roster)],
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
