"""Read student submissions (zips, tarballs, folders, loose files) without trusting them.

Only the student-edited files are taken from a submission. Each is found by its
name wherever the student put it: in the release layout (`cs231n/rnn_layers.py`,
`notebooks/RNN_Captioning.ipynb`), flat (`rnn_layers.py`, `rnn.py` and the
notebooks side by side, as a student drags them into an upload dialog), under one
or more top folders, or with `cs231n/` alone. An archive inside a folder
submission (a Moodle folder holding the student's zip) is read too. Two different
files that could each be the same wanted file are a problem of the submission,
never a silent pick; identical copies are no problem.

Nothing is extracted: each wanted file is read, size-capped, straight from the
archive or folder, so `../` paths, absolute paths, symlinks and zip bombs cannot
write anything or exhaust memory; an archive of more than MAX_MEMBERS members (whose
directory alone would fill memory) is refused. Of the candidates for one wanted file
the first is read and the others only hashed, a chunk at a time, so the grader holds
one copy of it at most, however many copies an archive holds; a member that cannot
be read (a bad checksum, an encrypted or exotically compressed zip member) is a
problem of the submission, never of the batch.

The trained parameters the notebooks save for the leaderboard are optional: one that
is missing or unusable is no problem of the submission (the leaderboard is ungraded),
and the leaderboard says why its cell is empty.
"""

import hashlib
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

import nbformat

from autograder.paths import NOTEBOOKS, REPO, STUDENT_MODULES, TRAINED_MODELS
from autograder.plain_text import plain

STUDENT_FILES = tuple(f"notebooks/{name}" for name in NOTEBOOKS) + STUDENT_MODULES
MODEL_FILES = tuple(TRAINED_MODELS.values())
MAX_FILE_BYTES = 20 << 20
# An archive inside a folder submission is opened only up to this size.
MAX_ARCHIVE_BYTES = 200 << 20
# A tarball is read through at most this much content (a tar bomb stops there).
MAX_TAR_BYTES = 1 << 30
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
# Operating-system clutter inside archives and folders, never a candidate.
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_PROBLEM = 300  # characters of a problem, which may quote a file name of the upload
# A notebook is parsed in the grader: at most this many JSON objects and lists (the
# release notebooks hold about 400; 20 MB of `{},` is 7 million, gigabytes once parsed).
MAX_NOTEBOOK_CONTAINERS = 100_000
# Every archive's directory is read whole: about 1 KB of the grader's memory per member,
# so at most this many (the instructor's .venv, zipped by mistake, holds 34,000 files).
MAX_MEMBERS = 50_000
# What starts each entry of a zip's central directory.
ZIP_ENTRY = b"PK\x01\x02"
# Candidates are hashed this much at a time: memory stays flat whatever they hold.
CHUNK_BYTES = 1 << 20
# What opening or reading a broken archive raises (RuntimeError: an encrypted zip
# member, NotImplementedError: a compression method zipfile cannot read).
READ_ERRORS = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


@dataclass
class Submission:
    """The student-edited files of one submission, and what was wrong with it.

    - files: relative path -> content, for every usable wanted file
    - problems: what is wrong with the student-edited files
    - model_problems: relative path of a trained-parameters file -> why it was not taken
    """

    student_id: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    model_problems: dict[str, str] = field(default_factory=dict)

    def refuse(self, wanted: str, problem: str) -> None:
        """Note why a wanted file was not taken."""
        if wanted in MODEL_FILES:
            self.model_problems[wanted] = problem
        else:
            self.problems.append(problem)


@dataclass(frozen=True)
class Member:
    """One file of a submission, readable on demand.

    - name: Its path inside the submission (POSIX, relative)
    - size: Its size in bytes as the archive or folder states it
    - link: Whether it is a symbolic (or hard) link
    - open: Returns a binary file object of its content
    """

    name: str
    size: int
    link: bool
    open: Callable[[], IO[bytes]]


