"""Turn a folder of submissions, as an LMS downloads them, into one entry per student.

File names are adversarial input: a student chooses part of each name (the name they
gave the file they uploaded), and nothing in that part may name another student or
a path. So an LMS's name is read only from the part the LMS writes, every student id
is checked (autograder/intake/ids.py) before it names anything, and whatever is
refused is listed with its reason while the batch goes on.

Recognised names (the LMS's own conventions, looked up in their documentation and
code):

- Canvas ("Download Submissions"): `smithjohn_12345_6789012_submission.zip`, that is
  the student's sortable name, `_LATE` when Canvas marks the submission late, the
  Canvas user id, the attachment id and the name the student gave the file. The ids
  are the first `_<digits>_<digits>_` of the name, so the student's part cannot move
  them. A student who uploads several files gets several such files; a file
  uploaded again gets a `-1`, `-2` suffix (`submission-1.zip`).
- Moodle ("Download all submissions"): `Full Name_123456_assignsubmission_file_/`
  (a folder per student, the default) or `Full Name_123456_assignsubmission_file_x.py`
  (without folders), where 123456 is the participant id of the grading worksheet;
  `Participant_123456_...` under blind marking. Moodle turns the underscores of the
  name into spaces, so the participant id and the plugin are the ones around the
  first `_assignsubmission_`, whatever the student's part holds. Only the `file`
  plugin is graded (`..._assignsubmission_onlinetext_` holds online text).
- Blackboard ("Assignment File Download"): one `HW3_jdoe_attempt_<time>.txt` per
  attempt (its description, with the student's name and username:
  `Name: John Doe (jdoe)`) and one `HW3_jdoe_attempt_<time>_<file>` per uploaded
  file. A username may hold `_` (`HW3_j_doe_attempt_...`), and so may an assignment's
  title, so the username is the one the description states, and the name must end in
  it (`_j_doe_attempt_<time>`); a description that states none is read only if its
  name splits one way (one `_` before `_attempt_`), and refused otherwise. Attempts
  are known from the descriptions only, and an upload belongs to the attempt whose exact prefix
  `HW3_jdoe_attempt_<time>_` it starts with. A student can name an upload like
  another student's attempt (`HW3_jdoe_attempt_<t>_x_bob_attempt_<later>_y.zip`, or
  the same ending in `.txt`), but its name starts with the prefix of the student's
  own attempt, whose description is shorter: descriptions are accepted shortest
  first, and a name that starts with an accepted attempt's prefix and `_` is an
  upload of that attempt, never a description. An upload whose attempt has no
  description in the folder (a download without the .txt files, or a part of one)
  is not graded but listed: its owner would rest on the name alone, and Blackboard
  writes the description of every attempt it downloads.
- Anything else: `<student_id>.zip` (any letter case), `.tar.gz`, `.tgz`, `.tar`, or
  a folder `<student_id>/`; a name that is no student id becomes one with accents
  dropped and other characters turned into `-` (`José García.zip`: `jose-garcia`).
  In the folder that the kit's `nbgrader collect` fills (exchange_inbox.py), each
  `<student_id>/` also brings its time and its secret on nbgrader's exchange.

A name reads as the uploads of two LMS only when a student wrote one LMS's pattern
into their part of another's name, or when an LMS's own part looks like another's (a
Blackboard assignment titled `Lab_1_2` reads as Canvas user 1). The LMS writes the
start of the name, so such a name is read by the LMS whose part of it ends first,
and only if that LMS is present in the folder: holds a name only its convention reads.
Otherwise it is refused and listed: whose it is would rest on the student's part.

The latest resubmission wins (Canvas: the latest upload of a file of the same name;
Blackboard: the latest attempt); the others are listed as not graded, with every
other file that is not graded and why. Two entries of one student id, or of ids that
differ in letter case only, are both refused, never one picked.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.intake.exchange_inbox import (
    collected_secret,
    collected_time,
    is_inbox,
    not_collected,
)
from autograder.intake.ids import id_problem
from autograder.intake.submissions import (
    JUNK_NAMES,
    TAR_SUFFIXES,
    ZIP_SUFFIXES,
    is_archive,
    open_regular,
)
from autograder.plain_text import plain

CANVAS = re.compile(
    r"(?P<name>.+?)(?P<late>_LATE)?_(?P<user>[0-9]+)_(?P<attachment>[0-9]+)_(?P<file>.+)",
    re.DOTALL,
)
MOODLE = re.compile(
    r"(?P<name>[^_]+)_(?P<user>[0-9]+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)",
    re.DOTALL,
)
BLACKBOARD_TIME = "%Y-%m-%d-%H-%M-%S"
_TIME = r"[0-9]{4}(?:-[0-9]{2}){5}"
# An attempt's prefix (its description is the prefix and `.txt`): the assignment's title
# and the username, each of which may hold `_`, and the time.
BLACKBOARD_ATTEMPT = re.compile(rf"(?P<head>.+)_attempt_(?P<time>{_TIME})", re.DOTALL)
# The line of an attempt's description that names the student: `Name: John Doe (jdoe)`.
BLACKBOARD_NAME = re.compile(
    r"^Name:[ \t]*(?P<name>.+?)[ \t]*(?:\((?P<user>[^)\n]*)\))?[ \t]*$", re.M
)
MAX_DESCRIPTION = 10_000  # bytes of a description read, at most
# A name shaped like an upload, read up to its first attempt-like prefix.
BLACKBOARD_UPLOAD = re.compile(rf"(?P<prefix>.+?_[^_]+_attempt_{_TIME})_.+", re.DOTALL)
# Canvas renames a file uploaded again: `rnn_layers-1.py`, `submission-2.zip`.
RESUBMISSION_SUFFIX = re.compile(r"-([0-9]+)(?=(\.tar\.gz|\.[^.]+)\Z)", re.IGNORECASE)
LMS_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard"}
# How much of a file's name and of a reason a person is shown (not_graded.csv, terminal).
MAX_SHOWN_NAME = 120
MAX_SHOWN_REASON = 400


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
    - timestamp: When it was submitted, if the LMS says so (local time of the LMS, or
      timezone-aware)
    - secret: Its secret on nbgrader's exchange ("" unless collected from there)
    """

    student_id: str
    source: Path | dict[str, Path]
    files: list[Path]
    lms: str = ""
    lms_id: str = ""
    name: str = ""
    late: bool = False
    timestamp: datetime | None = None
    secret: str = ""


