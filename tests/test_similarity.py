"""The similarity report: regions, fingerprints, calibrated scores, outputs, command.

The corpus (tests/similarity_corpus/) holds eight independent solutions written in
different styles, a public solution of the layers, disguised copies of them (renamed
variables, reordered statements, comments changed or stripped, all of it at once, the
RNN half only, the public layers) and a student whose one function is a classmate's.
"""

import csv
import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.__main__ import main
from autograder.paths import REPO, SOURCE, STUDENT_MODULES
from autograder.release.stubs import strip_markers
from autograder.similarity import scores
from autograder.similarity.corpus import fill_regions, parse_bodies, write_submission
from autograder.similarity.fingerprints import (
    boilerplate_hashes,
    filtered_code,
    region_hashes,
)
from autograder.similarity.pages import NOTICE
from autograder.similarity.regions import LABELS, LAYERS, Region, extract_regions
from autograder.similarity.report import CSV_COLUMNS
from autograder.similarity.run import SimilarityError, similarity_report

CORPUS = REPO / "tests" / "similarity_corpus"
INDEPENDENT = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
REFERENCE = "public/assignment3/cs231n/rnn_layers.py"
# Pairs that must be flagged: every disguised copy of a whole solution or of its half.
COPIES = {
    ("alice", "copy_renamed"),
    ("bob", "copy_reordered"),
    ("carol", "copy_comments"),
    ("copy_everything", "frank"),
    ("copy_partial", "grace"),
    ("copy_public", REFERENCE),
}
# heidi copied one function of dave's: it must match, but one function is not enough.
ONE_FUNCTION = ("dave", "heidi")


def hashes_of(code: str) -> set | None:
    return region_hashes(filtered_code(Region(code, 1)), boilerplate_hashes())


def read_csv(path: Path) -> tuple[str, list[dict]]:
    """The header line and the rows of a CSV file (the header is its first line)."""
    lines = path.read_text().splitlines()
    return lines[0], list(csv.DictReader(lines))


# Regions


def test_release_stubs_have_twelve_unimplemented_regions():
    regions = {}
    for module in STUDENT_MODULES:
        regions.update(extract_regions((REPO / module).read_text()))
    assert sorted(regions) == sorted(LABELS)
    assert not any(region.implemented for region in regions.values())


def test_solved_regions_are_implemented_and_hold_only_the_region():
    text = strip_markers((SOURCE / LAYERS).read_text())
    region = extract_regions(text)["rnn_step_forward"]
    assert region.implemented
    assert "np.tanh" in region.text
    assert "START OF YOUR CODE" not in region.text and "return next_h" not in region.text
    assert text.splitlines()[region.first_line - 1] == region.text.splitlines()[0]


def test_region_without_markers_is_the_body_after_the_docstring():
    text = (
        "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
        '    """Docstring\n    over lines."""\n'
        "    next_h = np.tanh(x @ Wx)\n"
        "    # ######## END OF YOUR CODE ########\n"
        "    return next_h, None\n"
        "def word_embedding_forward(x, W):\n"
        "    out = W[x]  syntax error here (\n"
    )
    regions = extract_regions(text)
    assert regions["rnn_step_forward"].text == "    next_h = np.tanh(x @ Wx)\n"
    assert regions["rnn_step_forward"].first_line == 4
    assert "W[x]" in regions["word_embedding_forward"].text
    assert "lstm_forward" not in regions


def test_stub_statements_and_comments_are_not_an_implementation():
    assert not Region("    # YOUR CODE HERE\n    pass\n\n    ...\n", 1).implemented
    assert Region("    out = W[x]\n", 1).implemented


def test_fill_regions_and_extract_regions_are_inverses():
    bodies = parse_bodies((CORPUS / "alice.txt").read_text())
    text = fill_regions((REPO / LAYERS).read_text(), LAYERS, bodies)
    regions = extract_regions(text)
    for label in ("rnn_step_forward", "lstm_backward"):
        dedented = "\n".join(line[4:] for line in regions[label].text.splitlines())
        assert dedented.strip() == bodies[label].strip()
    assert "def rnn_step_forward(" in text and "raise NotImplementedError" not in text


