"""Grade one student into the course: the submission laid out where nbgrader expects it,
the hidden checks in the sandbox, the leaderboard, and nbgrader's autograde with the
trusted verdicts. A grading process holds one Worker and hands it one student at a time.
"""

import hashlib
import json
import resource
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.atomic import write_atomically
from autograder.cache import checks_key
from autograder.course.course import ASSIGNMENT, autograde, record_student, zero_autograded
from autograder.course.manual_work import settle
from autograder.course.records import FAILED
from autograder.course.trusted_verdicts import fingerprint, submitted_modules, write_verdicts
from autograder.intake.ids import inside
from autograder.intake.inert_notebook import inert_notebook_bytes
from autograder.intake.lateness import timestamp_text
from autograder.intake.notebook_repair import preview_sanitize
from autograder.intake.submissions import Submission, student_file, student_package
from autograder.paths import NOTEBOOKS, REPO, STUDENT_MODULES
from autograder.plain_text import person_field, plain
from autograder.points import ITEMS, POINTS


@dataclass
class StudentWork:
    """One student to grade: the read submission, what the LMS said about it, when it was
    handed in, the late policy it is graded under, and its secret on nbgrader's exchange
    ("" if it did not come from there)."""

    submission: Submission
    fingerprint: str
    lms: dict
    timestamp: datetime | None = None
    policy: dict = field(default_factory=dict)
    secret: str = ""


