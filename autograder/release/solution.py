"""Build a complete, solved copy of the student package (`make solution`)."""

import shutil
from pathlib import Path

from autograder.paths import REPO, SOURCE, STUDENT_MODULES
from autograder.release.stubs import strip_markers


def build_solution_package(out_dir: Path) -> Path:
    """Write the student package with every TODO region solved.

    Inputs:
    - out_dir: Directory that receives `cs231n/` (replaced if it exists)

    Returns:
    - Path of the solved package, out_dir / "cs231n"
    """
    package = Path(out_dir) / "cs231n"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(REPO / "cs231n", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for relative in STUDENT_MODULES:
        solved = strip_markers((SOURCE / relative).read_text())
        (Path(out_dir) / relative).write_text(solved)
    return package
