"""An nbgrader course directory built from the instructor sources.

nbgrader reads its configuration from the current directory unless told
otherwise, and silently works on an empty gradebook when run from elsewhere, so
every course here is configured explicitly, with absolute paths. The same
configuration is written into the course as `nbgrader_config.py`, so that
nbgrader's own commands run there (and formgrader's buttons, which run the same
code) grade through the trusted pipeline too: the verdicts come from the hidden
checks in the sandbox, never from a kernel running the student's notebook. The
file only names classes (nothing is imported while nbgrader reads it), and nbgrader's
Execute step, should anything put it back, is pointed at a kernel that does not
exist, so a command that would run student notebooks fails instead of grading.
"""

import hashlib
import json
import os
import secrets
import shutil
import sysconfig
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from autograder.atomic import write_atomically
from autograder.paths import CACHE, NOTEBOOKS, REPO, SOURCE, STUDENT_MODULES
from autograder.points import POINTS

ASSIGNMENT = "captioning"
CONFIG_FILE = "nbgrader_config.py"
SETTINGS_FILE = "kit_settings.json"
# Execute runs notebooks in this kernel, which does not exist: it can never run one.
REFUSED_KERNEL = "refused-by-the-captioning-kit-no-student-notebook-runs-in-a-kernel"

# InertMarkup runs first, and again once RepairCells and OverwriteCells may have
# changed a cell's type (a code cell's text becomes a markdown answer's).
SANITIZE = [
    "autograder.intake.inert_notebook.InertMarkup",
    "nbgrader.preprocessors.ClearOutput",
    "autograder.intake.notebook_repair.RepairCells",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "autograder.intake.inert_notebook.InertMarkup",
    "nbgrader.preprocessors.CheckCellMetadata",
]
AUTOGRADE = [
    "autograder.course.trusted_verdicts.TrustedVerdicts",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# nbgrader runs the `alembic` command by name when it opens a gradebook: put the
# scripts of the environment nbgrader is installed in first on PATH.
os.environ["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
# nbgrader 0.9.6 triggers this SQLAlchemy warning on every autograde; it is harmless.
warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")


def db_url(root: Path) -> str:
    """The gradebook of the course rooted at root."""
    return f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def nbgrader_config(root: Path) -> Config:
    """nbgrader configuration of the course rooted at `root` (absolute paths only)."""
    root = Path(root).resolve()
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url(root)
    config.NbGraderAPI.log_level = "WARN"
    return config


def read_settings(root: Path) -> dict:
    """The course's lasting settings (late penalty, roster, time zone); {} if none yet."""
    try:
        return json.loads((Path(root) / SETTINGS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def pipeline_settings(root: Path, private_roots: list[Path]) -> dict[str, dict]:
    """The trusted autograde pipeline, as config sections (class -> trait -> value).

    - TrustedVerdicts replaces Execute: no student notebook runs in a kernel.
    - InertMarkup makes the notebook inert, first and after the steps that may retype
      a cell: nothing in it runs in the browser of a TA who views it in formgrader.
    - RepairCells fixes copied, re-typed and id-changed cells before nbgrader's checks.
    - The student-edited files are never overwritten with the instructor's.
    - Deleted grade cells come back (else they become "needs manual grade").
    - Execute, should anyone put it back, skips no cell a student could tag and
      cannot start a kernel.
    - Late penalties come from the course's settings (none by default).
    """
    root = Path(root).resolve()
    settings = read_settings(root)
    return {
        "CourseDirectory": {"root": str(root), "db_url": db_url(root)},
        "Autograde": {
            "sanitize_preprocessors": SANITIZE,
            "autograde_preprocessors": AUTOGRADE,
            "exclude_overwriting": {ASSIGNMENT: list(STUDENT_MODULES)},
        },
        "RepairCells": {"release_dir": str(root / "release" / ASSIGNMENT)},
        "TrustedVerdicts": {
            "course_root": str(root),
            "private_roots": [str(Path(p).resolve()) for p in private_roots],
        },
        "OverwriteCells": {"add_missing_cells": True},
        "Execute": {
            "kernel_name": REFUSED_KERNEL,
            "skip_cells_with_tag": settings.get("skip_tag", "never-skip"),
        },
        "ExecutePreprocessor": {"kernel_name": REFUSED_KERNEL},
        "AssignLatePenalties": {"plugin_class": "autograder.intake.lateness.LatePenalty"},
        "LatePenalty": {"fraction_per_day": float(settings.get("late_penalty", 0.0))},
    }


def grading_config(root: Path, private_roots: list[Path] | None = None) -> Config:
    """The course configuration plus the trusted autograde pipeline."""
    config = nbgrader_config(root)
    for section, traits in pipeline_settings(root, private_roots or []).items():
        for trait, value in traits.items():
            config[section][trait] = value
    return config


def config_file_text(root: Path, private_roots: list[Path]) -> str:
    """The course's nbgrader_config.py: the same pipeline for nbgrader's own commands."""
    lines = [
        "# Generated by the captioning kit (autograder/course/course.py) at every grading run;",
        "# edits are overwritten. nbgrader's own commands run in this folder (and",
        "# formgrader's buttons) grade through the kit's trusted pipeline: verdicts from",
        "# the hidden checks in the sandbox, no student notebook in a kernel.",
        "import sys",
        "",
        f"sys.path.insert(0, {str(REPO)!r})  # the kit, which the class names below live in",
        "c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file",
    ]
    for section, traits in pipeline_settings(root, private_roots).items():
        for trait, value in traits.items():
            lines.append(f"c.{section}.{trait} = {value!r}")
    return "\n".join(lines) + "\n"


def stamp_points(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every autograded grade cell its points from points.toml."""
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade") and grading.get("grade_id") in POINTS:
            grading["points"] = POINTS[grading["grade_id"]]
    return nb


def source_notebooks() -> dict[str, str]:
    """Map from notebook file name to the text of its source version, points stamped."""
    return {
        name: nbformat.writes(stamp_points(nbformat.read(SOURCE / "notebooks" / name, 4)))
        for name in NOTEBOOKS
    }


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def generate_assignment(root: Path) -> None:
    """Run nbgrader's generate_assignment in the course rooted at root (from its source/)."""
    api = NbGraderAPI(config=nbgrader_config(root))
    result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('error', '')}")


def course_template(notebooks: dict[str, str]) -> Path:
    """The generated assignment a new course starts from: source/, release/ and a
    gradebook with no students, built once by nbgrader into build/cache/.

    A new course costs nbgrader seconds (most of them in the `alembic` command it runs
    to stamp a new gradebook), and the result depends only on the source notebooks and
    the versions of nbgrader and its database libraries, which the folder's name keys.

    Inputs:
    - notebooks: Map from notebook file name to the text of its source version

    Returns:
    - The template's folder (never changed once built)
    """
    digest = hashlib.sha256(ASSIGNMENT.encode())
    for package in ("nbgrader", "sqlalchemy", "alembic"):
        digest.update(f"|{package}=={version(package)}".encode())
    for name, text in sorted(notebooks.items()):
        digest.update(f"|{name}|".encode() + text.encode())
    template = CACHE / f"course-{digest.hexdigest()[:24]}"
    if (template / "gradebook.db").is_file():
        return template
    CACHE.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".course-", dir=CACHE))
    building.chmod(0o755)
    try:
        for name, text in notebooks.items():
            _write_if_changed(building / "source" / ASSIGNMENT / name, text)
        generate_assignment(building)
        try:
            building.rename(template)  # in one step; fails if another process got there first
        except OSError:
            pass
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return template


def build_course(root: Path, private_roots: list[Path] | None = None) -> dict[str, str]:
    """Create or update the course: source notebooks, gradebook, student release, config.

    A new course is a copy of the template (course_template); nbgrader's
    generate_assignment runs in the course itself only when its source notebooks
    changed, so an existing course keeps its students and grades and a run pays
    nothing for it.

    Inputs:
    - root: Directory to hold the course (source/, release/, gradebook.db)
    - private_roots: Directories the student's code must not see when nbgrader's
      own commands grade here (the grader's output folder)

    Returns:
    - Map from notebook file name to the text of its student version
    """
    root = Path(root).resolve()
    source = root / "source" / ASSIGNMENT
    release = root / "release" / ASSIGNMENT
    notebooks = source_notebooks()
    if not (root / "gradebook.db").exists():
        template = course_template(notebooks)
        for folder in ("source", "release"):
            shutil.copytree(template / folder, root / folder, dirs_exist_ok=True)
        # Last and whole: a course whose gradebook exists is complete.
        write_atomically(root / "gradebook.db", (template / "gradebook.db").read_bytes())
    changed = False
    for name, text in notebooks.items():
        changed |= _write_if_changed(source / name, text)
    if changed or not all((release / name).is_file() for name in NOTEBOOKS):
        generate_assignment(root)
    settings = read_settings(root)
    if "skip_tag" not in settings:
        update_settings(root, skip_tag=f"never-skip-{secrets.token_hex(16)}")
    _write_if_changed(root / CONFIG_FILE, config_file_text(root, private_roots or []))
    return {name: (release / name).read_text() for name in NOTEBOOKS}


def update_settings(root: Path, **changes) -> dict:
    """Change some of the course's lasting settings; returns them all."""
    settings = {**read_settings(root), **changes}
    path = Path(root) / SETTINGS_FILE
    path.write_text(json.dumps(settings, indent=1, sort_keys=True))
    return settings


def autograde(root: Path, student_id: str, private_roots: list[Path] | None = None) -> None:
    """Run nbgrader's autograde for one student, with the trusted verdicts pipeline.

    Raises RuntimeError (with nbgrader's error) if it fails; the gradebook then
    still holds the student's earlier grades, manual ones included.
    """
    api = NbGraderAPI(config=grading_config(root, private_roots))
    result = api.autograde(ASSIGNMENT, student_id, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader autograde failed: {result.get('error', '')[-500:]}")


def zero_autograded(root: Path, student_id: str) -> None:
    """Set a student's autograded scores to 0 (after a failure), keeping manual grades.

    Manual scores and comments stay untouched; nothing happens if the student has no
    submission in the gradebook.
    """
    with Gradebook(db_url(root)) as gradebook:
        try:
            submission = gradebook.find_submission(ASSIGNMENT, student_id)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in POINTS:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
        gradebook.db.commit()


def record_student(root: Path, student_id: str, **fields) -> None:
    """Create or update a student of the gradebook (first_name, last_name, email, lms_user_id)."""
    with Gradebook(db_url(root)) as gradebook:
        gradebook.update_or_create_student(student_id, **fields)


def set_due_date(root: Path, duedate) -> None:
    """Record the assignment's due date (naive UTC) in the gradebook, nbgrader's way."""
    with Gradebook(db_url(root)) as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=duedate)
