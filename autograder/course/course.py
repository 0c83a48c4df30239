"""An nbgrader course directory built from the instructor sources.

nbgrader reads its configuration from the current directory unless told
otherwise, and silently works on an empty gradebook when run from elsewhere, so
every course here is configured explicitly, with absolute paths, in the course's
`nbgrader_config.py` (config_file.py): the instructor's own settings, kept, then the
kit's pipeline, rewritten at every run. nbgrader's own commands run there (and
formgrader's buttons, which run the same code) and the kit's grading read that one
file, so they grade through the same trusted pipeline: the verdicts come from the
hidden checks in the sandbox, never from a kernel running the student's notebook;
`nbgrader collect` goes through the kit's intake and `nbgrader generate_feedback`
writes the kit's feedback page (autograder/exchange/). The pipeline only names classes
(nothing is imported while nbgrader reads the file), and nbgrader's Execute step,
should anything put it back, is pointed at a kernel that does not exist, so a command
that would run student notebooks fails instead of grading.
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
from autograder.course.config_file import (
    CONFIG_FILE,
    config_text,
    instructor_lines,
    load_course_config,
    overridden,
    with_setting,
)
from autograder.paths import CACHE, NOTEBOOKS, REPO, SOURCE, STUDENT_MODULES
from autograder.points import INLINE_QUESTIONS, POINTS
from autograder.usage import UsageError

ASSIGNMENT = "captioning"
SETTINGS_FILE = "kit_settings.json"
# Execute runs notebooks in this kernel, which does not exist: it can never run one.
REFUSED_KERNEL = "refused-by-the-captioning-kit-no-student-notebook-runs-in-a-kernel"
# Where an autograded grade cell's text shows its points, in the source notebooks.
POINTS_TEXT = "{points}"

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


def nbgrader_process() -> None:
    """Make this process fit to run nbgrader (idempotent): nbgrader runs the `alembic`
    command by name when it opens a gradebook, so the scripts of the environment it is
    installed in go first on PATH; and the SQLAlchemy warning nbgrader 0.9.6 triggers on
    every autograde, which is harmless, is silenced."""
    scripts = sysconfig.get_path("scripts")
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, path])
    warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")


def open_gradebook(root: Path) -> Gradebook:
    """The gradebook of the course rooted at root, opened (use it as a context manager)."""
    nbgrader_process()
    return Gradebook(db_url(root))


def nbgrader_api(config: Config) -> NbGraderAPI:
    """nbgrader's API with config, in a process fit to run it."""
    nbgrader_process()
    return NbGraderAPI(config=config)


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
    """The course's lasting settings (late penalty, roster, time zone); {} if none yet.

    Raises UsageError for a settings file that is not a JSON object (edited by hand, or
    damaged): grading on without the settings would change grades silently.
    """
    path = Path(root) / SETTINGS_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    try:
        settings = json.loads(text)
    except ValueError:
        settings = None
    if not isinstance(settings, dict):
        raise UsageError(
            f"{path} is damaged (not a JSON object): repair it, or remove it to forget the "
            "course's late penalty, roster, time zone and Canvas column"
        )
    return settings


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
    - `nbgrader release_assignment` refuses a release without the student package
      (KitRelease), `nbgrader collect` goes through the kit's intake (KitCollect), and
      `nbgrader generate_feedback` writes the kit's feedback page (KitFeedback).
    - Late penalties: the kit's plugin; the fraction per day is the course's LATE_PENALTY
      when one was given, else whatever the instructor's own lines set (none by default).
    """
    root = Path(root).resolve()
    settings = read_settings(root)
    pipeline = {
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
        "ExchangeFactory": {
            "collect": "autograder.exchange.collect.KitCollect",
            "release_assignment": "autograder.exchange.release.KitRelease",
        },
        "GenerateFeedback": {"exporter_class": "autograder.exchange.feedback.KitFeedback"},
        "KitFeedback": {"course_root": str(root)},
    }
    if "late_penalty" in settings:
        pipeline["LatePenalty"] = {"fraction_per_day": float(settings["late_penalty"])}
    return pipeline


def grading_config(root: Path) -> Config:
    """The configuration of the course rooted at root, as nbgrader reads it there.

    Raises UsageError (one line) when the instructor's lines cannot be read.
    """
    path = Path(root) / CONFIG_FILE
    try:
        return load_course_config(Path(root).resolve())
    except Exception as error:  # noqa: BLE001 - the instructor's Python, whatever it raises
        raise UsageError(
            f"{path} cannot be read ({type(error).__name__}: {error}); fix your lines between "
            "its BEGIN and END lines"
        ) from error


def late_penalty_per_day(root: Path) -> float:
    """The fraction of a score lost per started day late in the course (its config)."""
    return float(grading_config(root).LatePenalty.get("fraction_per_day", 0.0))


def write_config(
    root: Path, private_roots: list[Path], settings: dict[tuple[str, str], str] | None = None
) -> list[str]:
    """Write the course's nbgrader_config.py: the instructor's lines (with settings, e.g.
    {("CourseDirectory", "course_id"): "hw3"}, put in), then the pipeline.

    Returns:
    - The options that the instructor's lines set and the pipeline sets again
    """
    path = Path(root) / CONFIG_FILE
    pipeline = pipeline_settings(root, private_roots)
    lines = instructor_lines(path.read_text() if path.is_file() else None, pipeline)
    for (section, trait), value in (settings or {}).items():
        lines = with_setting(lines, section, trait, value)
    _write_if_changed(path, config_text(lines, pipeline, REPO))
    grading_config(root)  # the instructor's lines must load: one clear line if not
    return overridden(lines, pipeline)


def stamp_points(nb: nbformat.NotebookNode, name: str) -> set[str]:
    """Give every grade cell of a notebook its points from points.toml (nbgrader's points
    and, in an autograded cell's text, "{points}" written as "3 points").

    Inputs:
    - nb: A source notebook (changed in place)
    - name: Its file name, for the errors

    Returns:
    - The grade ids of its grade cells

    Raises ValueError for a grade cell that points.toml does not know, and for an
    autograded cell whose text does not show its points.
    """
    stamped = set()
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if not grading.get("grade"):
            continue
        grade_id = grading.get("grade_id")
        points = {**POINTS, **INLINE_QUESTIONS}.get(grade_id)
        if points is None:
            raise ValueError(f"{name}: the grade cell {grade_id!r} has no points in points.toml")
        grading["points"] = points
        if grade_id in POINTS:
            if POINTS_TEXT not in cell.source:
                raise ValueError(f"{name}: the grade cell {grade_id!r} does not say {POINTS_TEXT}")
            words = f"{points:g} point" + ("" if points == 1 else "s")
            cell.source = cell.source.replace(POINTS_TEXT, words)
        stamped.add(grade_id)
    return stamped


def source_notebooks() -> dict[str, str]:
    """Map from notebook file name to the text of its source version, points stamped.

    Raises ValueError when points.toml names a grade cell that no notebook has.
    """
    notebooks, stamped = {}, set()
    for name in NOTEBOOKS:
        nb = nbformat.read(SOURCE / "notebooks" / name, 4)
        stamped |= stamp_points(nb, name)
        notebooks[name] = nbformat.writes(nb)
    missing = [grade_id for grade_id in [*POINTS, *INLINE_QUESTIONS] if grade_id not in stamped]
    if missing:
        raise ValueError(f"points.toml gives points to {missing}, which no grade cell has")
    return notebooks


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def generate_assignment(root: Path) -> None:
    """Run nbgrader's generate_assignment in the course rooted at root (from its source/)."""
    api = nbgrader_api(nbgrader_config(root))
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
    """Create or update the course: source notebooks, gradebook, student release, config
    (a line is printed for every option of the instructor's that the pipeline overrides).

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
    for option in write_config(root, private_roots or []):
        print(f"{root / CONFIG_FILE}: your {option} is overridden by the kit's pipeline")
    return {name: (release / name).read_text() for name in NOTEBOOKS}


def update_settings(root: Path, **changes) -> dict:
    """Change some of the course's lasting settings; returns them all."""
    settings = {**read_settings(root), **changes}
    write_atomically(Path(root) / SETTINGS_FILE, json.dumps(settings, indent=1, sort_keys=True))
    return settings


def autograde(root: Path, student_id: str) -> None:
    """Run nbgrader's autograde for one student, with the course's configuration (its
    trusted verdicts pipeline).

    Raises RuntimeError (with nbgrader's error) if it fails; the gradebook then
    still holds the student's earlier grades, manual ones included.
    """
    api = nbgrader_api(grading_config(root))
    result = api.autograde(ASSIGNMENT, student_id, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader autograde failed: {result.get('error', '')[-500:]}")


def zero_autograded(root: Path, student_id: str) -> None:
    """Set a student's autograded scores to 0 (after a failure), keeping manual grades.

    Manual scores and comments stay untouched; nothing happens if the student has no
    submission in the gradebook.
    """
    with open_gradebook(root) as gradebook:
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
    with open_gradebook(root) as gradebook:
        gradebook.update_or_create_student(student_id, **fields)


def set_due_date(root: Path, duedate) -> None:
    """Record the assignment's due date (naive UTC) in the gradebook, nbgrader's way."""
    with open_gradebook(root) as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=duedate)
