"""similarity.csv, and the summary page (similarity.html) with its plot (similarity.png)."""

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograder.reports.csv_cells import csv_text  # noqa: E402
from autograder.similarity.pages import NOTICE, STYLE, page_name  # noqa: E402
from autograder.similarity.regions import LABELS  # noqa: E402
from autograder.similarity.scores import MATCH_SIMILARITY, MATCH_TAIL, Comparison  # noqa: E402

# The summary also lists this many of the highest-scoring pairs that are not flagged.
NEXT_PAIRS = 10
CSV_COLUMNS = [
    "student_a",
    "student_b",
    "score",
    "flagged",
    "matching_functions",
    "functions_compared",
    "combined_probability",
    "b_is_reference",
]


def ranking(comparison: Comparison) -> np.ndarray:
    """Pair indices from the highest score down (ties: smallest combined probability)."""
    return np.lexsort((comparison.combined, -comparison.score))


def pair_row(comparison: Comparison, p: int, threshold: float) -> dict:
    """Everything the outputs say about pair p."""
    a, b = comparison.pairs[p]
    return {
        "index_a": int(a),
        "index_b": int(b),
        "score": float(comparison.score[p]),
        "flagged": bool(comparison.score[p] >= threshold),
        "combined": float(comparison.combined[p]),
        "compared": int((~np.isnan(comparison.tail[p])).sum()),
        "similarity": comparison.similarity[p],
        "tail": comparison.tail[p],
        "matches": comparison.matches[p],
        "is_reference": not bool(comparison.is_class_pair[p]),
    }


def matching_names(matches: np.ndarray) -> list[str]:
    """Per row of a (P, F) boolean array, its labels joined by "; " (one join per pattern)."""
    codes = matches.astype(np.int64) @ (1 << np.arange(matches.shape[1], dtype=np.int64))
    patterns, inverse = np.unique(codes, return_inverse=True)
    joined = [
        "; ".join(label for f, label in enumerate(LABELS) if code >> f & 1) for code in patterns
    ]
    return [joined[i] for i in inverse]


def write_csv(path: Path, comparison: Comparison, names: list[str], threshold: float) -> None:
    """One row per pair, highest score first, under the header row and nothing else, so that
    spreadsheets and CSV readers take the first row as the header (the notice that scores
    are evidence, not verdicts, is on similarity.html). Names are file and folder names:
    no cell is read as a formula (csv_cells)."""
    order = ranking(comparison)
    pairs = comparison.pairs[order]
    score = comparison.score[order]
    columns = zip(
        (names[a] for a in pairs[:, 0]),
        (names[b] for b in pairs[:, 1]),
        (f"{value:.4f}" for value in score),
        np.where(score >= threshold, "yes", "no"),
        matching_names(comparison.matches[order]),
        (~np.isnan(comparison.tail[order])).sum(axis=1),
        (f"{value:.3g}" for value in comparison.combined[order]),
        np.where(comparison.is_class_pair[order], "no", "yes"),
        strict=True,
    )
    text = csv_text([CSV_COLUMNS, *columns], lineterminator="\r\n")
    path.write_text(text, newline="")


def plot_scores(path: Path, comparison: Comparison, threshold: float) -> None:
    """Histograms of the score and of the combined evidence, the threshold drawn on both."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist(comparison.score, bins=np.linspace(0, 1, 41), color="#4a78b5")
    left.set_yscale("log")
    left.set_ylim(bottom=0.7)
    left.axvline(threshold, color="#c0392b", linestyle="--", label=f"threshold {threshold:g}")
    left.set_xlabel("score")
    left.set_ylabel("pairs")
    left.legend()
    # The same threshold on the scale of the combined probability: score >= threshold
    # exactly when combined <= 1 - threshold ** (1 / M).
    evidence = -np.log10(np.maximum(comparison.combined, 1e-300))
    cutoff = -np.log10(-np.expm1(np.log(threshold) / len(comparison.score)))
    right.hist(evidence, bins=40, color="#4a78b5")
    right.set_yscale("log")
    right.set_ylim(bottom=0.7)
    right.axvline(cutoff, color="#c0392b", linestyle="--", label="threshold")
    right.set_xlabel("-log10(probability that independent work agrees this much)")
    right.legend()
    figure.suptitle(f"{len(comparison.score)} pairs compared (evidence to weigh, not a verdict)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def summary_text(comparison: Comparison, threshold: float, students: int, references: int) -> str:
    """The few lines the command prints."""
    flagged = int((comparison.score >= threshold).sum())
    return (
        f"{students} submissions, {references} reference files, {len(comparison.score)} pairs "
        f"compared; {flagged} flagged at score >= {threshold:g}\n{NOTICE}"
    )


def _pair_table(comparison: Comparison, names: list[str], indices, threshold: float) -> str:
    """A table of pairs; flagged ones link to their pages."""
    rows = []
    for p in indices:
        row = pair_row(comparison, p, threshold)
        a, b = names[row["index_a"]], names[row["index_b"]]
        pair = f"{html.escape(a)} and {html.escape(b)}"
        if row["flagged"]:
            pair = f"<a href='similarity_pairs/{page_name(a, b)}'>{pair}</a>"
        matching = ", ".join(label for label, m in zip(LABELS, row["matches"], strict=True) if m)
        rows.append(
            f"<tr><td>{pair}</td><td>{row['score']:.4f}</td><td>{html.escape(matching)}</td></tr>"
        )
    if not rows:
        return "<p>None.</p>"
    return (
        "<table class='scores'><tr><th>pair</th><th>score</th><th>matching functions</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def summary_page(
    comparison: Comparison,
    names: list[str],
    threshold: float,
    students: int,
    problems: list[str],
) -> str:
    """The summary page: counts, threshold, method, plot, flagged and next-highest pairs."""
    order = ranking(comparison)
    flagged = int((comparison.score >= threshold).sum())
    problem_list = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
    runs = 1 / (1 - threshold)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Similarity report</title>"
        f"<style>{STYLE}</style></head><body><h1>Similarity report</h1>"
        f"<p class='notice'>{NOTICE}</p>"
        f"<p>{students} submissions and {len(names) - students} reference files; "
        f"{len(comparison.score)} pairs compared; <b>{flagged} flagged</b> at a score "
        f"of {threshold:g} or more.</p>"
        "<p>How a pair is scored: each TODO function's code is fingerprinted (names, "
        "comments and layout set aside; the release stubs removed). On each function both "
        "implemented, the pair's similarity is compared with that of every pair of the "
        "class: what matters is how few pairs are as similar, so a function that everyone "
        "writes alike counts for little. Fisher's method combines the functions into the "
        "probability that independent work agrees this much; the score corrects it for the "
        "number of pairs compared: if independent pairs agree on each function regardless of "
        f"the others, a class without copying has a pair at {threshold:g} or more in about "
        f"one run in {runs:.0f}. A function <i>matches</i> when the two share a Jaccard index "
        f"of {MATCH_SIMILARITY:g} or more and at most {MATCH_TAIL:.0%} of the class's pairs "
        "are as similar on it. Unimplemented stubs are never compared.</p>"
        "<img src='similarity.png' alt='distribution of the scores' width='900'>"
        "<h2>Flagged pairs</h2>"
        + _pair_table(comparison, names, order[:flagged], threshold)
        + f"<h2>The {NEXT_PAIRS} highest pairs below the threshold</h2>"
        + _pair_table(comparison, names, order[flagged : flagged + NEXT_PAIRS], threshold)
        + (f"<h2>Not compared</h2><ul>{problem_list}</ul>" if problems else "")
        + "</body></html>"
    )
