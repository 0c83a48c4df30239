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
write anything. A file on disk is opened without following a link, in its path or at
its end (a student can swap one in while the folder is read). Of the candidates for
one wanted file the first is read and the others only hashed, a chunk at a time, so
the grader holds one copy of it at most, however many copies an archive holds.

What one submission may cost is a Budget, shared by all its archives and folders:
files listed, bytes of names and archive directories held in memory, bytes of
archives opened, bytes of candidates read or hashed (zip entries may all point at the
same data). A submission that exceeds it is refused with a problem saying which, so
the grader's memory stays within about 100 MB of its baseline, and its time within
seconds, whatever the submission holds. A member that cannot be read (a bad checksum,
an encrypted or exotically compressed zip member) is a problem of the submission too,
never of the batch.

The trained parameters the notebooks save for the leaderboard are optional: one that
is missing or unusable is no problem of the submission (the leaderboard is ungraded),
and the leaderboard says why its cell is empty.
"""

import errno
import hashlib
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
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
# A tarball is read through at most this much content (a tar bomb stops there).
MAX_TAR_BYTES = 1 << 30
MAX_TAR_HEADER_BYTES = 1 << 20  # a long name or the pax records of one member
LONG_HEADERS = (
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
)
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
# Operating-system clutter inside archives and folders, never a candidate.
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_PROBLEM = 300  # characters of a problem, which may quote a file name of the upload
# A notebook is parsed in the grader: at most this many JSON objects and lists (the
# release notebooks hold about 400; 20 MB of `{},` is 7 million, gigabytes once parsed).
MAX_NOTEBOOK_CONTAINERS = 100_000
# What one submission may cost the grader, all its archives and folders together (Budget).
# Every file listed is held in memory until the submission is read, about 1 KB each: at
# most this many (the instructor's .venv, zipped by mistake, holds 34,000 files) ...
MAX_MEMBERS = 50_000
# ... and so are their names and every zip's directory, read whole (that .venv's: 5 MB).
MAX_DIRECTORY_BYTES = 16 << 20
# Archives (the submission itself, or those in a folder submission) are opened up to this
# size in all ...
MAX_ARCHIVE_BYTES = 200 << 20
# ... and candidates unpacked up to this size in all (every wanted file at the size cap).
MAX_UNPACKED_BYTES = 200 << 20
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


class TooLarge(Exception):
    """A submission costs more than its Budget (the message says what it holds, as the
    end of a problem of the submission)."""


class FileTooLarge(Exception):
    """A file of a submission is larger than MAX_FILE_BYTES."""


def limits() -> dict[str, tuple[int, str]]:
    """Each part of a Budget: its limit, and what a submission exceeding it holds."""
    return {
        "members": (MAX_MEMBERS, f"more than {MAX_MEMBERS:,} files"),
        "directory_bytes": (
            MAX_DIRECTORY_BYTES,
            f"more than {MAX_DIRECTORY_BYTES >> 20} MB of file names and archive directories",
        ),
        "archive_bytes": (MAX_ARCHIVE_BYTES, f"more than {MAX_ARCHIVE_BYTES >> 20} MB of archives"),
        "unpacked_bytes": (
            MAX_UNPACKED_BYTES,
            f"more than {MAX_UNPACKED_BYTES >> 20} MB of copies of the files the grader reads",
        ),
    }


@dataclass
class Budget:
    """What reading one submission has cost so far, by the parts of limits()."""

    spent: Counter = field(default_factory=Counter)

    def spend(self, part: str, amount: int) -> None:
        """Count amount against a part of the budget.

        Raises TooLarge (saying what the submission holds) once the part's limit is
        exceeded.
        """
        self.spent[part] += amount
        limit, holds = limits()[part]
        if self.spent[part] > limit:
            raise TooLarge(f"the submission holds {holds}")


@dataclass
class Submission:
    """The student-edited files of one submission, and what was wrong with it.

    - files: relative path -> content, for every usable wanted file
    - problems: what is wrong with the student-edited files
    - model_problems: relative path of a trained-parameters file -> why it was not taken
    - refused: the wanted files found but not taken (a problem says why)
    """

    student_id: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    model_problems: dict[str, str] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    def refuse(self, wanted: str, problem: str) -> None:
        """Note why a wanted file was not taken."""
        self.refused.add(wanted)
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


def directory_bytes(handle: IO[bytes]) -> int:
    """How many bytes of directory zipfile reads into memory to open a zip: the size its
    end record states (zip64's included), as zipfile's own reader of the record finds it.

    Raises zipfile.BadZipFile when there is no end record.
    """
    end = zipfile._EndRecData(handle)  # the reader ZipFile uses; it is not public
    if end is None:
        raise zipfile.BadZipFile("File is not a zip file")
    return end[zipfile._ECD_SIZE]


def zip_members(handle: IO[bytes], stack: ExitStack, prefix: str, budget: Budget) -> list[Member]:
    """The files of a zip (its directory is read, nothing is inflated).

    zipfile reads the whole directory into memory, so it is paid for first: its size
    (directory_bytes), and its entries, of which the count of ZIP_ENTRY in the file
    (every entry zipfile would read starts with it) is a bound whatever the end record
    says.

    Raises zipfile.BadZipFile or OSError when it is not a readable zip, TooLarge when
    the budget does not cover it.
    """
    budget.spend("directory_bytes", directory_bytes(handle))
    budget.spend("members", count_in(handle, ZIP_ENTRY))
    archive = stack.enter_context(zipfile.ZipFile(handle))
    members = []
    for info in archive.infolist():
        name = None if info.is_dir() else safe_name(info.filename)
        if name is not None:
            link = stat.S_ISLNK(info.external_attr >> 16)
            opener = partial(archive.open, info)
            members.append(Member(prefix + name, info.file_size, link, opener))
    return members


class BoundedTarInfo(tarfile.TarInfo):
    """A tar header that refuses a long name or pax record over MAX_TAR_HEADER_BYTES before
    tarfile reads it into memory (a few KB of gzip can hold one of a gigabyte)."""

    def _proc_member(self, archive: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in LONG_HEADERS and self.size > MAX_TAR_HEADER_BYTES:
            raise tarfile.TarError(f"a header of more than {MAX_TAR_HEADER_BYTES >> 10} KB")
        return super()._proc_member(archive)


def tar_members(handle: IO[bytes], stack: ExitStack, prefix: str, budget: Budget) -> list[Member]:
    """The files and links of a tarball (gzip or plain), reading at most MAX_TAR_BYTES;
    each member, and its headers (its name), drawn from the budget.

    Raises tarfile.TarError or OSError when it is not a readable tarball, TooLarge when
    the budget does not cover it.
    """
    archive = stack.enter_context(tarfile.open(fileobj=handle, mode="r:*", tarinfo=BoundedTarInfo))
    members = []
    while (info := archive.next()) is not None:
        if info.offset_data > MAX_TAR_BYTES:
            raise tarfile.TarError(f"more than {MAX_TAR_BYTES >> 20} MB of content")
        budget.spend("members", 1)
        budget.spend("directory_bytes", info.offset_data - info.offset)
        name = safe_name(info.name) if info.isfile() or info.issym() or info.islnk() else None
        if name is not None:
            opener = partial(archive.extractfile, info)
            members.append(Member(prefix + name, info.size, not info.isfile(), opener))
    return members


def archive_members(
    handle: IO[bytes], name: str, stack: ExitStack, budget: Budget, prefix: str = ""
) -> list[Member]:
    """The members of a zip or tarball, chosen by the name's suffix (any letter case),
    the archive's size drawn from the budget first.

    Raises what zip_members or tar_members raise.
    """
    budget.spend("archive_bytes", os.fstat(handle.fileno()).st_size)
    read = zip_members if name.lower().endswith(ZIP_SUFFIXES) else tar_members
    return read(handle, stack, prefix, budget)


def open_regular(folder: Path, parts: tuple[str, ...]) -> IO[bytes]:
    """A regular file under folder, opened for reading without following a link anywhere
    in parts (the file's path under folder) and without blocking: a student can swap a
    file or folder for a link, or leave a named pipe, between its listing and its reading.

    Raises OSError when a part is a link or the file is not a regular file.
    """
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        handle = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=descriptor)
    finally:
        os.close(descriptor)
    opened = os.fdopen(handle, "rb")
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        opened.close()
        raise OSError(errno.EINVAL, "not a regular file", parts[-1])
    return opened


def disk_member(folder: Path, parts: tuple[str, ...], name: str) -> Member | None:
    """The file at parts under folder as a member named name: a symbolic link is
    reported, never followed; anything but a regular file or a link (a named pipe, a
    device, a socket, which a student on a shared machine can leave in a folder and
    whose reading could block) is none. It is read by open_regular."""
    info = folder.joinpath(*parts).lstat()
    link = stat.S_ISLNK(info.st_mode)
    if not link and not stat.S_ISREG(info.st_mode):
        return None
    return Member(name, 0 if link else info.st_size, link, partial(open_regular, folder, parts))


def folder_members(folder: Path, budget: Budget, prefix: str = "") -> list[Member]:
    """The files under a folder (disk_member), each and its name drawn from the budget.

    Raises TooLarge when the budget does not cover them.
    """
    members = []
    for top, _, files in os.walk(folder):  # os.walk does not follow linked folders
        for entry in files:
            parts = (Path(top) / entry).relative_to(folder).parts
            budget.spend("members", 1)
            budget.spend("directory_bytes", len(prefix) + sum(map(len, parts)))
            name = safe_name("/".join(parts))
            if name is not None and (member := disk_member(folder, parts, prefix + name)):
                members.append(member)
    return members


def file_members(files: Mapping[str, Path], budget: Budget) -> list[Member]:
    """Uploaded files and folders (an LMS download), each under the name the student
    gave it; a folder's files come under that name.

    Raises TooLarge when the budget does not cover them.
    """
    members = []
    for name, path in files.items():
        if path.is_dir() and not path.is_symlink():
            members += folder_members(path, budget, name + "/")
        elif (member := disk_member(path.parent, (path.name,), name)) is not None:
            members.append(member)
    return members


def expand_archives(
    members: list[Member], submission: Submission, stack: ExitStack, budget: Budget
) -> list[Member]:
    """Members with every archive among them replaced by its own files (one level).

    An archive that cannot be read is a problem of the submission.

    Raises TooLarge when the budget does not cover the archives.
    """
    expanded = []
    for member in members:
        if not is_archive(member.name):
            expanded.append(member)
            continue
        where = PurePosixPath(member.name).parent.as_posix()
        prefix = "" if where == "." else where + "/"
        if member.link:
            submission.problems.append(f"{member.name} is a link; it was ignored")
            continue
        try:
            handle = stack.enter_context(member.open())
            expanded += archive_members(handle, member.name, stack, budget, prefix)
        except READ_ERRORS as error:
            submission.problems.append(f"{member.name} is not a readable archive ({error})")
    return expanded


def candidates(members: list[Member], wanted: str) -> list[Member]:
    """Members named like the wanted file (any letter case), in whatever folder."""
    name = PurePosixPath(wanted).name.lower()
    return [member for member in members if PurePosixPath(member.name).name.lower() == name]


def chunks(member: Member, budget: Budget) -> Iterator[bytes]:
    """The member's content, CHUNK_BYTES at a time, each drawn from the budget.

    Raises FileTooLarge past MAX_FILE_BYTES, TooLarge when the budget is spent.
    """
    if member.size > MAX_FILE_BYTES:
        raise FileTooLarge
    total = 0
    with member.open() as handle:
        while chunk := handle.read(CHUNK_BYTES):
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise FileTooLarge
            budget.spend("unpacked_bytes", len(chunk))
            yield chunk


def sha256(member: Member, budget: Budget) -> str:
    """The SHA-256 of the member's content, read a chunk at a time (chunks)."""
    digest = hashlib.sha256()
    for chunk in chunks(member, budget):
        digest.update(chunk)
    return digest.hexdigest()


def agreed_content(
    wanted: str, found: list[Member], budget: Budget
) -> tuple[bytes | None, str | None]:
    """The content of a wanted file if all its candidates hold the same bytes.

    The first candidate is read whole and every other one only hashed, a chunk at a
    time, so one copy of the file at most is in memory however many the archive holds;
    what is read or hashed is drawn from the budget.

    Inputs:
    - wanted: The wanted file's relative path (for the problem's wording)
    - found: Its candidates in the submission (at least one)
    - budget: What reading the submission may still cost

    Returns:
    - (content, None), or (None, why no candidate was taken)
    """
    if any(member.link for member in found):
        return None, f"{wanted} is a symbolic link; it was ignored"
    try:
        data = b"".join(chunks(found[0], budget))
        digests = {sha256(member, budget) for member in found[1:]}
    except FileTooLarge:
        return None, f"{wanted} is larger than {MAX_FILE_BYTES >> 20} MB"
    except TooLarge as error:
        return None, f"{wanted} was not read: {error}"
    except READ_ERRORS as error:
        return None, f"{wanted} cannot be read from the submission ({error})"
    if digests - {hashlib.sha256(data).hexdigest()}:
        names = ", ".join(sorted(member.name for member in found))
        return None, (
            f"{wanted}: {len(found)} different candidates in the submission ({names}); "
            "hand in exactly one"
        )
    return data, None


def take_wanted(members: list[Member], submission: Submission, budget: Budget) -> None:
    """Put each wanted file into the submission, or say why it was not taken."""
    for wanted in STUDENT_FILES + MODEL_FILES:
        found = candidates(members, wanted)
        if not found:
            continue
        data, problem = agreed_content(wanted, found, budget)
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
            if wanted not in submission.refused:
                submission.problems.append(f"{wanted} is missing")
        elif (problem := unusable(wanted, data)) is not None:
            submission.problems.append(problem)
            del submission.files[wanted]


def listed_members(
    path: Path | Mapping[str, Path], submission: Submission, stack: ExitStack, budget: Budget
) -> list[Member]:
    """Every file of a submission, archives inside it opened; problems noted.

    Raises TooLarge when the budget does not cover them.
    """
    if isinstance(path, Mapping):
        return expand_archives(file_members(path, budget), submission, stack, budget)
    if path.is_dir():
        return expand_archives(folder_members(path, budget), submission, stack, budget)
    try:
        handle = stack.enter_context(open_regular(path.parent, (path.name,)))
        return archive_members(handle, path.name, stack, budget)
    except READ_ERRORS as error:
        kind = "zip file" if path.name.lower().endswith(ZIP_SUFFIXES) else "archive"
        submission.problems.append(f"{path.name} is not a readable {kind} ({error})")
        return []


def submission_members(
    path: Path | Mapping[str, Path], submission: Submission, stack: ExitStack, budget: Budget
) -> list[Member]:
    """Every file of a submission (listed_members), or none, with a problem, if the
    submission is larger than its budget."""
    try:
        return listed_members(path, submission, stack, budget)
    except TooLarge as error:
        submission.problems.append(f"nothing was read: {error}")
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
    submission, budget = Submission(student_id), Budget()
    with ExitStack() as stack:
        take_wanted(submission_members(path, submission, stack, budget), submission, budget)
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
