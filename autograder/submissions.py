"""Read student submissions (LMS zips or folders) without trusting them.

Only the student-edited files are taken from a submission, by exact relative
path (a single top-level folder around them, as LMS exports make, is allowed).
Nothing is extracted: each wanted file is read, size-capped, straight from the
zip or folder, so `../` paths, absolute paths, symlinks and zip bombs cannot
write anything or exhaust memory.

The trained parameters the notebooks save for the leaderboard are optional: one that
is missing or unusable is no problem of the submission (the leaderboard is ungraded),
and the leaderboard says why its cell is empty.
"""

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from autograder.paths import NOTEBOOKS, REPO, STUDENT_MODULES, TRAINED_MODELS

STUDENT_FILES = tuple(f"notebooks/{name}" for name in NOTEBOOKS) + STUDENT_MODULES
MODEL_FILES = tuple(TRAINED_MODELS.values())
MAX_FILE_BYTES = 20 << 20
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


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


def find_submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student_id, path) of every `<id>.zip` or `<id>/` entry, sorted by id.

    Entries whose name is not a plausible student id are skipped with a warning.
    """
    entries = []
    for path in sorted(Path(folder).iterdir()):
        student_id = path.stem if path.suffix == ".zip" else path.name
        if path.is_symlink() or not (path.is_dir() or path.suffix == ".zip"):
            continue
        if not STUDENT_ID.match(student_id):
            print(f"skipping {path.name}: not a student id")
            continue
        entries.append((student_id, path))
    return entries


def _match(names: list[str], wanted: str) -> str | None:
    """The member whose path is `wanted`, or `<one folder>/wanted`."""
    for name in names:
        parts = PurePosixPath(name).parts
        if ".." in parts or name.startswith("/"):
            continue
        if name == wanted or (len(parts) >= 2 and "/".join(parts[1:]) == wanted):
            return name
    return None


def _too_large(wanted: str) -> str:
    return f"{wanted} is larger than {MAX_FILE_BYTES >> 20} MB"


def _read_zip(path: Path, submission: Submission) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        submission.problems.append(f"{path.name} is not a readable zip file ({error})")
        return
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        for wanted in STUDENT_FILES + MODEL_FILES:
            name = _match(list(infos), wanted)
            if name is None:
                continue
            info = infos[name]
            if stat.S_ISLNK(info.external_attr >> 16):
                submission.refuse(wanted, f"{wanted} is a symbolic link; it was ignored")
            elif info.file_size > MAX_FILE_BYTES:
                submission.refuse(wanted, _too_large(wanted))
            else:
                with archive.open(info) as member:
                    data = member.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    submission.refuse(wanted, _too_large(wanted))
                else:
                    submission.files[wanted] = data


def _read_folder(path: Path, submission: Submission) -> None:
    names = [  # os.walk does not follow symbolic links to folders
        (Path(top) / name).relative_to(path).as_posix()
        for top, _, files in os.walk(path)
        for name in files
    ]
    for wanted in STUDENT_FILES + MODEL_FILES:
        name = _match(names, wanted)
        if name is None:
            continue
        file = path / name
        if file.is_symlink():
            submission.refuse(wanted, f"{wanted} is a symbolic link; it was ignored")
        elif file.stat().st_size > MAX_FILE_BYTES:
            submission.refuse(wanted, _too_large(wanted))
        else:
            submission.files[wanted] = file.read_bytes()


def _validate(submission: Submission) -> None:
    """Drop student-edited files that cannot be used, saying why; note the missing ones.

    Trained parameters are judged by the leaderboard, which reads them without trust.
    """
    for wanted in STUDENT_FILES:
        data = submission.files.get(wanted)
        if data is None:
            if not any(p.startswith(wanted) for p in submission.problems):
                submission.problems.append(f"{wanted} is missing")
            continue
        try:
            text = data.decode("utf-8")
            if wanted.endswith(".ipynb"):
                nbformat.reads(text, as_version=4)
        except UnicodeDecodeError:
            submission.problems.append(f"{wanted} is not UTF-8 text")
            del submission.files[wanted]
        except Exception:  # noqa: BLE001 - any parse failure means "not a notebook"
            submission.problems.append(f"{wanted} is not a valid notebook (JSON)")
            del submission.files[wanted]


def read_submission(student_id: str, path: Path) -> Submission:
    """Read and validate the student-edited files of one submission.

    Inputs:
    - student_id: The student's id
    - path: `<id>.zip` or a folder `<id>/`

    Returns:
    - Submission with the usable files, a list of problems (empty if none) and the
      reasons why trained-parameter files were not taken
    """
    submission = Submission(student_id)
    if path.is_dir():
        _read_folder(path, submission)
    else:
        _read_zip(path, submission)
    _validate(submission)
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
