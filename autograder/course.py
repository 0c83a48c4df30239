"""An nbgrader course directory built from the instructor sources.

nbgrader reads its configuration from the current directory unless told
otherwise, and silently works on an empty gradebook when run from elsewhere, so
every course here is configured explicitly, with absolute paths.
"""

import os
import secrets
import sysconfig
import warnings
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    LimitOutput,
    SaveAutoGrades,
)
from traitlets.config import Config

from autograder.paths import NOTEBOOKS, SOURCE, STUDENT_MODULES
from autograder.points import POINTS
from autograder.trusted_verdicts import TrustedVerdicts

ASSIGNMENT = "captioning"

# nbgrader runs the `alembic` command by name when it opens a gradebook: put the
# scripts of the environment nbgrader is installed in first on PATH.
os.environ["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
# nbgrader 0.9.6 triggers this SQLAlchemy warning on every autograde; it is harmless.
warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")


def nbgrader_config(root: Path) -> Config:
    """nbgrader configuration of the course rooted at `root` (absolute paths only)."""
    root = Path(root).resolve()
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.NbGraderAPI.log_level = "WARN"
    return config


def grading_config(root: Path, verdicts_dir: Path) -> Config:
    """The course configuration plus the autograde pipeline of trusted verdicts.

    - TrustedVerdicts replaces Execute: no student notebook runs in a kernel.
    - The student-edited files are never overwritten with the instructor's.
    - Deleted grade cells come back (else they become "needs manual grade").
    - Execute, should anyone put it back, skips no cell a student could tag.
    """
    config = nbgrader_config(root)
    config.Autograde.autograde_preprocessors = [
        TrustedVerdicts,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    config.TrustedVerdicts.verdicts_dir = str(Path(verdicts_dir).resolve())
    config.Autograde.exclude_overwriting = {ASSIGNMENT: list(STUDENT_MODULES)}
    config.OverwriteCells.add_missing_cells = True
    config.Execute.skip_cells_with_tag = f"never-skip-{secrets.token_hex(16)}"
    return config


def stamp_points(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every autograded grade cell its points from points.toml."""
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade") and grading.get("grade_id") in POINTS:
            grading["points"] = POINTS[grading["grade_id"]]
    return nb


def build_course(root: Path) -> dict[str, str]:
    """Create the course: source notebooks, gradebook, and the student release.

    Inputs:
    - root: Directory to hold the course (source/, release/, gradebook.db)

    Returns:
    - Map from notebook file name to the text of its student version
    """
    source = Path(root) / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        nb = stamp_points(nbformat.read(SOURCE / "notebooks" / name, as_version=4))
        nbformat.write(nb, source / name)
    api = NbGraderAPI(config=nbgrader_config(root))
    result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('error', '')}")
    release = Path(root) / "release" / ASSIGNMENT
    return {name: (release / name).read_text() for name in NOTEBOOKS}


def autograde(root: Path, verdicts_dir: Path, student_id: str) -> None:
    """Run nbgrader's autograde for one student, with the trusted verdicts pipeline.

    On failure the student's submission is removed from the gradebook, so that no
    stale score of an earlier run survives, and RuntimeError is raised.
    """
    api = NbGraderAPI(config=grading_config(root, verdicts_dir))
    result = api.autograde(ASSIGNMENT, student_id, force=True, create=True)
    if not result["success"]:
        remove_submission(root, student_id)
        raise RuntimeError(f"nbgrader autograde failed: {result.get('error', '')[-500:]}")


def remove_submission(root: Path, student_id: str) -> None:
    with Gradebook(nbgrader_config(root).CourseDirectory.db_url) as gradebook:
        try:
            gradebook.remove_submission(ASSIGNMENT, student_id)
        except MissingEntry:
            pass


def read_scores(root: Path, student_id: str) -> dict[str, float]:
    """Score of every grade cell of one student's submission, from the gradebook."""
    scores = {}
    with Gradebook(nbgrader_config(root).CourseDirectory.db_url) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student_id)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                scores[grade.name] = grade.score
    return scores
