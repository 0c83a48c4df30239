"""What the grader writes for people: feedback pages, grades.csv, the summary."""

import csv
import html
import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograder.paths import TRAINED_MODELS  # noqa: E402
from autograder.points import ITEMS, POINTS  # noqa: E402

# Ungraded: held-out BLEU-4 of each trained captioner, empty when there is none.
LEADERBOARD_COLUMNS = {cell: f"leaderboard_bleu4_{cell}" for cell in TRAINED_MODELS}
CSV_COLUMNS = ["student_id", *ITEMS, "total", "max_total", "status", *LEADERBOARD_COLUMNS.values()]
MAX_TOTAL = sum(POINTS.values())
LEADERBOARD_TOP = 3


def write_atomically(path: Path, text: str) -> None:
    """Write text to path so that a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def leaderboard_bleu(result: dict, cell_type: str) -> float | None:
    """The held-out BLEU-4 of one of a student's captioners (None if there is none)."""
    return result.get("leaderboard", {}).get(cell_type, {}).get("bleu4")


def leaderboard_cell(result: dict, cell_type: str) -> str:
    """The grades.csv cell of one captioner: BLEU-4 to 4 decimals, or empty."""
    bleu = leaderboard_bleu(result, cell_type)
    return "" if bleu is None else f"{bleu:.4f}"


def leaderboard_html(result: dict) -> str:
    """The feedback section on the ungraded leaderboard: a score or what to fix, per model."""
    entries = result.get("leaderboard", {})
    rows = []
    for cell_type in TRAINED_MODELS:
        message = entries.get(cell_type, {}).get("message", "not evaluated (grading failed)")
        rows.append(f"<li>{cell_type.upper()} captioner: {html.escape(message)}</li>")
    return (
        "<h2>Leaderboard (ungraded)</h2>\n<p>Your trained captioners, run with your own "
        "<code>CaptioningRNN.sample</code> on held-out images that nobody has seen, scored with "
        "corpus BLEU-4. This does not count towards your grade.</p>\n"
        f"<ul>{''.join(rows)}</ul>"
    )


