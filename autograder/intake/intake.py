"""Turn a folder of submissions, as an LMS downloads them, into one entry per student.

Recognised names (the LMS's own conventions, looked up in their documentation and
code):

- Canvas ("Download Submissions"): `smithjohn_12345_6789012_submission.zip`, that is
  the student's sortable name, `_LATE` when Canvas marks the submission late, the
  Canvas user id, the attachment id and the name the student gave the file. A
  student who uploads several files gets several such files; a file uploaded again
  gets a `-1`, `-2` suffix (`submission-1.zip`).
- Moodle ("Download all submissions"): `Full Name_123456_assignsubmission_file_/`
  (a folder per student, the default) or `Full Name_123456_assignsubmission_file_x.py`
  (without folders), where 123456 is the participant id of the grading worksheet;
  `Participant_123456_...` under blind marking; `..._assignsubmission_onlinetext_`
  holds online text, which is not graded here.
- Blackboard ("Assignment File Download"):
  `Assignment_username_attempt_2024-10-01-23-59-59_file.zip`, plus one
  `..._attempt_<time>.txt` per attempt with the student's name.
- Anything else: `<student_id>.zip` (any letter case), `.tar.gz`, `.tgz`, `.tar`, or
  a folder `<student_id>/`.

The latest resubmission wins (Canvas: the latest upload of a file of the same name;
Blackboard: the latest attempt); the others are listed as not graded, with every
other file that is not graded and why.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.intake.submissions import JUNK_NAMES, TAR_SUFFIXES, ZIP_SUFFIXES, is_archive
from autograder.plain_text import plain

CANVAS = re.compile(
    r"^(?P<name>.+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$"
)
MOODLE = re.compile(
    r"^(?P<name>.+)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$"
)
BLACKBOARD = re.compile(
    r"^(?P<assignment>.+)_(?P<user>[^_]+)_attempt_"
    r"(?P<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|\.txt)$"
)
BLACKBOARD_TIME = "%Y-%m-%d-%H-%M-%S"
# Canvas renames a file uploaded again: `rnn_layers-1.py`, `submission-2.zip`.
RESUBMISSION_SUFFIX = re.compile(r"-(\d+)(?=(\.tar\.gz|\.[^.]+)$)", re.IGNORECASE)
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
# How much of a file's name and of a reason a person is shown (not_graded.csv, terminal).
MAX_SHOWN_NAME = 120
MAX_SHOWN_REASON = 400
NO_ID = "no student id can be made of this name"


class UsageError(ValueError):
    """Input the grader refuses before doing any work (the message is one line)."""


@dataclass
class Entry:
    """One student's submission in the folder.

    - student_id: The id the course knows the student by
    - source: What read_submission reads: an archive or folder, or a map from the
      name the student gave each uploaded file to the file
    - files: The files of the folder this entry was made of
    - lms: "canvas", "moodle", "blackboard", or "" for plain names
    - lms_id: The LMS's id of the student (Canvas user id, Moodle participant id,
      Blackboard username), "" for plain names
    - name: The student's name as the LMS wrote it ("" if unknown)
    - late: Whether the LMS marked the submission late
    - timestamp: When it was submitted, if the LMS says so (local time of the LMS)
    """

    student_id: str
    source: Path | dict[str, Path]
    files: list[Path]
    lms: str = ""
    lms_id: str = ""
    name: str = ""
    late: bool = False
    timestamp: datetime | None = None


@dataclass
class NotGraded:
    """A file of the folder that is not graded, and why (junk: operating-system clutter)."""

    path: Path
    reason: str
    junk: bool = False

    def shown(self) -> tuple[str, str]:
        """The file's name and the reason, as a person is shown them: plain text, capped
        (a file name is the student's, and reasons quote other file names)."""
        return plain(self.path.name, MAX_SHOWN_NAME), plain(self.reason, MAX_SHOWN_REASON)


@dataclass
class Intake:
    """Every entry of a submissions folder, and every file that is not graded."""

    entries: list[Entry] = field(default_factory=list)
    not_graded: list[NotGraded] = field(default_factory=list)


def slug(text: str) -> str:
    """A student id made of a name: accents dropped, other characters turned into '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_.@-]+", "-", ascii_text).strip("-_.@")
    return cleaned.lower()[:80]


def course_id(name: str) -> str:
    """name as a student id: itself if it is one already (STUDENT_ID), else its slug
    ("" if nothing is left)."""
    return name if STUDENT_ID.match(name) else slug(name)


def upload_name(name: str) -> tuple[str, int]:
    """The file name without Canvas's resubmission suffix, and the suffix (0 if none)."""
    match = RESUBMISSION_SUFFIX.search(name)
    if match is None:
        return name, 0
    return name[: match.start()] + name[match.end() :], int(match.group(1))


def plain_id(path: Path) -> str:
    """The student id of a plain `<id>.zip` or `<id>/` (archive suffixes in any case)."""
    name = path.name
    for suffix in TAR_SUFFIXES + ZIP_SUFFIXES:
        if not path.is_dir() and name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class _Upload:
    """One file of an LMS download, parsed."""

    path: Path
    lms: str
    lms_id: str
    name: str
    file: str
    order: tuple
    late: bool = False
    timestamp: datetime | None = None


def _parse_lms(path: Path) -> _Upload | None:
    """The LMS upload a file name describes, or None if it follows no LMS convention."""
    name = path.name
    if match := MOODLE.match(name):
        return _Upload(path, "moodle", match["user"], match["name"], match["file"], (0,))
    if match := BLACKBOARD.match(name):
        when = datetime.strptime(match["time"], BLACKBOARD_TIME)
        return _Upload(
            path, "blackboard", match["user"], "", match["file"] or "", (when,), False, when
        )
    if not path.is_dir() and (match := CANVAS.match(name)):
        file, resubmission = upload_name(match["file"])
        order = (int(match["attachment"]), resubmission)
        return _Upload(
            path, "canvas", match["user"], match["name"], file, order, bool(match["late"])
        )
    return None


def _blackboard_name(path: Path) -> str:
    """The student's name from a Blackboard attempt's .txt ("Name: Jane Doe (jdoe)")."""
    try:
        text = path.read_text(errors="replace")[:10_000]
    except OSError:
        return ""
    match = re.search(r"^Name:\s*(.+?)\s*(\([^)]*\))?\s*$", text, re.MULTILINE)
    return match.group(1) if match else ""


def _lms_entries(uploads: list[_Upload], intake: Intake) -> None:
    """One entry per LMS student: the latest upload of each file, the others listed."""
    students: dict[tuple[str, str], list[_Upload]] = {}
    for upload in uploads:
        students.setdefault((upload.lms, upload.lms_id), []).append(upload)
    for (lms, lms_id), group in sorted(students.items()):
        if lms == "blackboard":
            for upload in group:
                if upload.file == "":
                    upload.name = _blackboard_name(upload.path)
            latest = max(upload.order for upload in group)
            for upload in group:
                if upload.order != latest:
                    intake.not_graded.append(
                        NotGraded(
                            upload.path, f"an earlier attempt of {lms_id} (a later one is graded)"
                        )
                    )
            group = [upload for upload in group if upload.order == latest]
        kept: dict[str, _Upload] = {}
        for upload in sorted(group, key=lambda u: u.order):
            if lms == "blackboard" and upload.file == "":
                continue  # the attempt's description, read for the name
            if lms == "moodle" and upload.path.name.find("_assignsubmission_file_") < 0:
                intake.not_graded.append(NotGraded(upload.path, "Moodle online text is not graded"))
                continue
            key = upload.file.lower()
            if key in kept:
                intake.not_graded.append(
                    NotGraded(kept[key].path, f"superseded by the later upload {upload.path.name}")
                )
            kept[key] = upload
        if not kept:
            for upload in group:
                if lms != "moodle":
                    intake.not_graded.append(NotGraded(upload.path, "the upload holds no file"))
            continue
        name = next((u.name for u in group if u.name), "")
        # A Blackboard username is the student's id; it must be one (it names folders).
        student_id = course_id(lms_id) if lms == "blackboard" else f"{slug(name) or lms}_{lms_id}"
        if not student_id:
            for upload in kept.values():
                intake.not_graded.append(NotGraded(upload.path, NO_ID))
            continue
        source = {upload.file or upload.path.name: upload.path for upload in kept.values()}
        if lms == "moodle" and len(kept) == 1 and next(iter(kept.values())).path.is_dir():
            source = next(iter(kept.values())).path
        entry = Entry(
            student_id=student_id,
            source=source,
            files=[upload.path for upload in kept.values()],
            lms=lms,
            lms_id=lms_id,
            name=name.replace("_", " ") if lms == "moodle" else name,
            late=any(upload.late for upload in kept.values()),
            timestamp=max((u.timestamp for u in group if u.timestamp), default=None),
        )
        intake.entries.append(entry)


def _plain_entry(path: Path, intake: Intake) -> None:
    if path.is_dir() or is_archive(path.name):
        student_id = course_id(plain_id(path))
        if not student_id:
            intake.not_graded.append(NotGraded(path, NO_ID))
            return
        intake.entries.append(Entry(student_id, path, [path]))
    elif path.suffix.lower() in (".rar", ".7z"):
        intake.not_graded.append(
            NotGraded(path, f"{path.suffix} archives are not read; ask for a .zip")
        )
    else:
        intake.not_graded.append(
            NotGraded(
                path,
                "a single file is not a submission: a submission is <student_id>.zip, "
                "<student_id>.tar.gz or a folder <student_id>/ (or an LMS download)",
            )
        )


def read_intake(folder: Path, skip: list[Path] | None = None) -> Intake:
    """Every student entry of a submissions folder, and every file not graded (and why).

    Inputs:
    - folder: The submissions folder (an LMS download, unzipped, or plain names)
    - skip: Paths inside the folder that are not submissions (never listed)

    Returns:
    - Intake, entries sorted by student id; two entries with the same student id
      (`alice/` and `alice.zip`) are both refused, never one silently picked
    """
    intake = Intake()
    skipped = {Path(path).resolve() for path in skip or []}
    uploads = []
    for path in sorted(Path(folder).iterdir()):
        if path.resolve() in skipped:
            continue
        if path.name.startswith(".") or path.name.lower() in JUNK_NAMES | {"__macosx"}:
            intake.not_graded.append(NotGraded(path, "operating-system file", junk=True))
        elif path.is_symlink():
            intake.not_graded.append(NotGraded(path, "a symbolic link; links are not followed"))
        elif (upload := _parse_lms(path)) is not None:
            uploads.append(upload)
        else:
            _plain_entry(path, intake)
    _lms_entries(uploads, intake)
    by_id: dict[str, list[Entry]] = {}
    for entry in intake.entries:
        by_id.setdefault(entry.student_id, []).append(entry)
    intake.entries = []
    for student_id, entries in sorted(by_id.items()):
        if len(entries) == 1:
            intake.entries.append(entries[0])
            continue
        names = ", ".join(path.name for entry in entries for path in entry.files)
        for entry in entries:
            for path in entry.files:
                intake.not_graded.append(
                    NotGraded(
                        path, f"{student_id} has {len(entries)} submissions ({names}); keep one"
                    )
                )
    intake.not_graded.sort(key=lambda item: item.path.name)
    return intake
