"""A CSV file read the way Canvas's gradebook import reads it, for the tests.

As Canvas's guide "How do I import grades in the Gradebook?" and its own export lay the
file out (PrairieLearn's maintainers tried which parts the import needs, PrairieLearn
issue #4547): the first row is the header, with the columns Student, ID,
SIS User ID, SIS Login ID and Section (Integration ID when the course has one), then one
column per assignment; a row whose first cell is "Points Possible" holds each
assignment's points. An assignment column is matched to an assignment of the course by
the id in "<title> (<id>)", else by its exact title; any other column becomes a new
assignment. A student row is matched by the Canvas user id (ID), else by SIS User ID,
else by SIS Login ID.
"""

import csv
import io
import re
from dataclasses import dataclass, field

ID_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
ASSIGNMENT = re.compile(r"(?P<title>.*\S) \((?P<id>[0-9]+)\)")


@dataclass
class CanvasCourse:
    """What the import is matched against: assignments (id -> title) and users."""

    assignments: dict[str, str]
    user_ids: set[str]
    sis_user_ids: dict[str, str] = field(default_factory=dict)  # SIS User ID -> user id
    sis_login_ids: dict[str, str] = field(default_factory=dict)  # SIS Login ID -> user id


@dataclass
class Imported:
    """What Canvas would do with a file: per column, the assignment it updates (its id)
    or None for a new one, and its points possible; per matched user, the scores; the
    rows it could match to no user."""

    columns: dict[str, str | None]
    points_possible: dict[str, str]
    scores: dict[str, dict[str, str]]
    unmatched: list[list[str]]


def import_like_canvas(text: str, course: CanvasCourse) -> Imported:
    """Read a gradebook CSV as Canvas's import does (module docstring)."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], header
    by_title = {title: assignment for assignment, title in course.assignments.items()}
    columns = {}
    for name in header:
        if name in ID_COLUMNS:
            continue
        match = ASSIGNMENT.fullmatch(name)
        if match and match["id"] in course.assignments:
            columns[name] = match["id"]
        else:
            columns[name] = by_title.get(name)
    points, scores, unmatched = {}, {}, []
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=True))
        if cells["Student"].strip() == "Points Possible":
            points = {name: cells[name] for name in columns}
            continue
        user = (
            cells["ID"]
            if cells["ID"] in course.user_ids
            else course.sis_user_ids.get(cells["SIS User ID"])
            or course.sis_login_ids.get(cells["SIS Login ID"])
        )
        if user is None:
            unmatched.append(row)
        else:
            scores[user] = {name: cells[name] for name in columns}
    return Imported(columns, points, scores, unmatched)
