"""The folder that `nbgrader collect` fills in a kit course: OUT/collected/<student>/.

nbgrader's own collect copies whatever a student put on the exchange into the course's
`submitted/` folder, named by the student id read from the submission's folder name,
which the student chooses (`nbgrader submit --student`). In a kit course collecting goes
through the kit's intake instead (autograder/exchange/collect.py): a submission is
collected only under a valid student id (ids.py), only its student-edited files and
trained captioners are read (submissions.py: size-capped, links never followed), and
they land here in the release layout, with two files the kit writes itself:

- timestamp.txt: when nbgrader's exchange says it was submitted, in UTC;
- submission_secret.txt: the submission's secret, which names its feedback on the
  exchange (hexadecimal, as nbgrader writes it; a fresh one if the student's is not).

It also holds NOT_COLLECTED, the submissions of the exchange that the last collect
refused and why, which grading the folder lists in not_graded.csv.

The folder holds MARKER, so that grading it (`make grade SUBMISSIONS=OUT/collected`)
takes each student's time and secret from these files, and from nowhere else.
"""

import json
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from autograder.atomic import write_atomically
from autograder.intake.ids import inside
from autograder.intake.submissions import open_regular

INBOX = "collected"  # OUT/collected, beside the course OUT/course
MARKER = ".collected-from-the-nbgrader-exchange"
TIMESTAMP = "timestamp.txt"
SECRET = "submission_secret.txt"
NOT_COLLECTED = ".not-collected.json"  # a dot name: intake passes it over as a submission
SECRET_TEXT = re.compile(r"[0-9a-f]{32,256}")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
MAX_READ = 512  # bytes of a timestamp or secret file read, at most


def is_inbox(folder: Path) -> bool:
    """Whether a submissions folder is one that the kit's collect filled."""
    return (Path(folder) / MARKER).is_file()


def _read_small(path: Path) -> str:
    """The start of a small text file, "" unless it is a regular file (a link is not
    followed, and a named pipe is never read: a student can leave either)."""
    try:
        with open_regular(path.parent, (path.name,)) as opened:
            return opened.read(MAX_READ).decode("ascii", "replace").strip()
    except OSError:
        return ""


def exchange_secret(submission_folder: Path) -> str:
    """The secret of a submission on the exchange if it is one nbgrader could have
    written (hexadecimal), else a fresh one: then the student cannot fetch the feedback
    with nbgrader's exchange, and nobody else is affected."""
    text = _read_small(Path(submission_folder) / SECRET)
    return text if SECRET_TEXT.fullmatch(text) else secrets.token_hex(64)


def write_collected(
    inbox: Path, student: str, files: dict[str, bytes], when: datetime, secret: str
) -> Path:
    """Write one collected submission into the inbox (replacing an earlier one).

    Inputs:
    - inbox: OUT/collected
    - student: A valid student id (ids.py)
    - files: The submission's files read by the intake (release-layout path -> content)
    - when: When it was submitted (naive UTC, as nbgrader's exchange states it)
    - secret: Its secret (exchange_secret)

    Returns:
    - The student's folder in the inbox
    """
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / MARKER).touch()
    folder = inside(inbox, student)
    staging = inside(inbox, f".{student}.collecting")  # a dot name: intake passes it over
    shutil.rmtree(staging, ignore_errors=True)
    for relative, data in files.items():
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (staging / TIMESTAMP).write_text(when.strftime(TIME_FORMAT))
    (staging / SECRET).write_text(secret)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def write_not_collected(inbox: Path, refused: dict[str, str]) -> None:
    """Keep what a collect refused (exchange folder name -> why) for the next grading."""
    write_atomically(Path(inbox) / NOT_COLLECTED, json.dumps(refused, indent=1, sort_keys=True))
    (Path(inbox) / MARKER).touch()


def not_collected(inbox: Path) -> list[tuple[str, str]]:
    """What the last collect refused: (exchange folder name, why) pairs, [] if nothing."""
    try:
        refused = json.loads((Path(inbox) / NOT_COLLECTED).read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(refused, dict):
        return []
    return sorted((str(name), str(reason)) for name, reason in refused.items())


def collected_time(folder: Path) -> datetime | None:
    """When a collected submission was handed in (UTC, timezone-aware), None if unknown."""
    try:
        return datetime.strptime(_read_small(Path(folder) / TIMESTAMP), TIME_FORMAT).replace(
            tzinfo=UTC
        )
    except ValueError:
        return None


def collected_secret(folder: Path) -> str:
    """The secret the kit's collect wrote for a submission ("" if none)."""
    text = _read_small(Path(folder) / SECRET)
    return text if SECRET_TEXT.fullmatch(text) else ""
