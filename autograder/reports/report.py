"""What the grader writes for people: feedback pages, grades.csv, the summary.

Everything here is made of the course's records (autograder/course/records.py): the
gradebook's scores (manual overrides and inline-question grades included), the
hidden checks' messages and what the grading run found.
"""

import html
import io
import re
from pathlib import Path

from matplotlib.figure import Figure

from autograder.atomic import write_atomically
from autograder.course.records import autograded_total, failed, manual_total, status
from autograder.hints import make_command
from autograder.paths import TRAINED_MODELS
from autograder.points import AUTOGRADED_TOTAL, INLINE_QUESTIONS, INLINE_TOTAL, ITEMS, POINTS
from autograder.reports.csv_cells import csv_text

# Ungraded: held-out BLEU-4 of each trained captioner, empty when there is none.
LEADERBOARD_COLUMNS = {cell: f"leaderboard_bleu4_{cell}" for cell in TRAINED_MODELS}
LEADERBOARD_TOP = 3


def csv_columns() -> list[str]:
    """The columns of grades.csv: every item, every inline question, totals, status."""
    return [
        "student_id",
        *ITEMS,
        *INLINE_QUESTIONS,
        "autograded",
        "inline_questions",
        "late",
        "days_late",
        "late_penalty",
        "total",
        "max_total",
        "status",
        *LEADERBOARD_COLUMNS.values(),
    ]


def rich_text(text: str) -> str:
    """Text for an HTML page: escaped, with `code` in backticks shown as code."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", html.escape(text))


def leaderboard_bleu(record: dict, cell_type: str) -> float | None:
    """The held-out BLEU-4 of one of a student's captioners (None if there is none)."""
    return record["result"].get("leaderboard", {}).get(cell_type, {}).get("bleu4")


def leaderboard_cell(record: dict, cell_type: str) -> str:
    """The grades.csv cell of one captioner: BLEU-4 to 4 decimals, or empty."""
    bleu = leaderboard_bleu(record, cell_type)
    return "" if bleu is None else f"{bleu:.4f}"


def leaderboard_html(record: dict) -> str:
    """The feedback section on the ungraded leaderboard: a score or what to fix, per model."""
    entries = record["result"].get("leaderboard", {})
    rows = []
    for cell_type in TRAINED_MODELS:
        message = entries.get(cell_type, {}).get("message", "not evaluated (grading failed)")
        rows.append(f"<li>{cell_type.upper()} captioner: {rich_text(message)}</li>")
    return (
        "<h2>Leaderboard (ungraded)</h2>\n<p>Your trained captioners, run with your own "
        "<code>CaptioningRNN.sample</code> on held-out images that nobody has seen, scored with "
        "corpus BLEU-4. This does not count towards your grade.</p>\n"
        f"<ul>{''.join(rows)}</ul>"
    )


def _item_rows(record: dict) -> str:
    rows = []
    for item in ITEMS:
        score = record["scores"][item]
        message = record["verdicts"].get(item, {}).get("message", "not graded")
        auto = record["auto_scores"].get(item)
        if auto is not None and auto != score:
            message += f" (your TA changed the score from {auto:g} to {score:g})"
        if record["comments"].get(item):
            message += f" TA: {record['comments'][item]}"
        mark = "pass" if score >= POINTS[item] else ("partial" if score > 0 else "fail")
        rows.append(
            f'<tr class="{mark}"><td><code>{item}</code></td>'
            f"<td>{score:g} / {POINTS[item]:g}</td><td>{rich_text(message)}</td></tr>"
        )
    return "".join(rows)


def _inline_rows(record: dict) -> str:
    rows = []
    for question, points in INLINE_QUESTIONS.items():
        score = record["manual"].get(question)
        shown = "not graded yet" if score is None else f"{score:g} / {points:g}"
        if question in record["stale"]:
            shown += " (given to your earlier answer; to be graded again)"
        comment = record["comments"].get(question, "")
        rows.append(
            f"<tr><td><code>{question}</code></td><td>{shown}</td>"
            f"<td>{rich_text(comment)}</td></tr>"
        )
    return "".join(rows)


