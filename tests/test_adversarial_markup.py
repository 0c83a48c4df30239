"""Markup and formula attacks through the adversarial batch: what a student wrote is inert
wherever a person looks (grades.csv, canvas.csv, not_graded.csv, the feedback pages,
the gradebook, the course's notebooks, formgrader's own pages in a browser), and the
hostile submission scores exactly what the clean control scores.

The browser tests load formgrader itself (a Jupyter server in the graded course) in
headless chromium and are skipped when chromium is not installed.
"""

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from adversarial_corpus import REFERENCE, RNN_NB
from adversarial_markup import (
    ANSWERS,
    FORMULA_NAME,
    MARKED,
    NOT_GRADED_FILES,
    PAYLOADS,
    STUDENT_WORDS,
    formula_cells,
    hostile_notebook,
    live_markup,
    page_text,
)

from autograder.course.course import ASSIGNMENT, db_url
from autograder.intake.inert_notebook import rendered_markdown
from autograder.paths import NOTEBOOKS
from autograder.points import AUTOGRADED_TOTAL, ITEMS, TOTAL

HOSTILE = "sum-1-2-img-src-x-onerror-alert-1_12345"  # the Canvas name, as a student id
CONTROL = "control"
# The feedback page's own elements: anything else in it came from a submission.
FEEDBACK_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b",
                 "table", "tr", "th", "td", "code", "ul", "li"}  # fmt: skip
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def graded(adversarial_batch):
    """The adversarial batch (adversarial_batch.py), which holds these submissions."""
    return adversarial_batch.out, adversarial_batch.run


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_the_hostile_submission_scores_what_the_control_scores(graded):
    out, run = graded
    assert run.problems == [] and {CONTROL, HOSTILE} <= set(run.graded)
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for item in [*ITEMS, "autograded"]:
        assert rows[HOSTILE][item] == rows[CONTROL][item], item
    assert (
        float(rows[HOSTILE]["autograded"]) == AUTOGRADED_TOTAL and rows[CONTROL]["status"] == "ok"
    )
    # The hostile one answers the inline questions (with its payloads), for a TA to grade.
    answered = "inline_question_1_rnn, inline_question_1_lstm, inline_question_2_lstm"
    assert rows[HOSTILE]["status"] == f"ok; to grade by hand: {answered}"


def test_no_csv_holds_a_formula_and_numbers_stay_numbers(graded):
    out, _ = graded
    for name in ("grades.csv", "canvas.csv", "not_graded.csv"):
        assert formula_cells((out / name).read_text()) == [], name
    canvas = read_rows(out / "canvas.csv")
    assert ["'" + FORMULA_NAME, "12345", "", "", "", f"{AUTOGRADED_TOTAL:g}"] in canvas
    assert canvas[1][-1] == f"{TOTAL:g}"  # Points Possible, a number
    not_graded = {row[0] for row in read_rows(out / "not_graded.csv")[1:]}
    ours = {"'=HYPERLINK(1).rar", "'+cmd.7z", "'@SUM(1).txt", "'-2+3.rar", "[2Jclear.rar"}
    assert ours <= not_graded and len(ours) == len(NOT_GRADED_FILES)


def test_no_control_character_reaches_a_csv_or_the_terminal(graded, capsys):
    out, run = graded
    from autograder.grade import print_run

    print_run(run)
    printed = capsys.readouterr().out
    for text in (printed, *((out / n).read_text() for n in ("grades.csv", "not_graded.csv"))):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)


def test_feedback_pages_hold_no_live_markup_and_say_what_was_done(graded):
    out, _ = graded
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text()
        assert live_markup(text, FEEDBACK_TAGS) == [], page.name
        assert text.count("<style") == 1
    hostile = (out / "feedback" / f"{HOSTILE}.html").read_text()
    assert "your TA sees it as plain text, word for word" in hostile
    assert "was changed from markdown to code; it was changed back" in hostile


def cells_as_shown(path: Path) -> list[tuple[str, str]]:
    """(cell type, HTML formgrader puts into the page) of every non-code cell."""
    nb = nbformat.read(path, as_version=4)
    shown = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            shown.append(("markdown", rendered_markdown(cell.source, cell.get("attachments", {}))))
        elif cell.cell_type != "code":
            shown.append((cell.cell_type, cell.source))
    return shown


def test_the_courses_notebooks_hold_no_live_markup(graded):
    out, _ = graded
    course = out / "course"
    notebooks = [
        course / stage / student / ASSIGNMENT / name
        for stage in ("submitted", "autograded")
        for student in (CONTROL, HOSTILE)
        for name in NOTEBOOKS
    ]
    for path in notebooks:
        for kind, shown in cells_as_shown(path):
            assert live_markup(shown) == [], (path, kind)
        nb = nbformat.read(path, as_version=4)
        assert list(nb.metadata) == ["kernelspec"]
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                assert output.output_type in ("stream", "error", "execute_result")
                assert set(output.get("data", {})) <= {"text/plain"}