@dataclass
class NotGraded:
    """A file of the folder that is not graded, and why.

    - junk: Operating-system clutter, never listed
    - superseded: A resubmission of the same student is graded instead (an earlier
      upload or attempt, an older copy): listed, but nothing was left ungraded
    """

    path: Path
    reason: str
    junk: bool = False
    superseded: bool = False

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
    cleaned = re.sub(r"[^A-Za-z0-9_.@-]+", "-", ascii_text).lower()
    return cleaned.strip("-_.@")[:80].rstrip("-_.@")


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


@dataclass(frozen=True)
class _Attempt:
    """A Blackboard attempt, as its description tells it.

    - user: The Blackboard username ("" if refused)
    - when: When it was submitted
    - name: The student's name ("" if unknown)
    - refusal: Why its files are not graded, if they are not
    """

    user: str
    when: datetime
    name: str = ""
    refusal: str = ""


@dataclass
class _Upload:
    """One file of an LMS download, parsed.

    - written: Where the part of the name the LMS writes ends (the student's begins)
    - refusal: Why it is not graded, if it is not
    """

    path: Path
    lms: str
    lms_id: str
    name: str
    file: str
    order: tuple
    written: int
    late: bool = False
    timestamp: datetime | None = None
    refusal: str = ""


def _canvas(path: Path) -> _Upload | None:
    """The Canvas upload a file's name describes, or None."""
    match = None if path.is_dir() else CANVAS.fullmatch(path.name)
    if match is None:
        return None
    file, resubmission = upload_name(match["file"])
    order = (int(match["attachment"]), resubmission)
    return _Upload(
        path,
        "canvas",
        match["user"],
        match["name"],
        file,
        order,
        written=match.start("file"),
        late=bool(match["late"]),
    )


