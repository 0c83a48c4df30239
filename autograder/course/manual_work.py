"""What TAs grade by hand in formgrader, and whether each such grade still applies.

A TA grades the inline questions (and may override an autograded score) in formgrader,
which clears the grade's `needs_manual_grade` flag. When the student's notebook is
autograded again, nbgrader keeps the manual score and comment and sets the flag again,
whether the answer changed or not. So the kit remembers what each manual grade was
about when a TA last reviewed it (the answer cell's text; for an override of an
autograded item, the student's modules), in `course/reviewed/<student>.json`, and
settles every student's manual grades at every run:

- a grade a TA reviewed (flag clear) records what it is about now;
- a grade flagged again whose subject is still the one reviewed is cleared: the kit
  autograded an unchanged answer, there is nothing for a TA to do;
- a grade flagged again whose subject changed, or was never seen reviewed, is *stale*:
  its score and comment were given to another answer.

An inline question with neither a manual nor an automatic score is *ungraded* (an
unanswered one gets 0 from nbgrader and needs nobody).
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from autograder.atomic import write_atomically
from autograder.course.course import ASSIGNMENT, open_gradebook
from autograder.course.trusted_verdicts import submitted_modules
from autograder.intake.ids import id_problem, inside
from autograder.paths import NOTEBOOKS
from autograder.points import POINTS


@dataclass
class ManualWork:
    """A student's grades that still need a TA: never graded, or graded for another answer."""

    ungraded: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def subjects(course: Path, student: str) -> dict[str, str]:
    """What each gradable cell of a student is about, as a digest: the answer cell's text
    in the autograded notebooks (what formgrader shows), and for every autograded item the
    student's modules. A notebook that is missing or unreadable gives nothing."""
    modules = submitted_modules(course, student)
    code = _digest(json.dumps({k: v and _digest(v) for k, v in sorted(modules.items())}).encode())
    found = {item: code for item in POINTS}
    folder = inside(Path(course) / "autograded", student) / ASSIGNMENT
    for name in NOTEBOOKS:
        try:
            nb = nbformat.read(folder / name, as_version=4)
        except (OSError, ValueError):
            continue
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and grade_id not in POINTS and cell.metadata.nbgrader.get("grade"):
                found[grade_id] = _digest(str(cell.source).encode())
    return found


def _reviewed_path(course: Path, student: str) -> Path:
    return inside(Path(course) / "reviewed", f"{student}.json")


def reviewed_subjects(course: Path, student: str) -> dict[str, str]:
    """What each manual grade of a student was about when a TA last reviewed it."""
    try:
        reviewed = json.loads(_reviewed_path(course, student).read_text())
    except (OSError, ValueError):
        return {}
    return reviewed if isinstance(reviewed, dict) else {}


def _manual_grades(submission) -> list:
    return [g for nb in submission.notebooks for g in nb.grades if g.manual_score is not None]


def _settle_submission(course: Path, submission) -> None:
    """settle() one gradebook submission (the caller commits)."""
    student, grades = submission.student.id, _manual_grades(submission)
    if not grades or id_problem(student) is not None:
        return
    reviewed, now = reviewed_subjects(course, student), subjects(course, student)
    before = dict(reviewed)
    for grade in grades:
        if grade.name not in now:
            continue
        if not grade.needs_manual_grade:
            reviewed[grade.name] = now[grade.name]
        elif reviewed.get(grade.name) == now[grade.name]:
            grade.needs_manual_grade = False
    if reviewed != before:
        path = _reviewed_path(course, student)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(reviewed, indent=1, sort_keys=True))


def settle(course: Path, student: str) -> None:
    """Record what the TA reviewed, and clear nbgrader's flag on a manual grade whose
    subject is unchanged since (see the module docstring). Nothing happens for a student
    without a submission in the gradebook."""
    with open_gradebook(course) as gradebook:
        try:
            _settle_submission(course, gradebook.find_submission(ASSIGNMENT, student))
        except MissingEntry:
            return
        gradebook.db.commit()


def settle_course(course: Path) -> None:
    """settle() every student of the gradebook (ids that cannot name a file are skipped)."""
    with open_gradebook(course) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            _settle_submission(course, submission)
        gradebook.db.commit()


def manual_work(course: Path, submission) -> ManualWork:
    """The ungraded and stale manual grades of a gradebook submission, read only: a
    flagged grade whose subject is the one a TA reviewed is not stale, settled or not."""
    work = ManualWork()
    flagged = [g for g in _manual_grades(submission) if g.needs_manual_grade]
    if flagged and id_problem(submission.student.id) is None:
        student = submission.student.id
        reviewed, now = reviewed_subjects(course, student), subjects(course, student)
        work.stale = [g.name for g in flagged if reviewed.get(g.name) != now.get(g.name, "")]
    else:
        work.stale = [g.name for g in flagged]
    work.ungraded = [
        grade.name
        for notebook in submission.notebooks
        for grade in notebook.grades
        if grade.manual_score is None and grade.auto_score is None
    ]
    return work