def _list_block(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{rich_text(line)}</li>" for line in lines)
    return f"<h2>{title}</h2><ul>{items}</ul>\n"


def lateness_known(record: dict) -> bool:
    """Whether the gradebook's lateness of a student is a real time (Canvas gives none:
    a submission it marks late is recorded one second after the due date)."""
    return record["result"].get("lms", {}).get("kind") != "canvas"


def is_late(record: dict) -> bool:
    """Whether the gradebook or the LMS says the submission was late."""
    return record["seconds_late"] > 0 or bool(record["result"].get("lms", {}).get("late"))


def lateness_line(record: dict) -> str:
    """One sentence on lateness, or "" if the submission was on time (or times unknown)."""
    penalty = record["late_penalty"]
    taken = f"; late penalty {penalty:g} points" if penalty else ""
    if is_late(record) and not lateness_known(record):
        policy = taken or "; its own late policy applies there"
        return (
            "Canvas marked the submission late without saying when it came in, so it counts "
            f"here as late by less than a day{policy}."
        )
    if record["seconds_late"] > 0:
        days = record["seconds_late"] / 86400
        return f"Submitted {days:.2f} days after the due date{taken}."
    if is_late(record):
        return "Your LMS marked the submission late; its own late policy applies there."
    return ""


def feedback_html(record: dict, max_total: float) -> str:
    """The one feedback page of a student: autograded items, inline questions, leaderboard.

    Inputs:
    - record: A course record (autograder/course/records.py)
    - max_total: The assignment's maximum score (autograded items and inline questions)

    Returns:
    - The HTML text; everything that comes from a submission or a TA is escaped
    """
    result = record["result"]
    student = html.escape(record["student_id"])
    notes = [
        f"{name}: {note}"
        for name, found in result.get("notebook_notes", {}).items()
        for note in found
    ]
    failure = [status(record)] if failed(record) else []
    penalty = f", late penalty {record['late_penalty']:g}" if record["late_penalty"] else ""
    parts = (
        f"autograded items {autograded_total(record):g} / {AUTOGRADED_TOTAL:g}, inline questions "
        f"{manual_total(record):g} / {INLINE_TOTAL:g}{penalty}"
    )
    late = rich_text(lateness_line(record))
    blocks = (
        _list_block("Grading failed", failure)
        + _list_block("Problems with the submission", result.get("problems", []))
        + _list_block("What happened to your notebooks", notes)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback for {student}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1em; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
tr.pass td:nth-child(2) {{ background: #dfd; }}
tr.partial td:nth-child(2) {{ background: #ffd; }}
tr.fail td:nth-child(2) {{ background: #fdd; }}
</style></head><body>
<h1>Captioning assignment: feedback for {student}</h1>
<p>Total: <b>{record["total"]:g} / {max_total:g}</b> ({parts}). {late}</p>
{blocks}<h2>Autograded items</h2>
<table><tr><th>item</th><th>score</th><th>what the hidden checks found</th></tr>
{_item_rows(record)}
</table>
<h2>Inline questions (graded by hand)</h2>
<table><tr><th>question</th><th>score</th><th>comment</th></tr>
{_inline_rows(record)}
</table>
{leaderboard_html(record)}
</body></html>
"""


def csv_row(record: dict, max_total: float) -> dict:
    manual = record["manual"]
    return {
        "student_id": record["student_id"],
        **{item: f"{record['scores'][item]:g}" for item in ITEMS},
        **{q: "" if manual.get(q) is None else f"{manual[q]:g}" for q in INLINE_QUESTIONS},
        "autograded": f"{autograded_total(record):g}",
        "inline_questions": f"{manual_total(record):g}",
        "late": "yes" if is_late(record) else "",
        "days_late": (
            f"{record['seconds_late'] / 86400:.2f}"
            if record["seconds_late"] > 0 and lateness_known(record)
            else ""
        ),
        "late_penalty": f"{record['late_penalty']:g}",
        "total": f"{record['total']:g}",
        "max_total": f"{max_total:g}",
        "status": status(record),
        **{
            column: leaderboard_cell(record, cell_type)
            for cell_type, column in LEADERBOARD_COLUMNS.items()
        },
    }


def grades_csv(records: list[dict], max_total: float) -> str:
    """grades.csv: one row per student (sorted by id), one column per autograded item and
    inline question, the totals, lateness (late: "yes" when the gradebook or the LMS says
    so; days_late: the gradebook's days, empty when on time or when the LMS gave no time),
    the late penalty, the total (what the gradebook and canvas.csv say), the status and
    the ungraded leaderboard columns."""
    rows = [csv_row(record, max_total) for record in sorted(records, key=lambda r: r["student_id"])]
    columns = csv_columns()
    return csv_text([columns, *([row[column] for column in columns] for row in rows)])


def pass_rates(records: list[dict]) -> dict[str, float]:
    """Fraction of students with full marks on each item."""
    if not records:
        return {item: 0.0 for item in ITEMS}
    return {
        item: sum(r["scores"][item] >= POINTS[item] for r in records) / len(records)
        for item in ITEMS
    }


def summary_text(records: list[dict], max_columns: int = 8) -> str:
    """Score table and per-item pass rates, for the terminal.

    Up to max_columns students get one column each (every item's score); a larger
    batch gets one line per student with the autograded total.
    """
    ordered = sorted(records, key=lambda r: r["student_id"])
    totals = {r["student_id"]: autograded_total(r) for r in ordered}
    lines = []
    if len(ordered) <= max_columns:
        width = max([10, *(len(r["student_id"]) for r in ordered)])
        lines.append(
            f"{'item':<24} {'max':>4}  " + "  ".join(f"{r['student_id']:>{width}}" for r in ordered)
        )
        for item in ITEMS:
            cells = "  ".join(f"{r['scores'][item]:>{width}g}" for r in ordered)
            lines.append(f"{item:<24} {POINTS[item]:>4g}  {cells}")
        cells = "  ".join(f"{totals[r['student_id']]:>{width}g}" for r in ordered)
        lines.append(f"{'autograded':<24} {AUTOGRADED_TOTAL:>4g}  {cells}")
        lines.extend(f"status of {r['student_id']}: {status(r)}" for r in ordered)
        return "\n".join(lines)
    width = max(len(r["student_id"]) for r in ordered)
    lines.append(f"{'student':<{width}}  {'autograded':>11}  status")
    for r in ordered:
        total = totals[r["student_id"]]
        lines.append(
            f"{r['student_id']:<{width}}  {total:>5g} / {AUTOGRADED_TOTAL:<3g}  {status(r)}"
        )
    lines.append("")
    lines.append("pass rate per item (full marks):")
    lines.extend(f"  {item:<24} {rate:6.0%}" for item, rate in pass_rates(records).items())
    return "\n".join(lines)


def manual_work_line(records: list[dict], out: Path) -> str:
    """One line on the answers still to grade by hand, for the end of a run ("" if none).
    (Manual grades given to an earlier answer are verify's problems, printed apart.)"""
    waiting = [r for r in records if r["ungraded"]]
    if not waiting:
        return ""
    answers = sum(len(r["ungraded"]) for r in waiting)
    points = sum(INLINE_QUESTIONS.get(question, 0.0) for r in waiting for question in r["ungraded"])
    return (
        f"to grade by hand: {answers} inline answer(s) of {len(waiting)} student(s), "
        f"{points:g} points that grades.csv and canvas.csv count as 0 until a TA grades them "
        f"in formgrader (their status in grades.csv says which); then "
        f"`{make_command('report', OUT=out)}`"
    )


def leaderboard_summary(records: list[dict]) -> str:
    """One line per captioner: the best LEADERBOARD_TOP held-out BLEU-4 scores and whose."""
    lines = ["leaderboard (ungraded, held-out BLEU-4):"]
    for cell_type in TRAINED_MODELS:
        scored = [(leaderboard_bleu(r, cell_type), r["student_id"]) for r in records]
        scored = sorted(((-b, s) for b, s in scored if b is not None))
        best = ", ".join(f"{-b:.4f} {s}" for b, s in scored[:LEADERBOARD_TOP]) or "no model"
        lines.append(f"  {cell_type:<5} {best} ({len(scored)} of {len(records)} evaluated)")
    return "\n".join(lines)


def summary_plot(records: list[dict], path: Path) -> None:
    """summary.png: the distribution of autograded totals and the pass rate of every item."""
    totals = [autograded_total(r) for r in records]
    rates = pass_rates(records)
    fig = Figure(figsize=(12, 4.5))  # drawn without pyplot: no backend to choose
    left, right = fig.subplots(1, 2)
    left.hist(
        totals, bins=min(20, max(5, len(totals))), range=(0, AUTOGRADED_TOTAL), color="#4c72b0"
    )
    left.set_xlabel(f"autograded total (out of {AUTOGRADED_TOTAL:g})")
    left.set_ylabel("students")
    left.set_title(f"Score distribution ({len(records)} submissions)")
    right.barh(list(rates)[::-1], [100 * v for v in rates.values()][::-1], color="#55a868")
    right.set_xlim(0, 100)
    right.set_xlabel("% of students with full marks")
    right.set_title("Pass rate per item")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, dpi=100, format="png")
    write_atomically(path, png.getvalue())