# Fingerprints


def test_names_comments_and_layout_do_not_change_fingerprints():
    one = hashes_of("    a = x @ Wx + prev_h @ Wh + b\n    next_h = np.tanh(a)\n")
    other = hashes_of(
        "    # the affine part\n    act   = inp @ W_in + h_old @ W_hid + bias  # sum\n\n"
        "    h_new = np.tanh(act)\n"
    )
    assert one and one == other
    assert hashes_of("    a = x.dot(Wx) + prev_h.dot(Wh) + b\n    next_h = np.tanh(a)\n") != one


def test_stubs_and_release_code_leave_nothing_to_compare():
    assert hashes_of("    # YOUR CODE HERE\n    raise NotImplementedError()\n") is None
    # Lines the release itself provides are boilerplate.
    assert (
        hashes_of("    captions_in = captions[:, :-1]\n    captions_out = captions[:, 1:]\n")
        is None
    )


# Scores


def test_jaccard_matrix_counts_shared_fingerprints(monkeypatch):
    sets = [{1, 2, 3, 4}, {3, 4, 5}, None, {9}, {1, 2, 3, 4}]
    expected = np.array(
        [
            [np.nan, 2 / 5, np.nan, 0, 1],
            [2 / 5, np.nan, np.nan, 0, 2 / 5],
            [np.nan] * 5,
            [0, 0, np.nan, np.nan, 0],
            [1, 2 / 5, np.nan, 0, np.nan],
        ]
    )
    np.testing.assert_allclose(scores.jaccard_matrix(sets), expected)
    monkeypatch.setattr(scores, "BLOCK", 2)  # columns split over several blocks
    np.testing.assert_allclose(scores.jaccard_matrix(sets), expected)


def test_tail_values_count_the_class_pairs_at_least_as_similar():
    similarity = np.array([[0.0], [0.5], [0.5], [1.0], [np.nan], [1.0], [0.2]])
    is_class_pair = np.array([True, True, True, True, True, False, False])
    tail = scores.tail_values(similarity, is_class_pair)[:, 0]
    # Class pairs: 4 compared; a reference pair joins them (+1 above and below).
    np.testing.assert_allclose(tail, [1.0, 0.75, 0.75, 0.25, np.nan, 2 / 5, 4 / 5])


def test_fisher_combination_matches_the_chi_square_survival_function():
    p, q = 0.01, 0.2
    combined = scores.fisher_combined(np.array([[p, np.nan], [p, p], [p, q], [np.nan, np.nan]]))
    x_half = -math.log(p * q)
    expected = [p, p * p * (1 - 2 * math.log(p)), math.exp(-x_half) * (1 + x_half), 1.0]
    np.testing.assert_allclose(combined, expected, rtol=1e-12)
    tiny = scores.fisher_combined(np.full((1, 12), 1e-6))
    assert 0 < tiny[0] < 1e-40


def test_a_function_everyone_writes_alike_counts_for_little():
    # 20 students: on "forced" all are identical, on "varied" all differ but 0 and 1.
    students = 20
    forced = [{1, 2, 3}] * students
    varied = [{100 + 10 * i + k for k in range(5)} for i in range(students)]
    varied[1] = set(varied[0])
    comparison = scores.compare([forced, forced, forced], students)
    assert comparison.score.max() == 0.0
    comparison = scores.compare([forced, varied, forced], students)
    top = np.argmin(comparison.combined)
    assert tuple(comparison.pairs[top]) == (0, 1)
    assert comparison.matches[top].tolist() == [False, True, False]
    comparison = scores.compare([varied, varied, varied], students)
    assert comparison.score[top] > 0.95
    assert np.sort(comparison.score)[-2] == 0.0


# The corpus, end to end