def is_archive(name: str) -> bool:
    """Whether a file name is a zip or tarball the reader opens (any letter case)."""
    return name.lower().endswith(ZIP_SUFFIXES + TAR_SUFFIXES)


def safe_name(name: str) -> str | None:
    """The normalised relative path of an archive or folder entry, or None to skip it.

    Backslashes (Windows zips) count as separators; absolute paths and `..` are
    unsafe; operating-system clutter (`__MACOSX/`, `._x`, `.DS_Store`) is useless.
    """
    name = name.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or ".." in path.parts or not path.parts:
        return None
    if "__MACOSX" in path.parts or path.name.startswith("._") or path.name.lower() in JUNK_NAMES:
        return None
    return path.as_posix()


def count_in(handle: IO[bytes], pattern: bytes) -> int:
    """How many times pattern occurs in a file, read from its start CHUNK_BYTES at a time."""
    handle.seek(0)
    count, tail = 0, b""
    while chunk := handle.read(CHUNK_BYTES):
        window = tail + chunk
        count += window.count(pattern)
        tail = window[1 - len(pattern) :]  # a match across two chunks is counted once
    return count


def zip_members(handle: IO[bytes], stack: ExitStack, prefix: str) -> list[Member]:
    """The files of a zip (its directory is read, nothing is inflated).

    zipfile reads the whole directory into memory, so the entries are counted first:
    every entry it would read starts with ZIP_ENTRY, so the count of ZIP_ENTRY in the
    file bounds it whatever the archive's end record says.

    Raises zipfile.BadZipFile or OSError when it is not a readable zip.
    """
    if count_in(handle, ZIP_ENTRY) > MAX_MEMBERS:
        raise zipfile.BadZipFile(f"more than {MAX_MEMBERS:,} members")
    archive = stack.enter_context(zipfile.ZipFile(handle))
    members = []
    for info in archive.infolist():
        name = None if info.is_dir() else safe_name(info.filename)
        if name is not None:
            link = stat.S_ISLNK(info.external_attr >> 16)
            opener = partial(archive.open, info)
            members.append(Member(prefix + name, info.file_size, link, opener))
    return members


def tar_members(handle: IO[bytes], stack: ExitStack, prefix: str) -> list[Member]:
    """The files and links of a tarball (gzip or plain), reading at most MAX_TAR_BYTES
    and MAX_MEMBERS members.

    Raises tarfile.TarError or OSError when it is not a readable tarball.
    """
    archive = stack.enter_context(tarfile.open(fileobj=handle, mode="r:*"))
    members = []
    while (info := archive.next()) is not None:
        if info.offset_data > MAX_TAR_BYTES:
            raise tarfile.TarError(f"more than {MAX_TAR_BYTES >> 20} MB of content")
        if len(archive.members) > MAX_MEMBERS:
            raise tarfile.TarError(f"more than {MAX_MEMBERS:,} members")
        name = safe_name(info.name) if info.isfile() or info.issym() or info.islnk() else None
        if name is not None:
            opener = partial(archive.extractfile, info)
            members.append(Member(prefix + name, info.size, not info.isfile(), opener))
    return members


def archive_members(
    handle: IO[bytes], name: str, stack: ExitStack, prefix: str = ""
) -> list[Member]:
    """The members of a zip or tarball, chosen by the name's suffix (any letter case)."""
    read = zip_members if name.lower().endswith(ZIP_SUFFIXES) else tar_members
    return read(handle, stack, prefix)


