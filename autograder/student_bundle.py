"""The zip a course hands to students: the student-facing files and nothing else.

Students must never get this repository itself: autograder/ holds the answers and
the hidden checks. The bundle holds the package with its stubs, the notebooks, the
dataset builder's inputs and the setup files; a test proves it leaks nothing.
"""

import zipfile
from pathlib import Path

from autograder.paths import REPO, kit_files

FILES = [
    "Makefile",
    "requirements.txt",
    "constraints.txt",
    "environment.yml",
    "pyproject.toml",
    "data/README.md",
    "data/get_coco.sh",
]
FOLDERS = ["cs231n", "notebooks"]
README = REPO / "autograder" / "student_readme.md"  # the bundle's README.md


def bundle_members() -> list[str]:
    """Relative paths of every file that goes to students."""
    members = list(FILES)
    for folder in FOLDERS:
        members += [path.relative_to(REPO).as_posix() for path in kit_files(REPO / folder)]
    return members


def build_student_bundle(out: Path) -> Path:
    """Write the student release zip (files under a top-level `captioning/` folder)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(README, "captioning/README.md")
        for member in bundle_members():
            bundle.write(REPO / member, f"captioning/{member}")
    return out
