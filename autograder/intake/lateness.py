"""Lateness, recorded the nbgrader way: submission timestamp, due date, late penalty.

The due date lives in the gradebook (the assignment's `duedate`), each submission's
time in `submitted/<student>/captioning/timestamp.txt`, and nbgrader's own
AssignLatePenalties step asks LatePenalty for the penalty of each late notebook.
nbgrader stores naive UTC times; times given without a zone (a due date on the
command line, Blackboard's file names, Moodle's grading worksheet) are read in the
course's time zone.
"""

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

SECONDS_PER_DAY = 24 * 3600
# Moodle's grading worksheet writes times like "Tuesday, 1 October 2024, 11:59 PM".
MOODLE_TIME = "%A, %d %B %Y, %I:%M %p"


class LatePenalty(LateSubmissionPlugin):
    """A fraction of the notebook's score per started day late, at most all of it."""

    fraction_per_day = Float(0.0, help="Fraction of the score lost per started day late").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        """Points to take off a notebook that is total_seconds_late late (None: nothing)."""
        if self.fraction_per_day <= 0 or total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / SECONDS_PER_DAY)
        return score * min(1.0, self.fraction_per_day * days)


def zone(name: str | None):
    """The time zone called name (IANA, e.g. "Europe/Zurich"); the machine's own if None.

    Raises ValueError for an unknown name.
    """
    if not name:
        return datetime.now().astimezone().tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r} (use a name like Europe/Zurich)") from error


def to_utc(moment: datetime, zone_name: str | None) -> datetime:
    """A time as nbgrader stores it (naive UTC); naive times are in the named zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(zone_name))
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_time(text: str, zone_name: str | None) -> datetime:
    """A time written as ISO 8601 ("2024-10-01 23:59", zone optional) or as Moodle
    writes it, converted to naive UTC.

    Raises ValueError, saying which formats are understood, for anything else.
    """
    text = text.strip()
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, MOODLE_TIME)):
        try:
            moment = parse(text)
        except ValueError:
            continue
        return to_utc(moment, zone_name)
    raise ValueError(
        f"cannot read the time {text!r}: write it like 2024-10-01 23:59 (or 2024-10-01T23:59+02:00)"
    )


def timestamp_text(moment: datetime) -> str:
    """The content of nbgrader's timestamp.txt for a naive UTC time."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