def disk_member(path: Path, name: str) -> Member | None:
    """A file on disk as a member: a symbolic link is reported, never followed; anything
    but a regular file or a link (a named pipe, a device, a socket, which a student on a
    shared machine can leave in a folder and whose reading could block) is none."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return Member(name, 0, True, partial(open, path, "rb"))
    if not stat.S_ISREG(info.st_mode):
        return None
    return Member(name, info.st_size, False, partial(open, path, "rb"))


def folder_members(folder: Path, prefix: str = "") -> list[Member]:
    """The files under a folder (disk_member)."""
    members = []
    for top, _, files in os.walk(folder):  # os.walk does not follow linked folders
        for entry in files:
            path = Path(top) / entry
            name = safe_name(path.relative_to(folder).as_posix())
            if name is not None and (member := disk_member(path, prefix + name)) is not None:
                members.append(member)
    return members


def file_members(files: Mapping[str, Path]) -> list[Member]:
    """Uploaded files and folders (an LMS download), each under the name the student
    gave it; a folder's files come under that name."""
    members = []
    for name, path in files.items():
        if path.is_dir() and not path.is_symlink():
            members += folder_members(path, name + "/")
        elif (member := disk_member(path, name)) is not None:
            members.append(member)
    return members


def expand_archives(
    members: list[Member], submission: Submission, stack: ExitStack
) -> list[Member]:
    """Members with every archive among them replaced by its own files (one level).

    An archive that cannot be read is a problem of the submission.
    """
    expanded = []
    for member in members:
        if not is_archive(member.name):
            expanded.append(member)
            continue
        where = PurePosixPath(member.name).parent.as_posix()
        prefix = "" if where == "." else where + "/"
        if member.link or member.size > MAX_ARCHIVE_BYTES:
            submission.problems.append(
                f"{member.name} is a link or larger than {MAX_ARCHIVE_BYTES >> 20} MB; "
                "it was ignored"
            )
            continue
        try:
            handle = stack.enter_context(member.open())
            expanded += archive_members(handle, member.name, stack, prefix)
        except READ_ERRORS as error:
            submission.problems.append(f"{member.name} is not a readable archive ({error})")
    return expanded


def candidates(members: list[Member], wanted: str) -> list[Member]:
    """Members named like the wanted file (any letter case), in whatever folder."""
    name = PurePosixPath(wanted).name.lower()
    return [member for member in members if PurePosixPath(member.name).name.lower() == name]


def read_capped(member: Member) -> bytes | None:
    """The member's content, or None if it is larger than MAX_FILE_BYTES."""
    if member.size > MAX_FILE_BYTES:
        return None
    with member.open() as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return None if len(data) > MAX_FILE_BYTES else data


def digest_capped(member: Member) -> str | None:
    """The SHA-256 of the member's content, read CHUNK_BYTES at a time, or None if it
    is larger than MAX_FILE_BYTES."""
    if member.size > MAX_FILE_BYTES:
        return None
    digest, total = hashlib.sha256(), 0
    with member.open() as handle:
        while chunk := handle.read(CHUNK_BYTES):
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                return None
            digest.update(chunk)
    return digest.hexdigest()


def agreed_content(wanted: str, found: list[Member]) -> tuple[bytes | None, str | None]:
    """The content of a wanted file if all its candidates hold the same bytes.

    The first candidate is read whole and every other one only hashed, a chunk at a
    time, so one copy of the file at most is in memory however many the archive holds.

    Inputs:
    - wanted: The wanted file's relative path (for the problem's wording)
    - found: Its candidates in the submission (at least one)

    Returns:
    - (content, None), or (None, why no candidate was taken)
    """
    if any(member.link for member in found):
        return None, f"{wanted} is a symbolic link; it was ignored"
    try:
        data = read_capped(found[0])
        digests = [digest_capped(member) for member in found[1:]]
    except READ_ERRORS as error:
        return None, f"{wanted} cannot be read from the submission ({error})"
    if data is None or None in digests:
        return None, f"{wanted} is larger than {MAX_FILE_BYTES >> 20} MB"
    if set(digests) - {hashlib.sha256(data).hexdigest()}:
        names = ", ".join(sorted(member.name for member in found))
        return None, (
            f"{wanted}: {len(found)} different candidates in the submission ({names}); "
            "hand in exactly one"
        )
    return data, None


def take_wanted(members: list[Member], submission: Submission) -> None:
    """Put each wanted file into the submission, or say why it was not taken."""
    for wanted in STUDENT_FILES + MODEL_FILES:
        found = candidates(members, wanted)
        if not found:
            continue
        data, problem = agreed_content(wanted, found)
        if problem is None:
            submission.files[wanted] = data
        else:
            submission.refuse(wanted, problem)


