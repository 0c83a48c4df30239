"""Batch grading end to end: nbgrader course, trusted verdicts, CSV, feedback, reruns,
parallel workers, a killed run, and nbgrader's own commands in the course."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from expected_scores import EXPECTED_LOST, expected_row, expected_total
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader_cli import run_nbgrader
from traitlets.config.loader import PyFileConfigLoader

from autograder.__main__ import main
from autograder.checks.item import KNOWN
from autograder.course.course import (
    ASSIGNMENT,
    CONFIG_FILE,
    build_course,
    course_template,
    db_url,
    read_settings,
    source_notebooks,
    update_settings,
)
from autograder.course.records import course_records
from autograder.examples import write_examples
from autograder.grade import grade_all
from autograder.paths import REPO, STUDENT_MODULES
from autograder.points import AUTOGRADED_TOTAL, INLINE_QUESTIONS, ITEMS, POINTS, TOTAL
from autograder.reports.integrity import verify
from autograder.reports.report import LEADERBOARD_COLUMNS, feedback_html, rich_text
from autograder.usage import UsageError


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_new_course_is_a_copy_of_the_template_with_its_own_secret(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert build_course(first) == build_course(second)
    template = course_template(source_notebooks())
    assert (first / "gradebook.db").read_bytes() == (template / "gradebook.db").read_bytes()
    assert not (template / "kit_settings.json").exists()
    assert read_settings(first)["skip_tag"] != read_settings(second)["skip_tag"]
    with Gradebook(db_url(second)) as gradebook:
        assert [assignment.name for assignment in gradebook.assignments] == [ASSIGNMENT]
        assert gradebook.students == []


def test_damaged_settings_are_refused_and_settings_are_written_whole(tmp_path, capsys):
    course = tmp_path / "out" / "course"
    build_course(course)
    update_settings(course, timezone="UTC")
    assert read_settings(course)["timezone"] == "UTC" and not list(course.glob(".*partial"))
    (course / "kit_settings.json").write_text('{"timezone": "UT')  # cut off by a full disk
    with pytest.raises(UsageError, match="kit_settings.json is damaged"):
        read_settings(course)
    assert main(["report", str(course.parent)]) == 2
    assert "kit_settings.json is damaged (not a JSON object)" in capsys.readouterr().err


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, Path]:
    submissions = tmp_path_factory.mktemp("submissions")
    write_examples(submissions)
    out = tmp_path_factory.mktemp("out")
    run = grade_all(submissions, out, jobs=2)
    assert run.problems == [] and sorted(run.graded) == sorted(EXPECTED_LOST)
    return submissions, out


def test_examples_score_exactly_what_they_deserve(graded):
    _, out = graded
    rows = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    assert sorted(rows) == sorted(EXPECTED_LOST)
    for student, row in rows.items():
        assert {item: float(row[item]) for item in ITEMS} == expected_row(student), student
        assert float(row["autograded"]) == expected_total(student)
        # No inline question is graded yet: the total is the autograded points.
        assert [row[question] for question in INLINE_QUESTIONS] == ["", "", ""]
        assert float(row["total"]) == float(row["autograded"])
        assert float(row["max_total"]) == TOTAL
        assert row["status"] == "ok"


def test_csv_columns_and_outputs(graded):
    _, out = graded
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == [
        "student_id",
        *ITEMS,
        "inline_question_1_rnn",
        "inline_question_1_lstm",
        "inline_question_2_lstm",
        "autograded",
        "inline_questions",
        "late",
        "days_late",
        "late_penalty",
        "total",
        "max_total",
        "status",
        "leaderboard_bleu4_rnn",
        "leaderboard_bleu4_lstm",
    ]
    assert (out / "summary.png").stat().st_size > 10_000
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == sorted(EXPECTED_LOST)


def test_leaderboard_columns_are_ungraded_bleu_scores(graded):
    _, out = graded
    rows = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    rnn, lstm = LEADERBOARD_COLUMNS["rnn"], LEADERBOARD_COLUMNS["lstm"]
    # The reference hands in both trained captioners, partial only the RNN one.
    assert 0.2 < float(rows["reference"][rnn]) <= 1 and 0.2 < float(rows["reference"][lstm]) <= 1
    assert rows["partial"][rnn] == rows["reference"][rnn] and rows["partial"][lstm] == ""
    assert rows["stubs"][rnn] == rows["stubs"][lstm] == ""
    assert len(rows["reference"][rnn].split(".")[1]) == 4  # rounded to 4 decimals
    page = (out / "feedback" / "partial.html").read_text()
    assert f"RNN captioner: BLEU-4 {rows['partial'][rnn]} on 1000 held-out images" in page
    assert "LSTM captioner: no notebooks/captioner_lstm.npz in the submission" in page
    assert "does not count towards your grade" in page


def test_canvas_export_comes_from_the_gradebook(graded):
    _, out = graded
    rows = list(csv.reader((out / "canvas.csv").read_text().splitlines()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Captioning"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == TOTAL  # + inline questions
    totals = {row[3]: float(row[5]) for row in rows[2:]}
    assert totals == {student: sum(expected_row(student).values()) for student in EXPECTED_LOST}


def test_feedback_is_actionable_and_leaks_nothing(graded):
    _, out = graded
    page = (out / "feedback" / "buggy.html").read_text()
    assert "loss_rnn" in page and rich_text(KNOWN.MISTAKES["divided by words"]) in page
    # The classic mistake is named; code is shown as code, never as literal backticks.
    assert rich_text(KNOWN.MISTAKES["gate order ifgo"]) in page
    assert "<code>make submit</code>" in page and "`" not in page
    # One page per student: the autograded items, the inline questions, the leaderboard.
    total = f"{expected_total('buggy'):g}"
    autograded = f"autograded items {total} / {AUTOGRADED_TOTAL:g}"
    assert f"Total: <b>{total} / {TOTAL:g}</b> ({autograded}, inline" in page
    for question in INLINE_QUESTIONS:
        assert f"<tr><td><code>{question}</code></td><td>not graded yet</td>" in page
    for student in EXPECTED_LOST:
        page = (out / "feedback" / f"{student}.html").read_text()
        for secret in ("BEGIN HIDDEN", "BEGIN SOLUTION", "Traceback", "autograder/", str(out)):
            assert secret not in page, (student, secret)


def test_gradebook_holds_the_trusted_scores(graded):
    _, out = graded
    with Gradebook(db_url(out / "course")) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "partial")
        grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
        assert grades["lstm_forward"].score == 0
        assert grades["loss_lstm"].score == POINTS["loss_lstm"]
        assert not any(grades[item].needs_manual_grade for item in ITEMS)


@pytest.fixture(scope="module")
def one_worker(graded, tmp_path_factory) -> Path:
    """The same batch graded by one worker: the grades of two workers must be the same."""
    submissions, _ = graded
    out = tmp_path_factory.mktemp("one")
    grade_all(submissions, out, jobs=1)
    return out


def test_one_or_two_workers_give_the_same_grades(graded, one_worker):
    _, two_workers = graded
    one = (one_worker / "grades.csv").read_text()
    assert one == (two_workers / "grades.csv").read_text()
    assert len(one.splitlines()) == 1 + len(EXPECTED_LOST)


def test_kill_9_then_rerun_gives_the_clean_grades(graded, one_worker, tmp_path):
    submissions, _ = graded
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(submissions),
            "--out",
            str(out),
            "--jobs",
            "2",
        ],
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    graded_before = len(list((out / "results").glob("*.json")))
    assert 1 <= graded_before < len(EXPECTED_LOST), "the kill should land mid-batch"
    assert not (out / "grades.csv").exists()

    grade_all(submissions, out, jobs=2)
    assert (out / "grades.csv").read_text() == (one_worker / "grades.csv").read_text()
    assert not list(out.rglob(".*.partial"))


def test_rerun_grades_only_changed_submissions_and_force_regrades(graded, tmp_path, capsys):
    submissions, out = graded
    before = (out / "grades.csv").read_text()
    assert grade_all(submissions, out, jobs=1).graded == []  # nothing changed
    assert (out / "grades.csv").read_text() == before
    # The stub student hands in the reference modules: a changed submission is regraded.
    work = tmp_path / "subs"
    shutil.copytree(submissions, work)
    shutil.copy(submissions / "reference.zip", work / "stubs.zip")
    run = grade_all(work, out, jobs=1)
    assert run.graded == ["stubs"] and run.problems == []
    assert (
        f"stubs: {AUTOGRADED_TOTAL:g}/{AUTOGRADED_TOTAL:g}" in capsys.readouterr().err
    )  # the progress bar shows the score
    rows = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    assert float(rows["stubs"]["autograded"]) == AUTOGRADED_TOTAL
    assert grade_all(work, out, jobs=1, force=True).graded == sorted(EXPECTED_LOST)
    # The older stubs.zip is never graded over the newer one without being asked to.
    run = grade_all(submissions, out, jobs=1)
    assert run.graded == [] and [item.path for item in run.not_graded] == [
        submissions / "stubs.zip"
    ]
    assert run.not_graded[0].reason.startswith("older than the submission of stubs graded before")
    grade_all(submissions, out, jobs=1, students=["stubs"])  # back to the module's state
    assert (out / "grades.csv").read_text() == before


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """The real nbgrader command line, run inside the course as an instructor would."""
    return run_nbgrader(course, *args)


def gradebook_totals(course: Path) -> dict[str, float]:
    with Gradebook(db_url(course)) as gradebook:
        return {
            s.student.id: sum(g.score for nb in s.notebooks for g in nb.grades if g.name in ITEMS)
            for s in gradebook.assignment_submissions(ASSIGNMENT)
        }


@pytest.fixture
def course_copy(graded, tmp_path) -> Path:
    """A copy of the graded course (its nbgrader_config.py rewritten for the copy)."""
    _, out = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    build_course(copy / "course", private_roots=[copy])
    return copy / "course"


def test_nbgrader_autograde_in_the_course_runs_the_trusted_pipeline(course_copy):
    """`nbgrader autograde` itself: stubs score 0, the reference full, from the sandbox."""
    submitted = course_copy / "submitted"
    for relative in STUDENT_MODULES:  # the two students swap their code
        stub = (submitted / "stubs" / ASSIGNMENT / relative).read_bytes()
        solved = (submitted / "reference" / ASSIGNMENT / relative).read_bytes()
        (submitted / "stubs" / ASSIGNMENT / relative).write_bytes(solved)
        (submitted / "reference" / ASSIGNMENT / relative).write_bytes(stub)
    done = nbgrader(course_copy, "autograde", ASSIGNMENT, "--student", "[rs]*", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Running the hidden checks in the sandbox for reference" in done.stderr
    assert "Running the hidden checks in the sandbox for stubs" in done.stderr
    totals = gradebook_totals(course_copy)
    assert totals["stubs"] == AUTOGRADED_TOTAL and totals["reference"] == 0
    assert totals["buggy"] == expected_total("buggy")  # untouched
    assert totals["partial"] == expected_total("partial")
    # The kit's outputs are now older than the gradebook, and verify says so.
    problems = verify(course_copy.parent)
    assert len(problems) == 1
    assert f"differ from the gradebook: `make report OUT={course_copy.parent}`" in problems[0]


def test_formgrader_and_nbgrader_feedback_use_the_course_configuration(course_copy):
    """formgrader's Autograde button runs NbGraderAPI with the course's nbgrader_config.py."""
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course_copy)).load_config()
    api = NbGraderAPI(config=config)
    result = api.autograde(ASSIGNMENT, "buggy", force=True, create=True)
    assert result["success"], result.get("error")
    assert gradebook_totals(course_copy)["buggy"] == expected_total("buggy")
    result = api.generate_feedback(ASSIGNMENT, "buggy", force=True)
    assert result["success"], result.get("error")
    # nbgrader's feedback of each notebook is the kit's page (autograder/exchange/feedback.py).
    records, max_total = course_records(course_copy.parent, only="buggy")
    for name in ("RNN_Captioning.html", "LSTM_Captioning.html"):
        page = (course_copy / "feedback" / "buggy" / ASSIGNMENT / name).read_text()
        assert page == feedback_html(records[0], max_total)
    assert rich_text(KNOWN.MISTAKES["gate order ifgo"]) in page
    assert "Traceback (most recent call last)" not in page and "BEGIN HIDDEN" not in page


def test_a_command_that_would_run_student_notebooks_fails_instead(course_copy):
    before = gradebook_totals(course_copy)
    done = nbgrader(
        course_copy,
        "autograde",
        ASSIGNMENT,
        "--student",
        "stubs",
        "--force",
        "--Autograde.autograde_preprocessors=['nbgrader.preprocessors.Execute',"
        "'nbgrader.preprocessors.SaveAutoGrades']",
    )
    assert done.returncode != 0
    assert "No such kernel named refused-by-the-captioning-kit" in done.stderr
    assert gradebook_totals(course_copy) == before


def zip_with(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def reference_files(submissions: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(submissions / "reference.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def notebook_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode()


def test_nbgrader_holes_and_broken_notebooks(graded, tmp_path):
    submissions, _ = graded
    ref = reference_files(submissions)
    folder = tmp_path / "submissions"
    folder.mkdir()
    with zipfile.ZipFile(submissions / "stubs.zip") as archive:
        stubs = {name: archive.read(name) for name in archive.namelist()}
    rnn_nb = "notebooks/RNN_Captioning.ipynb"
    lstm_nb = "notebooks/LSTM_Captioning.ipynb"

    # Stub code, test cells tagged skip-execution, numpy monkeypatched in the notebook.
    cheat = nbformat.reads(stubs[rnn_nb].decode(), as_version=4)
    for cell in cheat.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["tags"] = ["skip-execution"]
    cheat.cells.insert(
        0, nbformat.v4.new_code_cell("import numpy as np\nnp.allclose = lambda *a, **k: True")
    )
    patched_layers = stubs["cs231n/rnn_layers.py"] + b"\nnp.allclose = lambda *a, **k: True\n"
    zip_with(
        folder / "cheater.zip",
        {**stubs, rnn_nb: notebook_bytes(cheat), "cs231n/rnn_layers.py": patched_layers},
    )

    # The reference code with every grade cell deleted from the notebooks.
    deleted = {}
    for name in (rnn_nb, lstm_nb):
        nb = nbformat.reads(ref[name].decode(), as_version=4)
        nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
        deleted[name] = notebook_bytes(nb)
    zip_with(folder / "deleter.zip", {**ref, **deleted})

    # The reference code with one notebook missing and the other not JSON, in a folder
    # wrapped in one top-level directory as LMS exports do.
    zip_with(
        folder / "broken.zip",
        {f"captioning/{k}": v for k, v in ref.items() if k != lstm_nb}
        | {f"captioning/{rnn_nb}": b"{not json"},
    )

    out = tmp_path / "out"
    grade_all(folder, out, jobs=1)
    rows = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    assert float(rows["cheater"]["total"]) == 0
    assert float(rows["deleter"]["total"]) == AUTOGRADED_TOTAL
    assert float(rows["broken"]["total"]) == AUTOGRADED_TOTAL
    assert rows["broken"]["status"] == (
        f"{rnn_nb} is not a valid notebook (JSON); {lstm_nb} is missing"
    )
    result = json.loads((out / "results" / "broken.json").read_text())
    assert result["problems"] == [
        f"{rnn_nb} is not a valid notebook (JSON)",
        f"{lstm_nb} is missing",
    ]