def _moodle(path: Path) -> _Upload | None:
    """The Moodle upload (or folder) a name describes, or None."""
    match = MOODLE.fullmatch(path.name)
    if match is None:
        return None
    plugin = match["plugin"]
    refusal = "" if plugin == "file" else f"Moodle {plugin} is not graded (only file submissions)"
    return _Upload(
        path,
        "moodle",
        match["user"],
        match["name"],
        match["file"],
        (0,),
        written=match.start("file"),
        refusal=refusal,
    )


def _blackboard_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, BLACKBOARD_TIME)
    except ValueError:  # shaped like a time, but no date (month 13)
        return None


def _stated_name(path: Path) -> tuple[str, str]:
    """(the student's name, the username) an attempt's description states, "" for each
    it does not (`Name: John Doe (jdoe)`; a link or a pipe states nothing)."""
    try:
        with open_regular(path.parent, (path.name,)) as handle:
            text = handle.read(MAX_DESCRIPTION).decode("utf-8", "replace")
    except OSError:
        return "", ""
    match = BLACKBOARD_NAME.search(text)
    return (match["name"], match["user"] or "") if match else ("", "")


def _username(head: str, stated: str) -> tuple[str, str]:
    """(username, "") of an attempt whose name starts with head (`HW3_j_doe`), or ("",
    why it cannot be told), given the username its description states ("" if none)."""
    if stated:
        if head.endswith(f"_{stated}") and len(head) > len(stated) + 1:
            return stated, ""
        return "", f"its description names the username {stated!r}, which its file name does not"
    if head.count("_") == 1:
        return head.split("_")[1], ""
    return "", (
        "its description names no username and the file name can be read as more than one "
        "(a title or a username with `_`)"
    )


def _description(path: Path) -> _Attempt | None:
    """The attempt a file is named as the description of, or None."""
    name = path.name
    if not name.endswith(".txt") or path.is_dir():
        return None
    match = BLACKBOARD_ATTEMPT.fullmatch(name.removesuffix(".txt"))
    when = _blackboard_time(match["time"]) if match else None
    if when is None:
        return None
    student, stated = _stated_name(path)
    user, refusal = _username(match["head"], stated)
    return _Attempt(user, when, student, refusal)


def _attempt_prefix(name: str, attempts: Mapping[str, tuple]) -> str | None:
    """The attempt (of attempts) whose description name is, or whose upload it is: the
    name starts with the attempt's prefix and `_`. None if there is none."""
    if name.endswith(".txt") and name.removesuffix(".txt") in attempts:
        return name.removesuffix(".txt")
    ends = (index for index, char in enumerate(name) if char == "_")
    return next((name[:end] for end in ends if name[:end] in attempts), None)


def _blackboard_attempts(paths: list[Path]) -> dict[str, _Attempt]:
    """Every Blackboard attempt the folder describes: prefix -> attempt.

    Descriptions are accepted shortest first; a name that starts with an accepted
    attempt's prefix and `_` is an upload of that attempt, however it ends.
    """
    attempts: dict[str, _Attempt] = {}
    for path in sorted(paths, key=lambda path: len(path.name)):
        attempt = _description(path)
        if attempt is not None and _attempt_prefix(path.name, attempts) is None:
            attempts[path.name.removesuffix(".txt")] = attempt
    return attempts


def _blackboard(path: Path, attempts: Mapping[str, _Attempt]) -> _Upload | None:
    """The Blackboard description or upload a name describes, or None."""
    prefix = _attempt_prefix(path.name, attempts)
    if prefix is not None:
        attempt = attempts[prefix]
        description = path.name == f"{prefix}.txt"
        written = len(path.name) if description else len(prefix) + 1
        file, name = ("", attempt.name) if description else (path.name[written:], "")
        refusal = f"{prefix}.txt: {attempt.refusal}" if attempt.refusal else ""
        return _Upload(
            path, "blackboard", attempt.user, name, file, (attempt.when,), written,
            timestamp=attempt.when, refusal=refusal,
        )  # fmt: skip
    match = BLACKBOARD_UPLOAD.fullmatch(path.name)
    if match is None:
        return None
    refusal = (
        f"no {match['prefix']}.txt in the folder: an upload is graded only with the "
        "description of its attempt, which Blackboard's download holds"
    )
    return _Upload(path, "blackboard", "", "", "", (), match.end("prefix") + 1, refusal=refusal)