def unusable(wanted: str, data: bytes) -> str | None:
    """Why a student-edited file cannot be used, or None if it can.

    A notebook is parsed in the grader's process, so JSON of more than
    MAX_NOTEBOOK_CONTAINERS objects and lists (counted as `{` and `[` bytes, before
    any parsing) is refused first.
    """
    is_notebook = wanted.endswith(".ipynb")
    if is_notebook and data.count(b"{") + data.count(b"[") > MAX_NOTEBOOK_CONTAINERS:
        return (
            f"{wanted} holds more than {MAX_NOTEBOOK_CONTAINERS:,} JSON objects and lists; "
            "no notebook does"
        )
    try:
        text = data.decode("utf-8")
        if is_notebook:
            nbformat.reads(text, as_version=4)
    except UnicodeDecodeError:
        return f"{wanted} is not UTF-8 text"
    except Exception:  # noqa: BLE001 - any parse failure means "not a notebook"
        return f"{wanted} is not a valid notebook (JSON)"
    return None


def _validate(submission: Submission) -> None:
    """Drop student-edited files that cannot be used, saying why; note the missing ones.

    Trained parameters are judged by the leaderboard, which reads them without trust.
    """
    for wanted in STUDENT_FILES:
        data = submission.files.get(wanted)
        if data is None:
            if not any(p.startswith(wanted) for p in submission.problems):
                submission.problems.append(f"{wanted} is missing")
        elif (problem := unusable(wanted, data)) is not None:
            submission.problems.append(problem)
            del submission.files[wanted]


def submission_members(
    path: Path | Mapping[str, Path], submission: Submission, stack: ExitStack
) -> list[Member]:
    """Every file of a submission, archives inside it opened; problems noted."""
    if isinstance(path, Mapping):
        return expand_archives(file_members(path), submission, stack)
    if path.is_dir():
        return expand_archives(folder_members(path), submission, stack)
    try:
        return archive_members(stack.enter_context(open(path, "rb")), path.name, stack)
    except READ_ERRORS as error:
        kind = "zip file" if path.name.lower().endswith(ZIP_SUFFIXES) else "archive"
        submission.problems.append(f"{path.name} is not a readable {kind} ({error})")
        return []


def read_submission(student_id: str, path: Path | Mapping[str, Path]) -> Submission:
    """Read and validate the student-edited files of one submission.

    Inputs:
    - student_id: The student's id
    - path: A zip or tarball, a folder, or uploaded files (map from the name the
      student gave each file or folder to where it is on disk)

    Returns:
    - Submission with the usable files, a list of problems (empty if none) and the
      reasons why trained-parameter files were not taken, each plain text of at most
      MAX_PROBLEM characters
    """
    submission = Submission(student_id)
    with ExitStack() as stack:
        take_wanted(submission_members(path, submission, stack), submission)
    _validate(submission)
    # They quote the names of files inside the upload, which are the student's.
    submission.problems = [plain(problem, MAX_PROBLEM) for problem in submission.problems]
    submission.model_problems = {
        wanted: plain(problem, MAX_PROBLEM) for wanted, problem in submission.model_problems.items()
    }
    return submission


def student_file(submission: Submission, relative: str) -> bytes:
    """A student-edited file of the submission, or its release copy if unusable."""
    return submission.files.get(relative, (REPO / relative).read_bytes())


def student_package(submission: Submission, folder: Path) -> Path:
    """The package the hidden checks run on: every provided file from the release,
    the student-edited modules from the submission (release stubs if missing).

    Inputs:
    - submission: A read submission
    - folder: Empty directory that receives `cs231n/`

    Returns:
    - folder (the directory to put on the sandbox's path)
    """
    shutil.copytree(
        REPO / "cs231n", folder / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    for relative in STUDENT_MODULES:
        (folder / relative).write_bytes(student_file(submission, relative))
    return folder