def feedback_html(result: dict) -> str:
    """A self-contained page: every autograded item's score and what to do about it.

    Inputs:
    - result: A student's result (student_id, scores, messages, problems, status and,
      when evaluated, leaderboard)

    Returns:
    - The HTML text; everything that comes from a submission is escaped
    """
    rows = []
    for item in ITEMS:
        score = result["scores"].get(item, 0.0)
        message = result["messages"].get(item, "")
        mark = "pass" if score >= POINTS[item] else ("partial" if score > 0 else "fail")
        rows.append(
            f'<tr class="{mark}"><td><code>{item}</code></td>'
            f"<td>{score:g} / {POINTS[item]:g}</td><td>{html.escape(message)}</td></tr>"
        )
    problems = "".join(f"<li>{html.escape(p)}</li>" for p in result["problems"])
    problems_block = f"<h2>Problems with the submission</h2><ul>{problems}</ul>" if problems else ""
    total = sum(result["scores"].get(item, 0.0) for item in ITEMS)
    student = html.escape(result["student_id"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback for {student}</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
tr.pass td:nth-child(2) {{ background: #dfd; }}
tr.partial td:nth-child(2) {{ background: #ffd; }}
tr.fail td:nth-child(2) {{ background: #fdd; }}
</style></head><body>
<h1>Captioning assignment: feedback for {student}</h1>
<p>Autograded score: <b>{total:g} / {MAX_TOTAL:g}</b>. Inline questions are graded by hand
and are not included here.</p>
{problems_block}
<table><tr><th>item</th><th>score</th><th>what the hidden checks found</th></tr>
{"".join(rows)}
</table>
{leaderboard_html(result)}
</body></html>
"""


def csv_row(result: dict) -> dict:
    scores = {item: result["scores"].get(item, 0.0) for item in ITEMS}
    return {
        "student_id": result["student_id"],
        **{item: f"{score:g}" for item, score in scores.items()},
        "total": f"{sum(scores.values()):g}",
        "max_total": f"{MAX_TOTAL:g}",
        "status": result["status"],
        **{
            column: leaderboard_cell(result, cell_type)
            for cell_type, column in LEADERBOARD_COLUMNS.items()
        },
    }


def grades_csv(results: list[dict]) -> str:
    """grades.csv: one row per student (sorted by id), one column per item, then totals,
    status and the ungraded leaderboard columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in sorted(results, key=lambda r: r["student_id"]):
        writer.writerow(csv_row(result))
    return buffer.getvalue()


def pass_rates(results: list[dict]) -> dict[str, float]:
    """Fraction of students with full marks on each item."""
    if not results:
        return {item: 0.0 for item in ITEMS}
    return {
        item: sum(r["scores"].get(item, 0.0) >= POINTS[item] for r in results) / len(results)
        for item in ITEMS
    }


def summary_text(results: list[dict], max_columns: int = 8) -> str:
    """Score table and per-item pass rates, for the terminal.

    Up to max_columns students get one column each (every item's score); a larger
    batch gets one line per student with the total.
    """
    ordered = sorted(results, key=lambda r: r["student_id"])
    totals = {r["student_id"]: sum(r["scores"].get(i, 0.0) for i in ITEMS) for r in ordered}
    lines = []
    if len(ordered) <= max_columns:
        width = max([10, *(len(r["student_id"]) for r in ordered)])
        lines.append(
            f"{'item':<24} {'max':>4}  " + "  ".join(f"{r['student_id']:>{width}}" for r in ordered)
        )
        for item in ITEMS:
            cells = "  ".join(f"{r['scores'].get(item, 0.0):>{width}g}" for r in ordered)
            lines.append(f"{item:<24} {POINTS[item]:>4g}  {cells}")
        cells = "  ".join(f"{totals[r['student_id']]:>{width}g}" for r in ordered)
        lines.append(f"{'total':<24} {MAX_TOTAL:>4g}  {cells}")
        lines.extend(f"status of {r['student_id']}: {r['status']}" for r in ordered)
        return "\n".join(lines)
    width = max(len(r["student_id"]) for r in ordered)
    lines.append(f"{'student':<{width}}  {'total':>11}  status")
    for r in ordered:
        total = totals[r["student_id"]]
        lines.append(f"{r['student_id']:<{width}}  {total:>5g} / {MAX_TOTAL:<3g}  {r['status']}")
    lines.append("")
    lines.append("pass rate per item (full marks):")
    lines.extend(f"  {item:<24} {rate:6.0%}" for item, rate in pass_rates(results).items())
    return "\n".join(lines)


def leaderboard_summary(results: list[dict]) -> str:
    """One line per captioner: the best LEADERBOARD_TOP held-out BLEU-4 scores and whose."""
    lines = ["leaderboard (ungraded, held-out BLEU-4):"]
    for cell_type in TRAINED_MODELS:
        scored = [(leaderboard_bleu(r, cell_type), r["student_id"]) for r in results]
        scored = sorted(((-b, s) for b, s in scored if b is not None))
        best = ", ".join(f"{-b:.4f} {s}" for b, s in scored[:LEADERBOARD_TOP]) or "no model"
        lines.append(f"  {cell_type:<5} {best} ({len(scored)} of {len(results)} evaluated)")
    return "\n".join(lines)


def summary_plot(results: list[dict], path: Path) -> None:
    """summary.png: the distribution of totals and the pass rate of every item."""
    totals = [sum(r["scores"].get(item, 0.0) for item in ITEMS) for r in results]
    rates = pass_rates(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.hist(totals, bins=min(20, max(5, len(totals))), range=(0, MAX_TOTAL), color="#4c72b0")
    left.set_xlabel(f"autograded total (out of {MAX_TOTAL:g})")
    left.set_ylabel("students")
    left.set_title(f"Score distribution ({len(results)} submissions)")
    right.barh(list(rates)[::-1], [100 * v for v in rates.values()][::-1], color="#55a868")
    right.set_xlim(0, 100)
    right.set_xlabel("% of students with full marks")
    right.set_title("Pass rate per item")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
