"""What the course knows about each student, gathered from its three sources.

- the gradebook: every score (the autograder's, a TA's manual override of it, the
  inline questions' manual grades), comments, lateness and late penalty, and which
  manual grades are missing or stale (autograder/course/manual_work.py);
- OUT/results/<id>.json: what the grading run found (intake, problems, notebook
  repairs, status, whether grading failed, leaderboard);
- OUT/course/verdicts/<id>.json: the hidden checks' messages.

grades.csv, canvas.csv, the feedback pages and the summary are all made of these
records, so they always agree with each other and with the gradebook.
"""

import json
from pathlib import Path

from nbgrader.api import MissingEntry

from autograder.course.course import ASSIGNMENT, open_gradebook
from autograder.course.manual_work import manual_work
from autograder.course.trusted_verdicts import verdicts_path
from autograder.intake.ids import inside
from autograder.points import AUTOGRADED_TOTAL, INLINE_QUESTIONS, ITEMS, POINTS

FAILED = "grading failed"


def read_json(path: Path) -> dict:
    """A JSON object from a file, {} if it is missing or not JSON."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _grades(course: Path, submission) -> dict:
    """The scores, comments, lateness and manual work of one gradebook submission."""
    scores, auto, manual, comments = {}, {}, {}, {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.name in POINTS:
                scores[grade.name] = float(grade.score or 0.0)
                auto[grade.name] = grade.auto_score
            else:
                manual[grade.name] = grade.manual_score
        for comment in notebook.comments:
            if comment.comment:
                comments[comment.name] = comment.comment
    penalty = float(submission.late_submission_penalty or 0.0)
    work = manual_work(course, submission)
    return {
        "scores": scores,
        "auto_scores": auto,
        "manual": manual,
        "comments": comments,
        "late_penalty": penalty,
        "seconds_late": float(submission.total_seconds_late or 0.0),
        "total": max(0.0, float(submission.score or 0.0) - penalty),
        "ungraded": sorted(work.ungraded, key=_in_order),
        "stale": sorted(work.stale, key=_in_order),
    }


def _in_order(grade: str) -> int:
    """Where a grade cell comes: the autograded items, then the inline questions."""
    order = [*ITEMS, *INLINE_QUESTIONS]
    return order.index(grade) if grade in order else len(order)


def course_records(out: Path, only: str | None = None) -> tuple[list[dict], float]:
    """Every student of the course (or one), and the assignment's maximum score.

    Inputs:
    - out: The OUT folder of `python -m autograder grade`
    - only: A student id: that student's record alone (none if the course has no such
      student)

    Returns:
    - One record per student (sorted by id) with the keys student_id, scores (the
      autograded items as the gradebook holds them, overrides included),
      auto_scores, manual (inline questions: score or None while ungraded),
      comments, late_penalty, seconds_late, total, ungraded and stale (manual
      grades still to give, and given to an earlier answer), in_gradebook, result
      (the results file, {} if none) and verdicts (item -> verdict, {} if none);
      and the assignment's maximum score
    """
    out = Path(out)
    course = out / "course"
    paths = [inside(out / "results", f"{only}.json")] if only else (out / "results").glob("*.json")
    results = {path.stem: read_json(path) for path in sorted(paths) if path.is_file()}
    grades = {}
    with open_gradebook(course) as gradebook:
        try:
            max_score = float(gradebook.find_assignment(ASSIGNMENT).max_score)
        except MissingEntry:
            max_score = float(AUTOGRADED_TOTAL)
        if only:
            try:
                submissions = [gradebook.find_submission(ASSIGNMENT, only)]
            except MissingEntry:
                submissions = []
        else:
            submissions = gradebook.assignment_submissions(ASSIGNMENT)
        for submission in submissions:
            grades[submission.student.id] = _grades(course, submission)
    records = []
    for student_id in sorted(set(results) | set(grades)):
        known = grades.get(student_id)
        record = known or {
            "scores": {item: 0.0 for item in ITEMS},
            "auto_scores": {},
            "manual": {},
            "comments": {},
            "late_penalty": 0.0,
            "seconds_late": 0.0,
            "total": 0.0,
            "ungraded": [],
            "stale": [],
        }
        record["scores"] = {item: record["scores"].get(item, 0.0) for item in ITEMS}
        verdicts = read_json(verdicts_path(course, student_id)).get("verdicts", {})
        record.update(
            student_id=student_id,
            in_gradebook=known is not None,
            result=results.get(student_id, {}),
            verdicts=verdicts if isinstance(verdicts, dict) else {},
        )
        records.append(record)
    return records, max_score


def status(record: dict) -> str:
    """The status line of a student: "ok", the submission's problems, or the failure;
    then the manual grades that are stale or still to be given, if any."""
    parts = [record["result"].get("status", "not graded by the kit (no results file)")]
    if record["stale"]:
        parts.append(f"manual grade given to an earlier answer: {', '.join(record['stale'])}")
    if record["ungraded"]:
        parts.append(f"to grade by hand: {', '.join(record['ungraded'])}")
    return "; ".join(parts)


def failed(record: dict) -> bool:
    """Whether grading failed for a student (the results file's flag; the status text,
    which quotes the submission's file names, is for people only)."""
    return record["result"].get("failed") is True


def graded_from(record: dict) -> Path | None:
    """The submissions folder a student was last graded from (None if unknown)."""
    files = record["result"].get("lms", {}).get("files", [])
    return Path(files[0]).parent if files else None


def autograded_total(record: dict) -> float:
    """The autograded items' points as the gradebook holds them."""
    return sum(record["scores"].values())


def manual_total(record: dict) -> float:
    """The inline questions' points graded so far."""
    return sum(score for score in record["manual"].values() if score is not None)