def test_the_answers_stay_readable_and_the_benign_one_untouched(graded):
    out, _ = graded
    autograded = out / "course" / "autograded" / HOSTILE / ASSIGNMENT
    answers = {}
    for name in NOTEBOOKS:
        for cell in nbformat.read(autograded / name, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in ANSWERS:
                answers[grade_id] = cell
    assert answers["inline_question_2_lstm"].source == ANSWERS["inline_question_2_lstm"]
    for grade_id in ("inline_question_1_rnn", "inline_question_1_lstm"):
        cell = answers[grade_id]
        assert cell.cell_type == "markdown"
        shown = page_text(rendered_markdown(cell.source, {}))
        assert shown.strip() == ANSWERS[grade_id]  # every word, as written


def test_the_gradebook_holds_no_markup_in_names(graded):
    out, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook(db_url(out / "course")) as gradebook:
        student = gradebook.find_student(HOSTILE)
        fields = [student.first_name, student.last_name, student.email, student.lms_user_id]
    assert "".join(filter(None, fields)) and not re.search(r"[<>]", "".join(filter(None, fields)))


# --- in a browser ---------------------------------------------------------------------


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran (headless chromium, no network but localhost)."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=5000", "--dump-dom", url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


def ran(dom: str) -> set[str]:
    """The payloads that ran: the data-xss-* attributes of the page's <html> element."""
    opening = re.search(r"<html[^>]*>", dom)
    return set(MARKED.findall(opening.group())) if opening else set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory):
    """A Jupyter server with nbgrader's formgrader in the graded course: (base URL, token)."""
    if CHROMIUM is None:
        pytest.skip("headless chromium is not installed (apt-get install chromium)")
    out, _ = graded
    home = tmp_path_factory.mktemp("jupyter")
    port, token = free_port(), "markup-test-token"
    folders = {"RUNTIME": "runtime", "DATA": "data", "CONFIG": "config"}
    env = {
        **os.environ,
        **{f"JUPYTER_{key}_DIR": str(home / name) for key, name in folders.items()},
    }
    command = [
        sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}", "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={out / 'course'}",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=out / "course", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the Jupyter server with formgrader did not start")
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def submission_url(out: Path, base: str, token: str, student: str, notebook: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(db_url(out / "course")) as gradebook:
        found = gradebook.find_submission_notebook(notebook, ASSIGNMENT, student).id
    return f"{base}/formgrader/submissions/{found}/?token={token}"


@needs_chromium
def test_formgrader_shows_the_hostile_answers_as_text_and_runs_nothing(
    graded, formgrader, tmp_path
):
    out, _ = graded
    base, token = formgrader
    for notebook in ("RNN_Captioning", "LSTM_Captioning"):
        url = submission_url(out, base, token, HOSTILE, notebook)
        dom = dump_dom(url, tmp_path / notebook)
        assert 'class="panel panel-primary nbgrader_cell"' in dom  # formgrader's own page
        assert ran(dom) == set(), notebook
        links = re.findall(r'<a [^>]*href="([^"]*)"', dom)
        assert not [
            link for link in links if re.match(r"\s*(javascript|vbscript|data):", link, re.I)
        ]
        text = page_text(dom)
        assert any(words in text for words in STUDENT_WORDS)


@needs_chromium
def test_without_the_sanitiser_formgrader_would_run_them(graded, formgrader, tmp_path):
    """The control: the same payloads, put into a course notebook as the student wrote
    them, run in the TA's browser (so the test above can see a payload that runs)."""
    out, _ = graded
    base, token = formgrader
    path = out / "course" / "autograded" / CONTROL / ASSIGNMENT / "RNN_Captioning.ipynb"
    kept = path.read_bytes()
    try:
        path.write_bytes(hostile_notebook(REFERENCE[RNN_NB], ANSWERS))
        dom = dump_dom(submission_url(out, base, token, CONTROL, "RNN_Captioning"), tmp_path)
    finally:
        path.write_bytes(kept)
    assert {"img-onerror", "script", "mermaid", "details-ontoggle", "grade-id"} <= ran(dom)
    assert len(PAYLOADS) >= 18


@needs_chromium
def test_feedback_pages_run_nothing_in_a_browser(graded, tmp_path):
    """The pages of the batch's students whose code or notebooks carry markup."""
    out, _ = graded
    for student in (HOSTILE, "markup_type_name", CONTROL):
        page = out / "feedback" / f"{student}.html"
        dom = dump_dom(page.as_uri(), tmp_path / page.stem)
        assert ran(dom) == set() and "Autograded items" in dom
