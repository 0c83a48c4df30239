"""`python -m autograder verify OUT`: check that a course's outputs agree.

After a batch (or a crash and a resumed batch, or grading in formgrader) an
instructor can prove that no grade was lost or silently changed: the gradebook
database is sound, every student's autograded scores in the gradebook are the
trusted verdicts, a failed student holds no autograded points, grades.csv,
canvas.csv (and lms_grades.csv) and every feedback page are exactly what the
gradebook says now, no manual grade was given to an earlier answer than the one the
student handed in last, and no half-written file is left.
"""

import sqlite3
from pathlib import Path

from autograder.course.course import ASSIGNMENT
from autograder.course.records import course_records, failed, graded_from
from autograder.hints import make_command
from autograder.paths import NOTEBOOKS
from autograder.points import ITEMS


def _agreement(record: dict, course: Path) -> list[str]:
    """Problems between a student's verdicts, results file and gradebook scores."""
    student = record["student_id"]
    auto = record["auto_scores"]
    if failed(record):
        if any(auto.get(item) for item in ITEMS):
            return [f"{student}: grading failed, but the gradebook holds autograded points"]
        return []
    if not record["verdicts"]:
        return [f"{student}: no verdicts in course/verdicts/{student}.json"]
    if not record["in_gradebook"]:
        return [f"{student}: graded, but the gradebook holds no submission"]
    missing = [
        name
        for name in NOTEBOOKS
        if not (course / "autograded" / student / ASSIGNMENT / name).is_file()
    ]
    if missing:
        again = make_command(
            "grade", SUBMISSIONS=graded_from(record), OUT=course.parent, STUDENT=student
        )
        return [f"{student}: no autograded {', '.join(missing)} (`{again}` regrades it)"]
    expected = {item: float(record["verdicts"][item]["score"]) for item in ITEMS}
    found = {item: float(auto.get(item) or 0.0) for item in ITEMS}
    if expected != found:
        wrong = sorted(item for item in ITEMS if expected[item] != found[item])
        return [f"{student}: gradebook and verdicts differ on {', '.join(wrong)}"]
    return []


def verify(out: Path) -> list[str]:
    """Every disagreement found between the outputs of a course.

    Inputs:
    - out: The OUT folder of `python -m autograder grade`

    Returns:
    - Problems in words (an empty list means the course is consistent)
    """
    from autograder.reports.export import (
        canvas_csv,
        course_canvas_column,
        lms_grades_csv,
        points_problem,
    )
    from autograder.reports.report import feedback_html, grades_csv
    from autograder.reports.roster import RosterError, course_roster

    out = Path(out)
    database = out / "course" / "gradebook.db"
    if not database.is_file():
        return [f"no gradebook at {database}"]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        (check,) = connection.execute("PRAGMA integrity_check").fetchone()
    if check != "ok":
        return [f"gradebook.db is damaged: {check}"]
    records, max_total = course_records(out)
    problems = [problem for record in records for problem in _agreement(record, out / "course")]
    problems += [
        f"{record['student_id']}: {', '.join(record['stale'])} graded by hand for an earlier "
        f"answer (the student resubmitted): grade again in formgrader, then "
        f"`{make_command('report', OUT=out)}`"
        for record in records
        if record["stale"]
    ]
    try:
        roster = course_roster(out / "course")
        column = course_canvas_column(out / "course", roster)
    except RosterError as error:
        return [*problems, f"the course's roster: {error}"]
    if (wrong_points := points_problem(roster, column, max_total)) is not None:
        problems.append(wrong_points)
    expected = {"grades.csv": grades_csv(records, max_total),
                "canvas.csv": canvas_csv(records, max_total, roster, column)}  # fmt: skip
    if roster is not None and roster.kind != "canvas":
        expected["lms_grades.csv"] = lms_grades_csv(records, max_total, roster)
    for record in records:
        page = f"feedback/{record['student_id']}.html"
        expected[page] = feedback_html(record, max_total)
    stale = [name for name, text in expected.items() if _read(out / name) != text]
    if stale:
        shown = ", ".join(stale[:4]) + (f" and {len(stale) - 4} more" if len(stale) > 4 else "")
        problems.append(
            f"{shown} differ from the gradebook: `{make_command('report', OUT=out)}` rewrites "
            "them from it"
        )
    problems += [f"half-written file left: {p}" for p in out.rglob(".*.partial")]
    return problems


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