def _readings(path: Path, attempts: Mapping[str, _Attempt]) -> list[_Upload]:
    """The uploads a name could be, one per LMS convention that reads it."""
    found = [_canvas(path), _moodle(path), _blackboard(path, attempts)]
    return [upload for upload in found if upload is not None]


def _lms_uploads(paths: list[Path], intake: Intake) -> tuple[list[_Upload], list[Path]]:
    """Each file as the upload of the LMS whose part of its name ends first, if that
    LMS is present in the folder (holds a name that only its convention reads).

    Inputs:
    - paths: The folder's files and folders (clutter and links left out)
    - intake: Receives the files refused (an LMS's refusal, or a name several LMS read)

    Returns:
    - The uploads to grade, and the paths no LMS convention reads
    """
    attempts = _blackboard_attempts(paths)
    readings = {path: _readings(path, attempts) for path in paths}
    present = {found[0].lms for found in readings.values() if len(found) == 1}
    uploads, unread = [], []
    for path, found in readings.items():
        first = min(found, key=lambda upload: upload.written, default=None)
        if first is None:
            unread.append(path)
        elif first.lms not in present:
            kinds = " and a ".join(LMS_NAMES[upload.lms] for upload in found)
            reason = f"the name reads as a {kinds} upload and the folder does not tell which"
            intake.not_graded.append(NotGraded(path, reason))
        elif first.refusal:
            intake.not_graded.append(NotGraded(path, first.refusal))
        else:
            uploads.append(first)
    return uploads, unread


def _latest_attempt(username: str, group: list[_Upload], intake: Intake) -> list[_Upload]:
    """The files of a Blackboard student's latest attempt; the earlier attempts' files
    are listed."""
    latest = max(upload.order for upload in group)
    for upload in group:
        if upload.order != latest:
            reason = f"an earlier attempt of {username} (a later one is graded)"
            intake.not_graded.append(NotGraded(upload.path, reason, superseded=True))
    return [upload for upload in group if upload.order == latest]


def _latest_uploads(lms: str, group: list[_Upload], intake: Intake) -> dict[str, _Upload]:
    """The latest upload of each file name (any letter case); the others are listed."""
    kept: dict[str, _Upload] = {}
    for upload in sorted(group, key=lambda upload: upload.order):
        if lms == "blackboard" and upload.file == "":
            continue  # the attempt's description, read for the name
        key = upload.file.lower()
        if key in kept:
            reason = f"superseded by the later upload {upload.path.name}"
            intake.not_graded.append(NotGraded(kept[key].path, reason, superseded=True))
        kept[key] = upload
    return kept


def _lms_entry(lms: str, lms_id: str, group: list[_Upload], kept: dict[str, _Upload]) -> Entry:
    """The entry of one LMS student, made of the uploads kept (and, on Blackboard, the
    description of the attempt)."""
    name = next((upload.name for upload in group if upload.name), "")
    uploads = list(kept.values())
    described = [upload.path for upload in group if lms == "blackboard" and not upload.file]
    source: Path | dict[str, Path] = {
        upload.file or upload.path.name: upload.path for upload in uploads
    }
    if lms == "moodle" and len(uploads) == 1 and uploads[0].path.is_dir():
        source = uploads[0].path
    return Entry(
        student_id=lms_id if lms == "blackboard" else f"{slug(name) or lms}_{lms_id}",
        source=source,
        files=described + [upload.path for upload in uploads],
        lms=lms,
        lms_id=lms_id,
        name=name,
        late=any(upload.late for upload in uploads),
        timestamp=max((upload.timestamp for upload in group if upload.timestamp), default=None),
    )


