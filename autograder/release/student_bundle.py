"""The zip a course hands to students: the release and nothing else (`make student-bundle`).

Students must never get this repository itself: autograder/ holds the answers and the
hidden checks. The bundle holds the committed student package and notebooks, the data
folder's README and download script, and the student kit of autograder/release/student_kit/ (its
own Makefile, README, requirements, constraints, pyproject.toml and environment.yml) at the
top. Before anything is written, every file is read once and checked as those exact bytes:

- a file under cs231n/ or notebooks/ that git does not track is not part of the release
  (a solved module left in notebooks/, a trained captioner, any stray file) and is refused;
  Python caches and notebook checkpoints are skipped;
- a generated student file that differs from what `make release` writes is refused (a
  notebook with an answer pasted in, an edited stub);
- the leak check runs on the bytes that go into the zip.

    python -m autograder student-bundle --out dist/captioning-student.zip [--root CHECKOUT]
"""

import io
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.atomic import write_atomically
from autograder.paths import REPO
from autograder.release.leaks import leaks_in, secret_lines
from autograder.release.release import expected_student_files

KIT = REPO / "autograder" / "release" / "student_kit"  # files that go to the top of the bundle
DATA_FILES = ("data/README.md", "data/get_coco.sh")
FOLDERS = ("cs231n", "notebooks")
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}  # caches, never part of anything
TOP = "captioning"  # the folder the zip unpacks to


class BundleRefused(Exception):
    """The release cannot be bundled; the message has one line per problem."""


@dataclass
class Member:
    """One file of the bundle: its path in the kit, where it comes from, and its bytes."""

    name: str
    source: Path
    data: bytes


def tracked_files(root: Path = REPO) -> set[str]:
    """The files of FOLDERS that git tracks in root (relative paths)."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", *FOLDERS],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise BundleRefused(
            f"cannot tell which files are part of the release: {root} is not a git checkout "
            f"({error})"
        ) from None
    return {name for name in listed.decode().split("\0") if name}


def release_sources(root: Path = REPO) -> tuple[dict[str, Path], list[str]]:
    """Where every file of the bundle comes from, and what is in the way of bundling.

    Returns a tuple of:
    - sources: {path in the kit: file to read}
    - problems: One message per file that is not part of the release
    """
    sources = {path.name: path for path in sorted(KIT.iterdir()) if path.is_file()}
    sources |= {name: root / name for name in DATA_FILES}
    tracked, problems = tracked_files(root), []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            name = path.relative_to(root).as_posix()
            if not path.is_file() or SKIPPED & set(path.parts):
                continue
            if name in tracked:
                sources[name] = path
            else:
                problems.append(
                    f"{name} is not part of the release (git does not track it): move it out "
                    "of the kit, or commit it if students should get it"
                )
    for name in sorted(tracked - set(sources)):
        problems.append(f"{name} is tracked by git but missing on disk: restore it")
    return sources, problems


def read_members(root: Path = REPO) -> list[Member]:
    """Every file of the bundle with its bytes, checked as described in the module docstring.

    Raises BundleRefused, listing every problem, if any file is stale, stray or leaks.
    """
    sources, problems = release_sources(root)
    members = [Member(name, path, path.read_bytes()) for name, path in sorted(sources.items())]
    secrets = secret_lines()
    generated = {
        path.relative_to(REPO).as_posix(): text for path, text in expected_student_files().items()
    }
    for member in members:
        if member.name in generated and member.data != generated[member.name].encode():
            problems.append(
                f"{member.name} differs from what `make release` generates (an edit, or an "
                "answer pasted in): run `make release`"
            )
        problems += leaks_in(member.name, member.data, secrets)
    if problems:
        raise BundleRefused("\n".join(problems))
    return members


def build_student_bundle(out: Path, root: Path = REPO) -> Path:
    """Write the student release zip (every file under a top-level `captioning/` folder).

    Inputs:
    - out: The zip to write
    - root: The repository whose cs231n/, notebooks/ and data/ files go in

    Returns:
    - out, once written; raises BundleRefused (and writes nothing) if the release is unfit
    """
    members = read_members(root)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as bundle:
        for member in members:
            info = zipfile.ZipInfo.from_file(member.source, f"{TOP}/{member.name}")
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, member.data)
    write_atomically(out, data.getvalue())
    return out