def write_corpus_class(folder: Path) -> tuple[Path, Path]:
    """The corpus as a class (zips and folders, as LMS exports mix them) and a reference."""
    submissions = folder / "submissions"
    for path in sorted(CORPUS.glob("*.txt")):
        if path.stem == "public_rnn_layers":
            continue
        student = write_submission(submissions / path.stem, parse_bodies(path.read_text()))
        if path.stem.startswith("copy_") or path.stem in ("alice", "bob"):
            with zipfile.ZipFile(submissions / f"{path.stem}.zip", "w") as archive:
                for module in STUDENT_MODULES:  # inside one top folder, as LMS zips are
                    archive.write(student / module, f"{path.stem}/{module}")
            shutil.rmtree(student)
    public = folder / "public" / "assignment3" / "cs231n"
    public.mkdir(parents=True)
    (public / "rnn_layers.py").write_text((CORPUS / "public_rnn_layers.txt").read_text())
    (public / "notes.py").write_text("print('no TODO function here')\n")
    return submissions, folder / "public"


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("similarity")
    submissions, public = write_corpus_class(folder)
    out = folder / "out"
    text = similarity_report(submissions, out, [public], jobs=2)
    header, rows = read_csv(out / "similarity.csv")
    pairs = {(row["student_a"], row["student_b"]): row for row in rows}
    return {"out": out, "text": text, "header": header, "rows": rows, "pairs": pairs}


def test_every_disguised_copy_is_flagged_and_nothing_else(corpus_report):
    flagged = {pair for pair, row in corpus_report["pairs"].items() if row["flagged"] == "yes"}
    assert flagged == COPIES
    independent = [
        float(row["score"])
        for (a, b), row in corpus_report["pairs"].items()
        if {a, b} <= set(INDEPENDENT) | {REFERENCE} and (a, b) != ONE_FUNCTION
    ]
    assert len(independent) == 8 * 7 // 2 - 1 + 8  # all but heidi and dave, and the reference
    assert max(independent) < 0.5
    for pair in COPIES:
        assert float(corpus_report["pairs"][pair]["score"]) >= 0.95


def test_one_copied_function_matches_without_flagging_the_pair(corpus_report):
    row = corpus_report["pairs"][ONE_FUNCTION]
    assert row["flagged"] == "no"
    assert row["matching_functions"] == "lstm_step_backward"


def test_matching_functions_and_compared_counts(corpus_report):
    pairs = corpus_report["pairs"]
    assert pairs[("alice", "copy_renamed")]["matching_functions"].split("; ") == list(LABELS)
    partial = pairs[("copy_partial", "grace")]
    assert partial["functions_compared"] == "6"  # its LSTM and model stubs never count
    assert set(partial["matching_functions"].split("; ")) == set(LABELS[:6])
    public = pairs[("copy_public", REFERENCE)]
    assert public["b_is_reference"] == "yes" and public["functions_compared"] == "10"


def test_untouched_stubs_never_match(corpus_report):
    for (a, b), row in corpus_report["pairs"].items():
        if "untouched_1" in (a, b) or "untouched_2" in (a, b):
            assert (row["score"], row["functions_compared"], row["matching_functions"]) == (
                "0.0000",
                "0",
                "",
            )


def test_csv_is_plain_and_covers_every_pair(corpus_report):
    students = len(list(CORPUS.glob("*.txt"))) - 1
    assert corpus_report["header"].split(",") == CSV_COLUMNS  # no comment line before it
    assert len(corpus_report["rows"]) == students * (students - 1) // 2 + students
    scores_ = [float(row["score"]) for row in corpus_report["rows"]]
    assert scores_ == sorted(scores_, reverse=True)
    assert all(0 <= score <= 1 for score in scores_)
    assert "not a verdict" in NOTICE  # said on the HTML page (test_summary_page_...)


def test_a_page_per_flagged_pair_with_the_code_side_by_side(corpus_report):
    pages = corpus_report["out"] / "similarity_pairs"
    assert len(list(pages.glob("*.html"))) == len(COPIES)
    page = (pages / "bob__copy_reordered.html").read_text()
    assert NOTICE in page
    assert page.count("<h3 id=") == len(LABELS)
    assert "<span class='shared-a'>" in page and "<span class='shared-b'>" in page
    assert "cache[&#34;h_next&#34;]" in page  # student code is escaped
    partial = (pages / "copy_partial__grace.html").read_text()
    assert partial.count("nothing of its own to compare (stub)") == 6


