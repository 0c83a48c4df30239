"""The nbgrader step that puts the grader's verdicts into the grade cells.

It replaces nbgrader's Execute step in the autograde pipeline: the student's
notebook is never run in a kernel for grading (student code shares that kernel
with the tests, so nothing judged there could be trusted). Instead each
autograded grade cell gets outputs that nbgrader's own SaveAutoGrades turns into
exactly the trusted score: an error output for 0, a numeric result for partial
credit, plain text for full marks.

The verdicts of a student are kept in `course/verdicts/<student>.json` with a
fingerprint of the student's submitted modules and of the hidden checks. When
they are missing or stale (nbgrader's own `autograde`, or formgrader's button, run
on a submission the kit has not graded as it is), this step runs the hidden checks
in the sandbox itself; if that cannot be done it fails, and nbgrader with it.
"""

import hashlib
import json
import shutil
from pathlib import Path

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from autograder.course.course import ASSIGNMENT
from autograder.intake.ids import inside
from autograder.paths import REPO, STUDENT_MODULES

# The error a grade cell shows when its item scored nothing (nbgrader scores such a cell 0).
NO_POINTS_ERROR = "HiddenCheckFailed"


def verdict_outputs(score: float, max_score: float, message: str) -> list[NotebookNode]:
    """Cell outputs that nbgrader scores as score out of max_score."""
    text = f"{score:g} / {max_score:g} points: {message}\n"
    outputs = [new_output("stream", name="stdout", text=text)]
    if score <= 0:
        outputs.append(new_output("error", ename=NO_POINTS_ERROR, evalue=message, traceback=[]))
    elif score < max_score:
        outputs.append(
            new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=1)
        )
    return outputs


def submitted_modules(course: Path, student: str) -> dict[str, bytes | None]:
    """The student-edited modules as the course holds them (None where there is none)."""
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    return {
        relative: (folder / relative).read_bytes() if (folder / relative).is_file() else None
        for relative in STUDENT_MODULES
    }


def fingerprint(modules: dict[str, bytes | None], checks_key: str) -> str:
    """What a student's verdicts depend on: their modules and the hidden checks."""
    digest = hashlib.sha256(checks_key.encode())
    for relative, data in sorted(modules.items()):
        digest.update(relative.encode() + b"\0")
        digest.update(b"<none>" if data is None else hashlib.sha256(data).digest())
    return digest.hexdigest()


def verdicts_path(course: Path, student: str) -> Path:
    return inside(Path(course) / "verdicts", f"{student}.json")


def write_verdicts(course: Path, student: str, verdicts: dict, stamp: str) -> None:
    """Record a student's verdicts (item -> fields of a Verdict) under a fingerprint."""
    from autograder.atomic import write_atomically

    record = {"fingerprint": stamp, "verdicts": verdicts}
    write_atomically(verdicts_path(course, student), json.dumps(record, indent=1))


def read_verdicts(course: Path, student: str) -> dict | None:
    """The recorded verdicts of a student, or None if there are none or they are stale."""
    from autograder.cache import checks_key

    try:
        record = json.loads(verdicts_path(course, student).read_text())
    except (OSError, ValueError):
        return None
    stamp = fingerprint(submitted_modules(course, student), checks_key())
    if not isinstance(record, dict) or record.get("fingerprint") != stamp:
        return None
    return record.get("verdicts")


def compute_verdicts(course: Path, student: str, private_roots: list[Path]) -> dict:
    """Run the hidden checks in the sandbox on the course's copy of a submission.

    Returns:
    - Map from item to the fields of its Verdict (also recorded for the student)
    """
    from autograder.cache import checks_key
    from autograder.checks.hidden_cache import hidden_checks

    modules = submitted_modules(course, student)
    work = inside(Path(course) / "work", student)
    shutil.rmtree(work, ignore_errors=True)
    try:
        package = work / "package"
        shutil.copytree(
            REPO / "cs231n", package / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
        )
        for relative, data in modules.items():
            (package / relative).write_bytes(
                data if data is not None else (REPO / relative).read_bytes()
            )
        checks = hidden_checks([Path(course), *private_roots])
        graded = checks.grade(package, work / "checks")
        verdicts = {item: vars(v) for item, v in graded.verdicts.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_verdicts(course, student, verdicts, fingerprint(modules, checks_key()))
    return verdicts


class TrustedVerdicts(NbGraderPreprocessor):
    """Write the trusted verdicts of the student into the notebook's grade cells."""

    course_root = Unicode(help="The course directory (absolute)").tag(config=True)
    private_roots = List(
        Unicode(), help="Directories student code must not see besides the course"
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        if not self.course_root:
            raise ValueError("TrustedVerdicts.course_root is not set; refusing to grade")
        student = resources["nbgrader"]["student"]
        course = Path(self.course_root)
        verdicts = read_verdicts(course, student)
        if verdicts is None:
            self.log.warning("Running the hidden checks in the sandbox for %s", student)
            verdicts = compute_verdicts(course, student, [Path(p) for p in self.private_roots])
        self.verdicts = verdicts
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        grading = cell.metadata.get("nbgrader", {})
        verdict = self.verdicts.get(grading.get("grade_id"))
        if cell.cell_type == "code" and grading.get("grade") and verdict is not None:
            cell.outputs = verdict_outputs(verdict["score"], grading["points"], verdict["message"])
        return cell, resources