def _lms_entries(uploads: list[_Upload], intake: Intake) -> None:
    """One entry per LMS student: the latest upload of each file, the others listed."""
    students: dict[tuple[str, str], list[_Upload]] = {}
    for upload in uploads:
        students.setdefault((upload.lms, upload.lms_id), []).append(upload)
    for (lms, lms_id), group in sorted(students.items()):
        if lms == "blackboard":
            group = _latest_attempt(lms_id, group, intake)
        kept = _latest_uploads(lms, group, intake)
        if kept:
            intake.entries.append(_lms_entry(lms, lms_id, group, kept))
        else:  # a Blackboard attempt of a description alone
            for upload in group:
                intake.not_graded.append(NotGraded(upload.path, "the upload holds no file"))


def _plain_entry(path: Path, intake: Intake) -> None:
    """The entry of a plain `<id>.zip` or `<id>/`, or why a file no LMS reads is not one."""
    if path.is_dir() or is_archive(path.name):
        student_id = plain_id(path)
        if id_problem(student_id) is not None:
            student_id = slug(student_id)
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


def _exchange_entries(intake: Intake, inbox: Path) -> None:
    """The folders of the kit's exchange inbox: each one's time and secret, as the kit's
    collect wrote them (exchange_inbox.py); and what that collect refused, not graded."""
    for name, reason in not_collected(inbox):
        intake.not_graded.append(NotGraded(inbox / name, f"not collected: {reason}"))
    for entry in intake.entries:
        if isinstance(entry.source, Path) and entry.source.is_dir():
            entry.lms, entry.lms_id = "nbgrader", entry.student_id
            entry.timestamp = collected_time(entry.source)
            entry.secret = collected_secret(entry.source)


def _refuse_bad_ids(intake: Intake) -> None:
    """List, instead of grading, every entry whose id cannot name files (ids.py)."""
    kept = []
    for entry in intake.entries:
        problem = id_problem(entry.student_id)
        if problem is None:
            kept.append(entry)
            continue
        reason = f"{entry.student_id!r} cannot be a student id ({problem})"
        intake.not_graded += [NotGraded(path, reason) for path in entry.files]
    intake.entries = kept


def _refuse_shared_ids(intake: Intake) -> None:
    """Refuse both (all) entries of one student id, never silently pick one; ids that
    differ in letter case only are one id (one folder on macOS and Windows)."""
    by_id: dict[str, list[Entry]] = {}
    for entry in intake.entries:
        by_id.setdefault(entry.student_id.lower(), []).append(entry)
    intake.entries = []
    for _, entries in sorted(by_id.items()):
        if len(entries) == 1:
            intake.entries.append(entries[0])
            continue
        who = " / ".join(sorted({entry.student_id for entry in entries}))
        names = ", ".join(path.name for entry in entries for path in entry.files)
        reason = f"{who} has {len(entries)} submissions ({names}); keep one"
        intake.not_graded += [NotGraded(path, reason) for entry in entries for path in entry.files]


def read_intake(folder: Path) -> Intake:
    """Every student entry of a submissions folder, and every file not graded (and why).

    Inputs:
    - folder: The submissions folder (an LMS download, unzipped, or plain names)

    Returns:
    - Intake, entries sorted by student id, every id checked by ids.id_problem; two
      entries with the same student id (`alice/` and `alice.zip`) are both refused,
      never one silently picked
    """
    intake = Intake()
    paths = []
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith(".") or path.name.lower() in JUNK_NAMES | {"__macosx"}:
            intake.not_graded.append(NotGraded(path, "operating-system file", junk=True))
        elif path.is_symlink():
            intake.not_graded.append(NotGraded(path, "a symbolic link; links are not followed"))
        else:
            paths.append(path)
    uploads, unread = _lms_uploads(paths, intake)
    for path in unread:
        _plain_entry(path, intake)
    if is_inbox(folder):
        _exchange_entries(intake, folder)
    _lms_entries(uploads, intake)
    _refuse_bad_ids(intake)
    _refuse_shared_ids(intake)
    intake.not_graded.sort(key=lambda item: item.path.name)
    return intake
