"""`python -m autograder similarity`: read, fingerprint, compare, write the report.

It only reads the submissions and writes under OUT: it changes no grade.
"""

import multiprocessing
from collections.abc import Sequence
from pathlib import Path

from autograder.similarity.fingerprints import boilerplate_hashes, filtered_code, region_hashes
from autograder.similarity.pages import page_name, pair_page
from autograder.similarity.regions import LABELS, Region
from autograder.similarity.report import (
    pair_row,
    plot_scores,
    ranking,
    summary_page,
    summary_text,
    write_csv,
)
from autograder.similarity.scores import compare
from autograder.similarity.sources import read_references, read_students

DEFAULT_THRESHOLD = 0.95
DEFAULT_JOBS = 2


def _filtered(region: Region | None) -> str | None:
    """filtered_code() of a region, None for a function the document lacks (a worker's job)."""
    return None if region is None else filtered_code(region)


class SimilarityError(Exception):
    """The input cannot be compared; the message says what to do."""


def similarity_report(
    submissions: Path,
    out: Path,
    references: Sequence[Path] = (),
    threshold: float = DEFAULT_THRESHOLD,
    jobs: int = DEFAULT_JOBS,
) -> str:
    """Compare every pair of submissions (and each with the references) and report.

    Inputs:
    - submissions: Folder of `<student_id>.zip` or `<student_id>/` submissions
    - out: Output folder: similarity.csv, similarity.html (the summary), similarity.png
      and similarity_pairs/ (named so that a grading run can share the folder)
    - references: Folders of public solutions to compare every submission with
    - threshold: Score at or above which a pair is flagged, in (0, 1)
    - jobs: Worker processes that read the submissions and tokenize their regions

    Returns:
    - The short summary the command prints
    """
    if not submissions.is_dir():
        raise SimilarityError(f"{submissions} is not a folder of submissions")
    for folder in references:
        if not folder.is_dir():
            raise SimilarityError(f"--reference {folder} is not a folder")
    if out.resolve().is_relative_to(submissions.resolve()):
        raise SimilarityError(f"--out {out} is inside {submissions}; choose a folder outside it")
    if jobs < 1:
        raise SimilarityError(f"--jobs {jobs} must be 1 or more")
    if not 0 < threshold < 1:
        raise SimilarityError(f"--threshold {threshold:g} must be between 0 and 1")
    with multiprocessing.Pool(jobs) as pool:
        students, problems = read_students(submissions, pool.map)
        if len(students) < 2:
            raise SimilarityError(
                f"{submissions} holds {len(students)} submission(s); comparing needs two or more"
            )
        documents = list(students)
        for folder in references:
            found, skipped = read_references(folder)
            documents += found
            problems += skipped
        regions = [document.regions.get(label) for label in LABELS for document in documents]
        codes = pool.map(_filtered, regions, chunksize=64)
    boilerplate = boilerplate_hashes()
    hashes = [region_hashes(code, boilerplate) for code in codes]
    comparison = compare(
        [hashes[f * len(documents) : (f + 1) * len(documents)] for f in range(len(LABELS))],
        len(students),
    )
    names = [document.name for document in documents]

    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "similarity.csv", comparison, names, threshold)
    plot_scores(out / "similarity.png", comparison, threshold)
    pages = out / "similarity_pairs"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("*.html"):  # the pages of an earlier run
        old.unlink()
    for p in ranking(comparison):
        row = pair_row(comparison, p, threshold)
        if not row["flagged"]:
            break
        name = page_name(names[row["index_a"]], names[row["index_b"]])
        document_a, document_b = documents[row["index_a"]], documents[row["index_b"]]
        (pages / name).write_text(pair_page(row, document_a, document_b, boilerplate))
    (out / "similarity.html").write_text(
        summary_page(comparison, names, threshold, len(students), problems)
    )
    return summary_text(comparison, threshold, len(students), len(documents) - len(students))
