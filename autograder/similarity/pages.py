"""One HTML page per flagged pair: every function's code side by side.

The shared fragments are found and highlighted by copydetect (compare_files and
highlight_overlap on the two regions' fingerprints), as in copydetect's own report.
"""

import html
import re

import numpy as np
from copydetect import compare_files
from copydetect.utils import highlight_overlap

from autograder.similarity.fingerprints import fingerprint
from autograder.similarity.regions import LABELS
from autograder.similarity.sources import Document

NOTICE = (
    "This report is evidence for a person to weigh, not a verdict: a high score says "
    "that two submissions agree more than the independent pairs of this class do, not "
    "who copied, or whether anyone did. It changes no grade."
)
STYLE = """
body { font-family: sans-serif; margin: 2em; }
.notice { background: #fff4d6; border: 1px solid #d9b54a; padding: 0.7em; }
table.scores td, table.scores th { padding: 0.2em 0.8em; text-align: left; }
.side { display: flex; gap: 1em; }
.side > div { flex: 1; min-width: 0; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
.shared-a { background: #ffc9c9; }
.shared-b { background: #c9f0c9; }
.match { font-weight: bold; }
"""


def page_name(name_a: str, name_b: str) -> str:
    """File name of a pair's page (safe characters only)."""
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", f"{name_a}__{name_b}") + ".html"


def _highlighted(code: str, slices: np.ndarray, css_class: str) -> str:
    """HTML of a region with the given character slices marked (all text escaped)."""
    if slices.ndim != 2 or slices.shape[1] == 0:
        return html.escape(code)
    marked, _ = highlight_overlap(
        code, slices, f"<span class='{css_class}'>", "</span>", escape_html=True
    )
    return marked


def _side_by_side(side_a: tuple, side_b: tuple) -> str:
    """The two regions of one function, each a (Region or None, fingerprint or None)."""
    (region_a, prints_a), (region_b, prints_b) = side_a, side_b
    if prints_a is not None and prints_b is not None:
        _, _, (slices_a, slices_b) = compare_files(prints_a, prints_b)
        codes = (
            _highlighted(region_a.text, slices_a, "shared-a"),
            _highlighted(region_b.text, slices_b, "shared-b"),
        )
    else:
        codes = tuple(html.escape(region.text) if region else "" for region in (region_a, region_b))
    cells = []
    for code, region, prints in zip(codes, (region_a, region_b), (prints_a, prints_b), strict=True):
        if region is None:
            cells.append("<p><em>no such function</em></p>")
        elif prints is None:
            cells.append(f"<p><em>nothing of its own to compare (stub)</em></p><pre>{code}</pre>")
        else:
            cells.append(f"<p>from line {region.first_line}</p><pre>{code}</pre>")
    return f"<div class='side'><div>{cells[0]}</div><div>{cells[1]}</div></div>"


def pair_page(
    pair: dict, document_a: Document, document_b: Document, boilerplate: np.ndarray
) -> str:
    """The HTML page of one pair.

    Inputs:
    - pair: The pair's row (report.pair_row)
    - document_a, document_b: Its two documents
    - boilerplate: The boilerplate hashes (fingerprints.boilerplate_hashes())

    Returns:
    - A standalone HTML page
    """
    name_a, name_b = document_a.name, document_b.name
    rows, sections = [], []
    for f, label in enumerate(LABELS):
        similarity, tail, match = pair["similarity"][f], pair["tail"][f], pair["matches"][f]
        if np.isnan(similarity):
            rows.append(f"<tr><td>{label}</td><td colspan='3'>not compared</td></tr>")
        else:
            rows.append(
                f"<tr class='{'match' if match else ''}'><td>{label}</td>"
                f"<td>{similarity:.2f}</td><td>{tail:.1%}</td>"
                f"<td>{'yes' if match else ''}</td></tr>"
            )
        region_a, region_b = document_a.regions.get(label), document_b.regions.get(label)
        sections.append(
            f"<h3 id='{label}'>{label}</h3>"
            + _side_by_side(
                (region_a, fingerprint(region_a, boilerplate)),
                (region_b, fingerprint(region_b, boilerplate)),
            )
        )
    title = f"{html.escape(name_a)} and {html.escape(name_b)}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{title}</h1><p class='notice'>{NOTICE}</p>"
        f"<p>Score {pair['score']:.4f} ({'flagged' if pair['flagged'] else 'not flagged'}); "
        f"probability that independent work agrees this much on these "
        f"{pair['compared']} functions: {pair['combined']:.2e}.</p>"
        "<table class='scores'><tr><th>function</th><th>similarity (Jaccard)</th>"
        "<th>class pairs at least as similar</th><th>matches</th></tr>" + "".join(rows) + "</table>"
        f"<p>Left: {html.escape(name_a)}; right: {html.escape(name_b)}. Highlighted: "
        "fragments the two share after names, comments and layout are set aside.</p>"
        + "".join(sections)
        + "</body></html>"
    )