def submission_fingerprint(submission: Submission) -> str:
    """What a submission is, for telling whether it was graded as it is now."""
    digest = hashlib.sha256()
    for name, data in sorted(submission.files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(json.dumps([submission.problems, submission.model_problems]).encode())
    return digest.hexdigest()


def split_name(name: str) -> dict[str, str]:
    """first_name and last_name for the gradebook ("Smith, John" or "John Smith")."""
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
    else:
        first, _, last = name.strip().rpartition(" ")
        if not first:
            first, last = last, ""
    return {"first_name": first or None, "last_name": last or None}


class Worker:
    """Grades one student at a time into OUT (one per process)."""

    def __init__(self, out: Path, checks):
        from autograder.leaderboard.evaluate import Leaderboard

        self.out = out
        self.course = out / "course"
        self.checks = checks
        self.leaderboard = Leaderboard(private_roots=list(checks.private_roots))

    def autograde_notebooks(self, task: StudentWork, result: dict) -> None:
        """nbgrader's autograde, with the release copy standing in for a notebook nbgrader
        cannot take (found beforehand, or by nbgrader refusing the lot).

        The autograded items are judged from the modules either way; only the inline
        answers depend on the notebooks. Every repair and replacement goes into the
        result's notebook_notes.
        """
        submission, notes = task.submission, result["notebook_notes"]
        found, refused = notebook_checks(self.course, submission)
        notes.update(found)
        notes.update({name: [stood_in(trouble)] for name, trouble in refused.items()})
        if refused:
            lay_out(self.course, task, set(refused))
        try:
            autograde(self.course, submission.student_id)
        except RuntimeError as error:
            lay_out(self.course, task, set(NOTEBOOKS))
            autograde(self.course, submission.student_id)
            reason = str(error).strip().splitlines()[-1]
            for name in NOTEBOOKS:
                notes[name] = [stood_in(reason)]

    def grade(self, task: StudentWork) -> dict:
        """Grade one submission; always returns a result (errors go into its status)."""
        started = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        submission = task.submission
        student_id = submission.student_id
        work = inside(self.out / "work", student_id)
        results = inside(self.out / "results", f"{student_id}.json")
        shutil.rmtree(work, ignore_errors=True)
        result = {
            "student_id": student_id,
            "fingerprint": task.fingerprint,
            "lms": task.lms,
            "policy": task.policy,
            "problems": list(submission.problems),
            "failed": False,
            "notebook_notes": {},
            "leaderboard": {},
        }
        try:
            settle(self.course, student_id)  # what a TA graded, before nbgrader flags it again
            lay_out(self.course, task)
            package = student_package(submission, work / "package")
            graded = self.checks.grade(package, work / "checks")
            stamp = fingerprint(submitted_modules(self.course, student_id), checks_key())
            write_verdicts(
                self.course, student_id, {i: vars(v) for i, v in graded.verdicts.items()}, stamp
            )
            entries = self.leaderboard.evaluate(
                submission, package, work / "leaderboard", graded.import_stopped
            )
            result["leaderboard"] = {cell: vars(entry) for cell, entry in entries.items()}
            record_student(self.course, student_id, **student_fields(task.lms))
            self.autograde_notebooks(task, result)
            result["status"] = "; ".join(submission.problems) or "ok"
        except Exception as error:  # noqa: BLE001 - one student's failure must not stop the batch
            result["status"] = plain(f"{FAILED}: {type(error).__name__}: {error}", 300)
            result["failed"] = True
            charge_failure(self.course, student_id, result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["cpu_seconds"] = round(
            time.process_time()
            - started[0]
            + children.ru_utime
            + children.ru_stime
            - started[1].ru_utime
            - started[1].ru_stime,
            2,
        )
        result["score"] = sum(
            v["score"]
            for v in json.loads((self.course / "verdicts" / f"{student_id}.json").read_text())[
                "verdicts"
            ].values()
        )
        write_atomically(results, json.dumps(result, indent=1))
        return result


def charge_failure(course: Path, student_id: str, result: dict) -> None:
    """Zero the autograded items of a student whose grading failed, in the gradebook and
    the verdicts. A gradebook that cannot be changed either (locked, ...) is this
    student's trouble alone: it goes into their status, and verify reports the points
    the gradebook still holds."""
    try:
        zero_autograded(course, student_id)
    except Exception as error:  # noqa: BLE001 - one student's failure must not stop the batch
        trouble = f"the gradebook could not be zeroed either: {type(error).__name__}: {error}"
        result["status"] = plain(f"{result['status']}; {trouble}", 500)
    message = "grading failed (nothing to do with your code, as far as is known): tell your TA"
    zeros = {
        i: {"item": i, "score": 0.0, "max_score": POINTS[i], "message": message} for i in ITEMS
    }
    write_verdicts(course, student_id, zeros, FAILED)


def lay_out(
    course: Path, task: StudentWork, release_notebooks: set[str] | frozenset = frozenset()
) -> None:
    """Put a submission where nbgrader expects it (course/submitted/<id>/captioning/).

    Missing or unusable files are replaced by their release copies, so a broken file
    costs only the points that depend on it; so are the notebooks named in
    release_notebooks (notebooks nbgrader cannot take). Every notebook is laid out inert
    (inert_notebook.py): nothing in the course holds a student's live markup. The
    submission's time and its exchange secret (which names its feedback on nbgrader's
    exchange) go beside them, as nbgrader's own collect leaves them.
    """
    submission = task.submission
    submitted = inside(Path(course) / "submitted", submission.student_id) / ASSIGNMENT
    if submitted.parent.exists():
        shutil.rmtree(submitted.parent)
    for name in NOTEBOOKS:
        release = (REPO / "notebooks" / name).read_bytes()
        taken = name not in release_notebooks
        data = student_file(submission, f"notebooks/{name}") if taken else release
        write_file(submitted / name, inert_notebook_bytes(data) or release)
    for relative in STUDENT_MODULES:
        write_file(submitted / relative, student_file(submission, relative))
    if task.timestamp is not None:
        write_file(submitted / "timestamp.txt", timestamp_text(task.timestamp).encode())
    if task.secret:
        write_file(submitted / "submission_secret.txt", task.secret.encode())


def notebook_checks(course: Path, submission: Submission) -> tuple[dict, dict]:
    """What RepairCells will repair in each submitted notebook, and the notebooks nbgrader
    cannot take at all (preview_sanitize).

    Returns:
    - found: notebook name -> the repairs, in words (notebooks with any)
    - refused: notebook name -> why nbgrader cannot take it
    """
    found, refused = {}, {}
    for name in NOTEBOOKS:
        data = submission.files.get(f"notebooks/{name}")
        if data is None:
            continue
        repairs, trouble = preview_sanitize(data, Path(course) / "release" / ASSIGNMENT / name)
        if trouble is not None:
            refused[name] = trouble
        elif repairs:
            found[name] = repairs
    return found, refused


def stood_in(reason: str) -> str:
    """The feedback's note on a notebook nbgrader could not take."""
    return (
        f"nbgrader could not take it ({plain(reason, 200)}); the unanswered release copy stood in, "
        "so its inline answers could not be graded: tell your TA"
    )


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def student_fields(lms: dict) -> dict:
    """The gradebook's student fields from what the LMS (and roster) said, each made a
    person_field (formgrader writes names into its pages unescaped)."""
    fields = split_name(person_field(lms["name"])) if lms.get("name") else {}
    if lms.get("id"):
        fields["lms_user_id"] = person_field(lms["id"])
    if lms.get("email"):
        fields["email"] = person_field(lms["email"])
    return fields