def test_summary_page_plot_and_printed_summary(corpus_report):
    out = corpus_report["out"]
    summary = (out / "similarity.html").read_text()
    assert NOTICE in summary
    assert f"<b>{len(COPIES)} flagged</b> at a score of 0.95 or more" in summary
    assert summary.count("<a href='similarity_pairs/") == len(COPIES)
    assert (out / "similarity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{len(COPIES)} flagged at score >= 0.95" in corpus_report["text"]
    assert NOTICE in corpus_report["text"]


def test_results_do_not_depend_on_the_hash_salt_or_the_workers(corpus_report, tmp_path):
    submissions, public = write_corpus_class(tmp_path)
    environment = dict(os.environ, PYTHONHASHSEED="12345")
    command = [sys.executable, "-m", "autograder", "similarity", str(submissions)]
    command += ["--out", str(tmp_path / "out"), "--reference", str(public), "--jobs", "1"]
    subprocess.run(command, cwd=REPO, env=environment, check=True, capture_output=True)
    assert read_csv(tmp_path / "out" / "similarity.csv")[1] == corpus_report["rows"]


# The command's input checks


def run_command(args: list[str], capsys) -> tuple[int, str]:
    status = main(["similarity", *args])
    captured = capsys.readouterr()
    return status, captured.err


def test_bad_input_gets_a_one_line_message(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    write_submission(tmp_path / "class" / "only", {})
    cases = {
        (str(tmp_path / "missing"), "--out", str(tmp_path / "o")): "is not a folder",
        (str(tmp_path / "class"), "--out", str(tmp_path / "o")): "holds 1 submission(s)",
        (str(tmp_path / "class"), "--out", str(tmp_path / "class" / "o")): "inside",
        (str(tmp_path / "class"), "--out", "o", "--reference", "nope"): "--reference nope",
        (str(tmp_path / "class"), "--out", "o", "--threshold", "1.5"): "between 0 and 1",
        (str(tmp_path / "class"), "--out", "o", "--jobs", "0"): "--jobs 0",
    }
    for args, message in cases.items():
        status, error = run_command(list(args), capsys)
        assert status == 2
        assert message in error and error.count("\n") == 1, error
    assert not (tmp_path / "class" / "o").exists()


def test_unusable_files_are_reported_and_skipped(tmp_path):
    submissions = tmp_path / "class"
    for name in ("alice", "bob"):
        write_submission(submissions / name, parse_bodies((CORPUS / f"{name}.txt").read_text()))
    (submissions / "bob" / LAYERS).write_bytes(b"\xff\xfe not utf-8")
    (submissions / "carol.zip").write_bytes(b"PK not a zip")
    public = tmp_path / "public"
    public.mkdir()
    (public / "latin1.py").write_bytes(b"def rnn_forward(x):\n    return '\xe9'\n")
    text = similarity_report(submissions, tmp_path / "out", [public], jobs=1)
    assert "3 submissions, 0 reference files, 3 pairs compared" in text
    summary = (tmp_path / "out" / "similarity.html").read_text()
    assert f"bob: {LAYERS} is not UTF-8 text" in summary
    assert "public/latin1.py: not UTF-8 text, skipped" in summary
    assert "carol: carol.zip is not a readable zip file" in summary
    assert "notebooks/" not in summary  # notebooks are not compared, so not missed
    _, rows = read_csv(tmp_path / "out" / "similarity.csv")
    compared = {(row["student_a"], row["student_b"]): row["functions_compared"] for row in rows}
    assert compared == {("alice", "bob"): "2", ("alice", "carol"): "0", ("bob", "carol"): "0"}


def test_similarity_error_is_raised_for_a_file_as_submissions(tmp_path):
    (tmp_path / "file.zip").write_text("")
    with pytest.raises(SimilarityError, match="is not a folder"):
        similarity_report(tmp_path / "file.zip", tmp_path / "out")
