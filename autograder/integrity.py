"""`python -m autograder verify OUT`: check that a grading run's outputs agree.

After a batch (or a crash and a resumed batch) an instructor can prove that no
grade was lost or silently changed: the gradebook database is sound, every
student's result file matches the gradebook's grade cells, grades.csv is exactly
what the result files say, and no half-written file is left.
"""

import json
import sqlite3
from pathlib import Path

from autograder.course import ASSIGNMENT, nbgrader_config
from autograder.points import ITEMS
from autograder.report import grades_csv

FAILED = "grading failed"


def gradebook_scores(course: Path) -> dict[str, dict[str, float]]:
    """Map from student id to the score of every autograded item in the gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(nbgrader_config(course).CourseDirectory.db_url) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            scores[submission.student.id] = {
                grade.name: float(grade.score or 0.0)
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.name in ITEMS
            }
    return scores


def verify(out: Path) -> list[str]:
    """Every disagreement found between the outputs of a grading run.

    Inputs:
    - out: The OUT folder of `python -m autograder grade`

    Returns:
    - Problems in words (an empty list means the run is consistent)
    """
    out = Path(out)
    database = out / "course" / "gradebook.db"
    if not database.is_file():
        return [f"no gradebook at {database}"]
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        (check,) = connection.execute("PRAGMA integrity_check").fetchone()
    problems = [] if check == "ok" else [f"gradebook.db is damaged: {check}"]
    gradebook = gradebook_scores(out / "course")
    results = []
    for path in sorted((out / "results").glob("*.json")):
        result = json.loads(path.read_text())
        results.append(result)
        student = result["student_id"]
        if result["status"].startswith(FAILED):
            if student in gradebook:
                problems.append(f"{student}: failed, but the gradebook holds a submission")
        elif gradebook.get(student) != {item: result["scores"][item] for item in ITEMS}:
            problems.append(f"{student}: results/{path.name} and the gradebook disagree")
    csv_path = out / "grades.csv"
    if not csv_path.is_file() or csv_path.read_text() != grades_csv(results):
        problems.append("grades.csv is not what the result files say")
    problems += [f"half-written file left: {p}" for p in out.rglob(".*.partial")]
    return problems
