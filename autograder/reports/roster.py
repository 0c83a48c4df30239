"""The LMS's own gradebook export, read to fill the ID columns its import needs.

Three exports are recognised by their header:
- Canvas (Grades > Export): Student, ID, SIS User ID, SIS Login ID, Section, then one
  column per assignment, named "<title> (<assignment id>)"; a second row "Points
  Possible" holds each assignment's points (it and Canvas's "Student, Test" row are no
  students). Matched by the Canvas user id of the download's file names (the ID column).
- Moodle (the assignment's "Download grading worksheet"): Identifier ("Participant
  123456"), Full name, Email address, ..., Grade, ..., Last modified (submission).
  Matched by participant id; its submission times record lateness.
- Blackboard (Grade Centre > Work Offline > Download): Last Name, First Name,
  Username, Student ID, ... Matched by username.
Submissions with plain names (`<id>.zip`) are matched by Canvas's SIS Login ID or
SIS User ID, Moodle's email address (or the part before @), or Blackboard's
username or student id.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.usage import UsageError

CANVAS_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_SUBMITTED = "Last modified (submission)"


class RosterError(UsageError):
    """A roster file that cannot be used (the message says why, in one line)."""


@dataclass
class Roster:
    """One LMS export: its kind ("canvas", "moodle", "blackboard"), header and rows, and
    (Canvas) its "Points Possible" row: column -> the points of that assignment."""

    kind: str
    header: list[str]
    rows: list[dict[str, str]]
    by_lms_id: dict[str, dict[str, str]] = field(default_factory=dict)
    by_plain_id: dict[str, dict[str, str]] = field(default_factory=dict)
    points_possible: dict[str, str] = field(default_factory=dict)

    def find(self, lms: str, lms_id: str, student_id: str) -> dict[str, str] | None:
        """The roster row of a student (by LMS id when the download gave one)."""
        if lms == self.kind and lms_id:
            return self.by_lms_id.get(lms_id)
        return self.by_plain_id.get(student_id.lower())

    def name(self, row: dict[str, str]) -> str:
        """The student's name as the LMS shows it."""
        if self.kind == "canvas":
            return row.get("Student", "")
        if self.kind == "moodle":
            return row.get("Full name", "")
        return f"{row.get('First Name', '')} {row.get('Last Name', '')}".strip()


def _kind(header: list[str]) -> str:
    if {"Student", "ID"} <= set(header) and ("SIS User ID" in header or "SIS Login ID" in header):
        return "canvas"
    if "Identifier" in header and "Full name" in header:
        return "moodle"
    if {"Username", "Last Name", "First Name"} <= set(header):
        return "blackboard"
    raise RosterError(
        "the roster is neither a Canvas gradebook export (Student, ID, SIS User ID, ...), "
        "a Moodle grading worksheet (Identifier, Full name, ...) nor a Blackboard "
        "Grade Centre download (Last Name, First Name, Username, ...)"
    )


def read_roster(path: Path) -> Roster:
    """Read an LMS gradebook export.

    Raises RosterError (one line) when the file is missing, unreadable or of no known kind.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise RosterError(f"cannot read the roster {path}: {error.strerror}") from error
    # Excel and Blackboard write UTF-16 or UTF-8 with a byte-order mark; Blackboard tabs.
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise RosterError(f"the roster {path} is not UTF-8 or UTF-16 text") from error
    first_line = text.splitlines()[0] if text else ""
    dialect = "excel-tab" if "\t" in first_line else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    kind = _kind(header)
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    roster = Roster(kind, header, [])
    for row in rows:
        if kind == "canvas":
            if row.get("Student", "") == "Points Possible":
                roster.points_possible = row
                continue
            if not row.get("ID") or row.get("Student", "") == "Student, Test":
                continue
            roster.by_lms_id[row["ID"]] = row
            plain = [row.get("SIS Login ID", ""), row.get("SIS User ID", "")]
        elif kind == "moodle":
            match = re.search(r"(\d+)\s*$", row.get("Identifier", ""))
            if not match:
                continue
            roster.by_lms_id[match.group(1)] = row
            email = row.get("Email address", "")
            plain = [email, email.split("@")[0]]
        else:
            roster.by_lms_id[row.get("Username", "")] = row
            plain = [row.get("Username", ""), row.get("Student ID", "")]
        roster.rows.append(row)
        for key in plain:
            if key:
                roster.by_plain_id.setdefault(key.lower(), row)
    if not roster.rows:
        raise RosterError(f"the roster {path} holds no student")
    return roster


def course_roster(course: Path) -> Roster | None:
    """The roster the course was last given (RosterError if it is gone or unusable)."""
    from autograder.course.course import read_settings

    path = read_settings(course).get("roster")
    return read_roster(Path(path)) if path else None
