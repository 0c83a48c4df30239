"""Prove that no answer or hidden test reaches the student-facing files.

A secret line is any line of a solution region of an instructor module, and any
line of a solution cell or of a hidden-test region of a source notebook. A student
file leaks when one of its lines, stripped of indentation, is a secret line, or when
it holds a solution delimiter, the seed of the leaderboard's held-out split or a seed
of the hidden cases.
"""

from collections.abc import Iterable
from pathlib import Path

import nbformat

from autograder.checks.cases import HIDDEN_SEED
from autograder.checks.items.overfit import SEED as OVERFIT_SEED
from autograder.leaderboard.heldout import HELDOUT_SEED
from autograder.paths import NOTEBOOKS, REPO, SOURCE, STUDENT_MODULES
from autograder.release.stubs import region_lines

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# Text that must never appear in a student file: delimiters, the held-out seed (whoever
# knows it can generate the held-out split and its captions) and the seeds of the hidden
# cases (whoever knows them can generate every hidden input).
MARKERS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    HIDDEN_BEGIN,
    HIDDEN_END,
    *(
        text
        for seed in (HELDOUT_SEED, HIDDEN_SEED, OVERFIT_SEED)
        for text in (str(seed), f"{seed:_}")
    ),
)
# Shorter lines (")", "],", "else:") are not evidence of anything.
MIN_SECRET_LENGTH = 6


def secret_lines() -> set[str]:
    """Every answer and hidden-test line of the instructor sources."""
    secrets = set()
    for relative in STUDENT_MODULES:
        secrets.update(region_lines((SOURCE / relative).read_text()))
    for name in NOTEBOOKS:
        nb = nbformat.read(SOURCE / "notebooks" / name, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "markdown":
                secrets.update(line.strip() for line in cell.source.splitlines())
            secrets.update(region_lines(cell.source))
            secrets.update(region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END))
    return {line for line in secrets if len(line) >= MIN_SECRET_LENGTH}


def text_lines(name: str, data: bytes) -> list[str]:
    """The lines of a student file's bytes (for a notebook: of its cell sources), stripped."""
    text = data.decode(errors="replace")
    if name.endswith(".ipynb"):
        try:
            text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
        except Exception:  # not a notebook after all: its raw text is what a student gets
            pass
    return [line.strip() for line in text.splitlines()]


def student_facing_files(root: Path = REPO) -> list[Path]:
    """Every file of the student package and notebooks under root."""
    files = [p for p in (root / "cs231n").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    files += sorted((root / "notebooks").glob("*.ipynb"))
    return sorted(files)


def find_leaks(files: Iterable[Path], secrets: set[str] | None = None) -> list[str]:
    """Describe every secret line or solution marker found in the given files.

    Inputs:
    - files: Student-facing files to inspect
    - secrets: Secret lines to look for; the instructor sources' by default

    Returns:
    - One "path: line" message per leak, empty if the files are clean
    """
    secrets = secret_lines() if secrets is None else secrets
    return [leak for path in files for leak in leaks_in(str(path), path.read_bytes(), secrets)]


def leaks_in(name: str, data: bytes, secrets: set[str] | None = None) -> list[str]:
    """Describe every secret line or solution marker in the bytes of one student file.

    Inputs:
    - name: The file's name (a notebook's ends with .ipynb), used in the messages
    - data: Its exact content, e.g. what goes into a zip
    - secrets: Secret lines to look for; the instructor sources' by default

    Returns:
    - One "name: line" message per leak, empty if the file is clean
    """
    secrets = secret_lines() if secrets is None else secrets
    return [
        f"{name}: {line}"
        for line in text_lines(name, data)
        if line in secrets or any(marker in line for marker in MARKERS)
    ]
