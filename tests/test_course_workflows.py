"""OUT is a course: batches accumulate, manual grades survive regrades and failures,
one student regrades alone, a copied notebook cell costs nothing, and an LMS download
(Canvas, Moodle, Blackboard names, a roster, lateness) is graded as the LMS meant it."""

import copy
import csv
import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from canvas_import import CanvasCourse, import_like_canvas
from expected_scores import expected_total
from nbgrader.api import Gradebook
from zips import read_zip, write_zip

import autograder.course.worker
from autograder.__main__ import main, run_status
from autograder.course.course import ASSIGNMENT, db_url, update_settings
from autograder.examples import write_examples
from autograder.grade import grade_all, print_run
from autograder.points import AUTOGRADED_TOTAL, TOTAL
from autograder.reports.integrity import verify
from autograder.usage import UsageError

LSTM_NB = "notebooks/LSTM_Captioning.ipynb"
FORGET = "The forget gate multiplies the gradient of the cell state at every step."


def rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def canvas_rows(out: Path) -> dict[str, list[str]]:
    """canvas.csv rows by student name (first column), without the points row."""
    with open(out / "canvas.csv", newline="") as handle:
        return {row[0]: row for row in list(csv.reader(handle))[2:]}


def grade_as_ta(out: Path, student: str, cell: str, score: float, comment: str | None = None):
    """What a TA does in formgrader: a manual score (and a comment) on one cell, which
    clears the cell's "needs manual grade" flag as formgrader's grade API does."""
    with Gradebook(db_url(out / "course")) as gradebook:
        notebooks = gradebook.find_assignment(ASSIGNMENT).notebooks
        notebook = next(nb.name for nb in notebooks if cell in {c.name for c in nb.grade_cells})
        grade = gradebook.find_grade(cell, notebook, ASSIGNMENT, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        if comment is not None:
            gradebook.find_comment(cell, notebook, ASSIGNMENT, student).manual_comment = comment
        gradebook.db.commit()


def with_answer(files: dict[str, bytes], question: str, answer: str) -> dict[str, bytes]:
    """The submission with another answer typed into an inline question's cell."""
    nb = nbformat.reads(files[LSTM_NB].decode(), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == question)
    cell.source = answer
    return {**files, LSTM_NB: nbformat.writes(nb).encode()}


def manual_scores(out: Path, student: str) -> dict[str, float | None]:
    with Gradebook(db_url(out / "course")) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {g.name: g.manual_score for nb in submission.notebooks for g in nb.grades}


def with_copied_answer_cell(files: dict[str, bytes]) -> dict[str, bytes]:
    """The submission with an inline-answer cell copied and pasted, metadata and all."""
    nb = nbformat.reads(files[LSTM_NB].decode(), as_version=4)
    index = next(
        i
        for i, cell in enumerate(nb.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1_lstm"
    )
    pasted = copy.deepcopy(nb.cells[index])
    pasted.source = "Second thoughts: the forget gate scales the gradient."
    nb.cells.insert(index + 1, pasted)
    return {**files, LSTM_NB: nbformat.writes(nb).encode()}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("course")
    examples = {path.stem: path for path in write_examples(root / "examples")}
    first, second, out = root / "first", root / "second", root / "out"
    first.mkdir()
    second.mkdir()
    for student, example in {"alice": "reference", "bob": "stubs"}.items():
        shutil.copy(examples[example], first / f"{student}.zip")
    answered = with_answer(read_zip(examples["reference"]), "inline_question_1_lstm", FORGET)
    write_zip(first / "carol.zip", answered)
    run1 = grade_all(first, out, jobs=2)
    # The TA grades in formgrader: inline answers, and an override of an autograded cell.
    grade_as_ta(out, "alice", "inline_question_1_rnn", 1, "Right: `diag(1 - h**2)`")
    grade_as_ta(out, "carol", "inline_question_1_lstm", 1, "Good")
    grade_as_ta(out, "carol", "inline_question_2_lstm", 0.5, "Half: say why sigmoid")
    grade_as_ta(out, "bob", "rnn_step_forward", 2)
    # A later batch: carol resubmits with a copied answer cell; dave is new.
    write_zip(second / "carol.zip", with_copied_answer_cell(answered))
    shutil.copy(examples["partial"], second / "dave.zip")
    run2 = grade_all(second, out, jobs=1)
    return SimpleNamespace(out=out, first=first, second=second, run1=run1, run2=run2)


def test_a_second_batch_adds_and_updates_and_never_drops(course):
    out = course.out
    assert sorted(course.run1.graded) == ["alice", "bob", "carol"]
    assert course.run2.graded == ["carol", "dave"] and course.run2.problems == []
    graded = rows(out / "grades.csv")
    assert sorted(graded) == ["alice", "bob", "carol", "dave"]
    totals = {student: float(row["total"]) for student, row in graded.items()}
    assert totals == {
        "alice": AUTOGRADED_TOTAL + 1,  # the TA's grades: 1 for an inline answer
        "bob": 2,  # the TA's override of rnn_step_forward
        "carol": AUTOGRADED_TOTAL + 1 + 0.5,
        "dave": expected_total("partial"),
    }
    assert graded["bob"]["rnn_step_forward"] == "2"  # the TA's override, in grades.csv too
    assert graded["carol"]["inline_question_2_lstm"] == "0.5"
    canvas = {row[3]: float(row[5]) for row in canvas_rows(out).values()}
    assert canvas == totals  # canvas.csv, grades.csv and the gradebook agree
    assert verify(out) == []


def test_a_copied_cell_costs_nothing_and_keeps_the_manual_grades(course):
    out = course.out
    row = rows(out / "grades.csv")["carol"]
    assert float(row["autograded"]) == AUTOGRADED_TOTAL
    assert row["status"] == "ok"  # the answer the TA graded is the one graded now
    manual = manual_scores(out, "carol")
    assert manual["inline_question_1_lstm"] == 1 and manual["inline_question_2_lstm"] == 0.5
    page = (out / "feedback" / "carol.html").read_text()
    assert "What happened to your notebooks" in page
    assert "LSTM_Captioning.ipynb: cell <code>inline_question_1_lstm</code> appears 2 times" in page
    assert "Half: say why sigmoid" in page  # the TA's comment, on the one page
    assert "<tr><td><code>inline_question_2_lstm</code></td><td>0.5 / 1</td>" in page


def test_one_student_regrades_alone_and_keeps_the_manual_grades(course):
    out = course.out
    results = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    run = grade_all(course.first, out, students=["alice"])
    assert run.graded == ["alice"] and run.problems == [] and run_status(run) == 0
    after = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert [s for s in results if results[s] != after[s]] == ["alice"]
    assert manual_scores(out, "alice")["inline_question_1_rnn"] == 1
    page = (out / "feedback" / "alice.html").read_text()
    assert "Right: <code>diag(1 - h**2)</code>" in page
    assert float(rows(out / "grades.csv")["alice"]["total"]) == AUTOGRADED_TOTAL + 1


def test_a_notebook_nbgrader_refuses_costs_only_its_inline_answers(course, monkeypatch):
    out = course.out
    calls = []
    real = autograder.course.worker.autograde

    def refuses_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("nbgrader autograde failed: ValidationError: grade_id is empty")
        return real(*args, **kwargs)

    monkeypatch.setattr(autograder.course.worker, "autograde", refuses_once)
    run = grade_all(course.first, out, students=["alice"])
    assert len(calls) == 2 and run.problems == [] and run_status(run) == 0
    row = rows(out / "grades.csv")["alice"]
    assert float(row["autograded"]) == AUTOGRADED_TOTAL and row["inline_question_1_rnn"] == "1"
    page = (out / "feedback" / "alice.html").read_text()
    assert (
        "RNN_Captioning.ipynb: nbgrader could not take it (nbgrader autograde failed: "
        "ValidationError: grade_id is empty); the unanswered release copy stood in"
    ) in page


def test_a_failed_grading_keeps_the_manual_grades(course, monkeypatch):
    out = course.out

    def broken(*args, **kwargs):
        raise RuntimeError("nbgrader autograde failed: the gradebook is locked")

    monkeypatch.setattr(autograder.course.worker, "autograde", broken)
    run = grade_all(course.first, out, students=["alice"])
    assert run_status(run) == 1
    row = rows(out / "grades.csv")["alice"]
    assert row["status"].startswith("grading failed: RuntimeError: nbgrader autograde failed")
    assert float(row["autograded"]) == 0 and row["inline_question_1_rnn"] == "1"
    assert manual_scores(out, "alice")["inline_question_1_rnn"] == 1
    assert verify(out) == []  # a failure is recorded consistently everywhere
    page = (out / "feedback" / "alice.html").read_text()
    assert "Grading failed" in page and "Right: <code>diag(1 - h**2)</code>" in page
    monkeypatch.undo()
    run = grade_all(course.first, out)  # a failed student is retried by the next run
    assert run.graded == ["alice"]
    assert float(rows(out / "grades.csv")["alice"]["total"]) == AUTOGRADED_TOTAL + 1
    # carol's first submission is older than her resubmission: never graded over it.
    again = f"make grade SUBMISSIONS={course.first} OUT={out} STUDENT=carol"
    assert {item.path.name: item.reason for item in run.not_graded} == {
        "carol.zip": f"older than the submission of carol graded before ({course.second}/carol.zip)"
        f"; `{again}` grades it anyway"
    }
    assert run_status(run) == 0  # an older copy, superseded: nothing was left ungraded
    assert float(rows(out / "grades.csv")["carol"]["total"]) == AUTOGRADED_TOTAL + 1.5


def test_a_gradebook_that_cannot_be_zeroed_stops_only_that_student(course, monkeypatch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(course.out, out)

    def locked(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(autograder.course.worker, "autograde", locked)
    monkeypatch.setattr(autograder.course.worker, "zero_autograded", locked)
    run = grade_all(course.first, out, students=["alice", "bob"])
    assert run.graded == ["alice", "bob"] and run_status(run) == 1
    status = rows(out / "grades.csv")["bob"]["status"]
    assert status.startswith("grading failed: RuntimeError: database is locked")
    assert "the gradebook could not be zeroed either: RuntimeError: database is locked" in status


def test_grading_in_formgrader_then_report_rewrites_every_output(course, capsys):
    out = course.out
    grade_as_ta(out, "dave", "inline_question_1_rnn", 1, "ok")
    problems = verify(out)
    assert len(problems) == 1
    assert f"differ from the gradebook: `make report OUT={out}` rewrites them" in problems[0]
    assert main(["report", str(out)]) == 0
    assert float(rows(out / "grades.csv")["dave"]["total"]) == expected_total("partial") + 1
    assert float(canvas_rows(out)["dave"][5]) == expected_total("partial") + 1
    assert verify(out) == []
    assert "problem:" not in capsys.readouterr().out


def test_a_resubmitted_answer_makes_its_manual_grade_stale_until_a_ta_grades_it(
    course, tmp_path, capsys
):
    out, third = course.out, tmp_path / "third"
    third.mkdir()
    answer = "Because the sigmoid keeps every gate between 0 and 1."
    changed = with_answer(read_zip(course.first / "carol.zip"), "inline_question_2_lstm", answer)
    write_zip(third / "carol.zip", changed)
    write_zip(
        third / "erin.zip", with_answer(changed, "inline_question_2_lstm", "YOUR ANSWER HERE")
    )
    run = grade_all(third, out)
    assert run.graded == ["carol", "erin"] and run_status(run) == 1
    assert run.problems == [
        "carol: inline_question_2_lstm graded by hand for an earlier answer (the student "
        f"resubmitted): grade again in formgrader, then `make report OUT={out}`"
    ]
    row = rows(out / "grades.csv")["carol"]
    assert row["inline_question_2_lstm"] == "0.5"  # the TA's, until a TA grades it again
    assert row["status"] == "ok; manual grade given to an earlier answer: inline_question_2_lstm"
    page = (out / "feedback" / "carol.html").read_text()
    assert "0.5 / 1 (given to your earlier answer; to be graded again)" in page
    # erin answered one question (the other is unanswered: nbgrader gives it 0 itself).
    assert rows(out / "grades.csv")["erin"]["status"] == (
        "ok; to grade by hand: inline_question_1_lstm"
    )
    print_run(run)
    assert (
        "to grade by hand: 1 inline answer(s) of 1 student(s), 1 points that grades.csv and "
        "canvas.csv count as 0 until a TA grades them in formgrader (their status in "
        f"grades.csv says which); then `make report OUT={out}`"
    ) in capsys.readouterr().out
    assert main(["verify", str(out)]) == 1
    assert "graded by hand for an earlier answer" in capsys.readouterr().out
    grade_as_ta(out, "carol", "inline_question_2_lstm", 1, "Right")
    grade_as_ta(out, "erin", "inline_question_1_lstm", 1)
    assert main(["report", str(out)]) == 0 and verify(out) == []
    # Regraded as it is, the answer the TA graded is unchanged: nothing is stale.
    run = grade_all(third, out, students=["carol"])
    assert run.problems == [] and run_status(run) == 0
    assert rows(out / "grades.csv")["carol"]["inline_question_2_lstm"] == "1"


@pytest.fixture(scope="module")
def lms(tmp_path_factory) -> SimpleNamespace:
    """An LMS download of four students, each in another LMS's naming, and a Canvas roster."""
    root = tmp_path_factory.mktemp("lms")
    examples = {path.stem: path for path in write_examples(root / "examples")}
    folder = root / "download"
    folder.mkdir()
    reference = read_zip(examples["reference"])
    for number, (name, data) in enumerate(sorted(reference.items())):  # Canvas, loose files
        (folder / f"smithjohn_12345_{600 + number}_{Path(name).name}").write_bytes(data)
    shutil.copy(examples["stubs"], folder / "müllerjürgen_LATE_34567_700_submission.zip")
    shutil.copy(examples["reference"], folder / "müllerjürgen_LATE_34567_705_submission-1.zip")
    attempt = "HW3_jdoe_attempt_2024-10-03-09-30-00"
    shutil.copy(examples["reference"], folder / f"{attempt}_captioning.zip")
    (folder / f"{attempt}.txt").write_text("Name: John Doe (jdoe)\nAssignment: HW3\n")
    moodle = folder / "Jane Roe_998877_assignsubmission_file_"
    moodle.mkdir()
    shutil.copy(examples["partial"], moodle / "captioning.zip")
    (folder / "notes.txt").write_text("grading notes")
    roster = root / "canvas_export.csv"
    roster.write_text(  # Canvas's export: an assignment per column, its points below
        "Student,ID,SIS User ID,SIS Login ID,Section,HW1 Warm-up (11111),"
        "HW3 Image Captioning (98765),Current Score,Final Score\n"
        f"    Points Possible,,,,,10.00,{TOTAL:.2f},(read only),(read only)\n"
        '"Smith, John",12345,S1,jsmith,Lab A,9,,90,90\n'
        '"Müller, Jürgen",34567,S3,jmuller,Lab B,10,,100,100\n'
    )
    out = root / "out"
    run = grade_all(
        folder, out, jobs=2, roster=roster, due="2024-10-01 12:00", late_penalty=0.1, timezone="UTC"
    )
    return SimpleNamespace(out=out, run=run, folder=folder)


def test_an_lms_download_is_graded_as_the_lms_meant_it(lms):
    graded = rows(lms.out / "grades.csv")
    autograded = {student: float(row["autograded"]) for student, row in graded.items()}
    assert autograded == {
        "smithjohn_12345": AUTOGRADED_TOTAL,  # four loose files of one Canvas student
        "mullerjurgen_34567": AUTOGRADED_TOTAL,  # accents; the resubmission (the reference) wins
        "jdoe": AUTOGRADED_TOTAL,  # Blackboard
        "jane-roe_998877": expected_total("partial"),  # Moodle, a folder holding the zip
    }
    assert lms.run.problems == []
    not_graded = {item.path.name: item.reason for item in lms.run.not_graded}
    assert not_graded == {
        "müllerjürgen_LATE_34567_700_submission.zip":
            "superseded by the later upload müllerjürgen_LATE_34567_705_submission-1.zip",
        "notes.txt": "a single file is not a submission: a submission is <student_id>.zip, "
        "<student_id>.tar.gz or a folder <student_id>/ (or an LMS download)",
    }  # fmt: skip
    listed = (lms.out / "not_graded.csv").read_text().splitlines()
    assert listed[0] == "file,reason" and len(listed) == 3
    assert run_status(lms.run) == 3  # graded and consistent, but files were not graded


def test_canvas_imports_canvas_csv_into_the_rosters_assignment(lms):
    course = CanvasCourse(
        assignments={"11111": "HW1 Warm-up", "98765": "HW3 Image Captioning"},
        user_ids={"12345", "34567"},
        sis_login_ids={"jsmith": "12345", "jmuller": "34567"},
    )
    imported = import_like_canvas((lms.out / "canvas.csv").read_text(), course)
    assert imported.columns == {"HW3 Image Captioning (98765)": "98765"}  # no new assignment
    assert imported.points_possible == {"HW3 Image Captioning (98765)": f"{TOTAL:g}"}
    totals = {row["student_id"]: row["total"] for row in rows(lms.out / "grades.csv").values()}
    assert imported.scores == {
        "12345": {"HW3 Image Captioning (98765)": totals["smithjohn_12345"]},
        "34567": {"HW3 Image Captioning (98765)": totals["mullerjurgen_34567"]},
    }
    # Not in the Canvas roster: their rows name them by SIS login, which Canvas does not know.
    assert sorted(row[2] for row in imported.unmatched) == ["jane-roe_998877", "jdoe"]


def test_the_canvas_column_is_the_one_named_or_refused_when_unclear(lms, tmp_path):
    roster = tmp_path / "two_captionings.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Captioning A (1),Captioning B (2)\n"
        '"Smith, John",12345,S1,jsmith,Lab A,,\n'
    )
    with pytest.raises(
        UsageError, match=r'2 assignment columns .* CANVAS_COLUMN="<title> \(<id>\)"'
    ):
        grade_all(lms.folder, tmp_path / "out", roster=roster)
    assert not (tmp_path / "out" / "course" / "kit_settings.json").exists()  # nothing kept
    # Named by its title or id, the roster's own header goes into canvas.csv.
    out = tmp_path / "copy"
    shutil.copytree(lms.out, out)
    update_settings(out / "course", roster=str(roster), canvas_column="2")
    assert main(["report", str(out)]) == 0
    assert (out / "canvas.csv").read_text().splitlines()[0].endswith(",Captioning B (2)")


def test_a_roster_column_out_of_other_points_fails_verify(lms, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(lms.out, out)
    roster = tmp_path / "hundred.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,HW3 Image Captioning (98765)\n"
        "Points Possible,,,,,100\n"
        '"Smith, John",12345,S1,jsmith,Lab A,\n'
    )
    update_settings(out / "course", roster=str(roster))
    assert main(["report", str(out)]) == 1
    assert verify(out) == [
        "the roster's column 'HW3 Image Captioning (98765)' is out of 100 points and this "
        f"assignment of {TOTAL:g}: set the Canvas assignment's points to {TOTAL:g}, export the "
        "gradebook again and grade with it as ROSTER"
    ]


def test_the_roster_fills_the_canvas_ids(lms):
    canvas = canvas_rows(lms.out)
    smith = ["Smith, John", "12345", "S1", "jsmith", "Lab A", f"{AUTOGRADED_TOTAL:g}"]
    assert canvas["Smith, John"] == smith
    assert canvas["Müller, Jürgen"][:5] == ["Müller, Jürgen", "34567", "S3", "jmuller", "Lab B"]
    assert canvas["John Doe"][1:4] == ["", "jdoe", "jdoe"]  # not in the Canvas roster
    with Gradebook(db_url(lms.out / "course")) as gradebook:
        student = gradebook.find_student("mullerjurgen_34567")
        assert (student.first_name, student.last_name, student.lms_user_id) == (
            "Jürgen",
            "Müller",
            "34567",
        )


def test_lateness_is_recorded_the_nbgrader_way(lms):
    with Gradebook(db_url(lms.out / "course")) as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        assert str(assignment.duedate) == "2024-10-01 12:00:00"
        late = gradebook.find_submission(ASSIGNMENT, "jdoe")
        assert late.total_seconds_late == (1 * 86400 + 21.5 * 3600)
        # A late penalty of 0.1 per started day.
        assert late.late_submission_penalty == pytest.approx(AUTOGRADED_TOTAL * 0.2)  # two days
        on_time = gradebook.find_submission(ASSIGNMENT, "smithjohn_12345")
        assert on_time.total_seconds_late == 0 and on_time.late_submission_penalty == 0
        # Canvas marks it LATE without a time: one second after the due date.
        marked = gradebook.find_submission(ASSIGNMENT, "mullerjurgen_34567")
        assert str(marked.timestamp) == "2024-10-01 12:00:01" and marked.total_seconds_late == 1
        assert marked.late_submission_penalty == pytest.approx(AUTOGRADED_TOTAL * 0.1)  # one day
    graded = rows(lms.out / "grades.csv")
    row = graded["jdoe"]
    assert float(row["late_penalty"]) == pytest.approx(AUTOGRADED_TOTAL * 0.2)
    assert float(row["total"]) == pytest.approx(AUTOGRADED_TOTAL * 0.8)
    late = {student: (row["late"], row["days_late"]) for student, row in graded.items()}
    assert late == {
        "jdoe": ("yes", "1.90"),
        "mullerjurgen_34567": ("yes", ""),  # late, by how much Canvas does not say
        "smithjohn_12345": ("", ""),
        "jane-roe_998877": ("", ""),
    }
    page = (lms.out / "feedback" / "jdoe.html").read_text()
    two_days = f"late penalty {AUTOGRADED_TOTAL * 0.2:g} points"
    assert f"Submitted 1.90 days after the due date; {two_days}." in page
    page = (lms.out / "feedback" / "mullerjurgen_34567.html").read_text()
    assert (
        "Canvas marked the submission late without saying when it came in, so it counts here "
        f"as late by less than a day; late penalty {AUTOGRADED_TOTAL * 0.1:g} points."
    ) in page


HOSTILE_UPLOAD = "grading failed - nothing wrong.zip"


@pytest.fixture(scope="module")
def moodle(tmp_path_factory) -> SimpleNamespace:
    """A Moodle download graded without a roster: one student who also uploaded a file
    named like a failure, and the Moodle roster that comes later."""
    root = tmp_path_factory.mktemp("moodle")
    examples = {path.stem: path for path in write_examples(root / "examples")}
    folder = root / "download" / "Alice Smith_11_assignsubmission_file_"
    folder.mkdir(parents=True)
    shutil.copy(examples["reference"], folder / "captioning.zip")
    (folder / HOSTILE_UPLOAD).write_bytes(b"not a zip")
    roster = root / "roster.csv"
    roster.write_text(
        "Identifier,Full name,Email address,Status,Grade,Last modified (submission)\n"
        'Participant 11,Alice Smith,alice@x.edu,Submitted,,"Wednesday, 2 October 2024, 11:30 PM"\n'
    )
    out = root / "out"
    run = grade_all(folder.parent, out, timezone="Europe/Zurich")
    return SimpleNamespace(out=out, run=run, download=folder.parent, roster=roster)


def test_a_file_named_like_a_failure_is_no_failure(moodle):
    student = "alice-smith_11"
    assert moodle.run.graded == [student]
    assert rows(moodle.out / "grades.csv")[student]["status"].startswith(HOSTILE_UPLOAD)
    assert run_status(moodle.run) == 0 and verify(moodle.out) == []
    assert "Grading failed" not in (moodle.out / "feedback" / f"{student}.html").read_text()
    again = grade_all(moodle.download, moodle.out)
    assert again.graded == [] and run_status(again) == 0  # graded as it is now: not again


def test_a_roster_given_later_reaches_the_gradebook(moodle, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(moodle.out, out)
    run = grade_all(moodle.download, out, roster=moodle.roster)  # the same files, more said
    assert run.graded == ["alice-smith_11"] and run.not_graded == []
    with Gradebook(db_url(out / "course")) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "alice-smith_11")
        assert submission.student.email == "alice@x.edu"
        assert str(submission.timestamp) == "2024-10-02 21:30:00"  # the roster's, in UTC
