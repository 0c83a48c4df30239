"""What the Gradescope bundle runs for each submission: `python -m autograder gradescope-run`.

On Gradescope, run_autograder calls it; it runs the same hidden checks as the batch grader
on /autograder/submission and writes /autograder/results/results.json: one test per
autograded item (shown to students as the bundle's visibility says), a check of the uploaded
files and one of the inline answers (always shown), and the ungraded held-out BLEU-4 of the
trained captioners as leaderboard entries (0 for a captioner that could not be evaluated;
the output says why).

The autograder scores the autograded items only (points.AUTOGRADED_TOTAL, the sum of
autograder/points.toml's items). The inline questions are graded by hand: students upload
the PDF that `python -m cs231n.inline_answers` writes to a separate Gradescope PDF
assignment; both together make the assignment's total (points.TOTAL), the one Canvas and
nbgrader show.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.atomic import write_atomically
from autograder.gradescope.bundle import VISIBILITIES, bundle_visibility
from autograder.paths import NOTEBOOKS, REPO, TRAINED_MODELS
from autograder.points import AUTOGRADED_TOTAL, ITEMS

if TYPE_CHECKING:  # read_submission is imported by run, when it grades: keep this light
    from autograder.intake.submissions import Submission

INLINE_PDF_COMMAND = "python -m cs231n.inline_answers"


@dataclass
class InlineStatus:
    """The inline questions of a submission (grade ids), and their points in the release."""

    answered: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    points: float = 0.0


def inline_answer_status(submission: Submission) -> InlineStatus:
    """Which inline questions the submitted notebooks answer.

    Call it after the reference package is imported (the grader's `cs231n`): a missing or
    unreadable notebook counts as answering none of its questions.
    """
    import nbformat

    from cs231n.inline_answers import inline_answers

    status = InlineStatus()
    for name in NOTEBOOKS:
        released = inline_answers(nbformat.read(REPO / "notebooks" / name, as_version=4), name)
        status.points += sum(question.points for question in released)
        try:
            text = submission.files[f"notebooks/{name}"].decode("utf-8")
            submitted = inline_answers(nbformat.reads(text, as_version=4), name)
        except Exception:  # noqa: BLE001 - missing, not UTF-8, not a notebook: no answers
            status.unanswered += [question.grade_id for question in released]
            continue
        for question in submitted:
            (status.answered if question.answered else status.unanswered).append(question.grade_id)
    return status


def totals_text(inline_points: float) -> str:
    """How this autograder's points relate to the assignment's total."""
    total = AUTOGRADED_TOTAL + inline_points
    return (
        f"This autograder scores the {len(ITEMS)} autograded items: {AUTOGRADED_TOTAL:g} "
        f"points. The inline questions ({inline_points:g} points) are graded by hand: run "
        f"`{INLINE_PDF_COMMAND}` and upload the PDF it writes to the inline-questions "
        f"assignment. Together they make the assignment's {total:g} points, the total that "
        "Canvas and nbgrader show."
    )


def file_test(submission: Submission) -> dict:
    """An always visible, unscored test: were the student-edited files found?"""
    taken = ", ".join(sorted(submission.files)) or "none"
    lines = [f"Files taken from your upload: {taken}."]
    lines += [f"Problem: {problem}." for problem in submission.problems]
    if submission.problems:
        lines.append(
            "Upload the zip that `make submit` (python -m cs231n.submit) writes, or these files "
            "at these paths; a missing or unusable module is graded as the untouched stub."
        )
    return {
        "name": "Uploaded files",
        "number": "0",
        "status": "failed" if submission.problems else "passed",
        "output": "\n".join(lines),
        "visibility": "visible",
    }


def inline_test(inline: InlineStatus) -> dict:
    """An always visible, unscored test: are the inline questions answered?"""
    lines = [totals_text(inline.points)]
    if inline.answered:
        lines.append("Answered in your notebooks: " + ", ".join(inline.answered) + ".")
    if inline.unanswered:
        lines.append("Not answered in your notebooks: " + ", ".join(inline.unanswered) + ".")
    return {
        "name": f"Inline questions ({inline.points:g} points, graded by hand, not here)",
        "number": str(len(ITEMS) + 1),
        "status": "failed" if inline.unanswered else "passed",
        "output": "\n".join(lines),
        "visibility": "visible",
    }


def leaderboard_entries(entries: dict) -> list[dict]:
    """Gradescope leaderboard entries: held-out BLEU-4 per captioner, higher ranks first.

    Inputs:
    - entries: Map from cell type to its leaderboard Entry

    Returns:
    - One {"name", "value", "order"} entry per captioner, always all of them
    """
    return [
        {
            "name": f"{cell_type.upper()} BLEU-4",
            "value": entries[cell_type].bleu4 or 0.0,
            "order": "desc",
        }
        for cell_type in TRAINED_MODELS
    ]


def results_json(
    verdicts: dict,
    submission: Submission,
    seconds: float,
    leaderboard: dict,
    visibility: str,
    inline: InlineStatus,
) -> dict:
    """Gradescope's results format: one test per autograded item, two checks, the leaderboard.

    Inputs:
    - verdicts: Map from item to its Verdict
    - submission: The read submission (its files and problems)
    - seconds: Grading time
    - leaderboard: Map from cell type to its leaderboard Entry
    - visibility: When students see the autograded tests, a key of VISIBILITIES
    - inline: inline_answer_status of the submission

    Returns:
    - The content of results.json
    """
    tests = [file_test(submission)]
    tests += [
        {
            "name": item,
            "number": str(number),
            "score": verdicts[item].score,
            "max_score": verdicts[item].max_score,
            "output": verdicts[item].message,
            "visibility": visibility,
        }
        for number, item in enumerate(ITEMS, start=1)
    ]
    tests.append(inline_test(inline))
    summary = [
        "Submission received and graded by hidden checks.",
        totals_text(inline.points),
        f"Scores and messages of the autograded items are shown {VISIBILITIES[visibility]}.",
    ]
    if submission.problems:
        summary.append("Problems found: " + "; ".join(submission.problems) + ".")
    for cell_type, entry in leaderboard.items():
        summary.append(f"Leaderboard (ungraded), {cell_type.upper()} captioner: {entry.message}")
    return {
        "execution_time": round(seconds, 1),
        "output": "\n".join(summary),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "leaderboard": leaderboard_entries(leaderboard),
    }


def run(root: Path) -> dict:
    """Grade root/submission and write root/results/results.json; returns the results."""
    start = time.perf_counter()
    from autograder.checks.hidden_cache import hidden_checks  # setup.sh prepared its cache
    from autograder.intake.submissions import read_submission, student_package
    from autograder.leaderboard.evaluate import Leaderboard

    submission = read_submission("gradescope", root / "submission")
    with tempfile.TemporaryDirectory() as work:
        package = student_package(submission, Path(work) / "package")
        graded = hidden_checks([root]).grade(package, Path(work) / "checks")
        leaderboard = Leaderboard(private_roots=[root]).evaluate(
            submission, package, Path(work) / "leaderboard", graded.import_stopped
        )
    seconds = time.perf_counter() - start
    results = results_json(
        graded.verdicts,
        submission,
        seconds,
        leaderboard,
        visibility=bundle_visibility(),
        inline=inline_answer_status(submission),
    )
    write_atomically(root / "results" / "results.json", json.dumps(results, indent=1))
    return results
