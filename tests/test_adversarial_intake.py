"""Attacks on intake (tests/adversarial_intake.py) checked against its invariants, and a
graded batch in which a Blackboard user named `..` sits next to a normal student."""

import csv
from pathlib import Path

import pytest
from adversarial_intake import T1, Attack, attacks, write_names

from autograder.course.course import ASSIGNMENT
from autograder.course.worker import StudentWork, Worker, lay_out
from autograder.grade import read_result
from autograder.intake.ids import id_problem, inside
from autograder.intake.intake import Entry, read_intake
from autograder.intake.submissions import Submission
from autograder.points import AUTOGRADED_TOTAL

# Ids that would name a folder (or, the last two, a file) outside their own.
ESCAPES = ("..", ".", "../bob", "/tmp/bob")
# What a grading run writes into OUT, and nothing else (a `..` id would have added or
# removed some of it).
EXPECTED_OUT = ("course", "results", "feedback", "grades.csv", "canvas.csv", "not_graded.csv",
                "summary.png")  # fmt: skip


def portable(entry: Entry) -> dict:
    """An entry with file names for paths, to compare the entries of two folders."""
    source = entry.source
    names = source.name if isinstance(source, Path) else {k: v.name for k, v in source.items()}
    return {**vars(entry), "source": names, "files": [path.name for path in entry.files]}


@pytest.mark.parametrize("attack", attacks(), ids=lambda attack: attack.name)
def test_no_forged_name_reaches_another_student_or_leaves_its_folder(
    attack: Attack, tmp_path: Path
):
    write_names(tmp_path / "alone", attack.victim + attack.own)
    write_names(tmp_path / "attacked", attack.victim + attack.own + attack.forged)
    alone = [portable(entry) for entry in read_intake(tmp_path / "alone").entries]
    intake = read_intake(tmp_path / "attacked")
    attacked = [portable(entry) for entry in intake.entries]
    submitted = (tmp_path / "out" / "course" / "submitted").resolve()
    for entry in attacked:
        assert id_problem(entry["student_id"]) is None, entry["student_id"]
        assert inside(submitted, entry["student_id"]).parent == submitted
    victims = [entry for entry in alone if set(entry["files"]) & set(attack.victim)]
    assert len(victims) == len({name for name in attack.victim if not name.endswith(".txt")})
    for victim in victims:  # exactly as without the attacker
        assert victim in attacked, victim["student_id"]
    victim_ids = {victim["student_id"] for victim in victims}
    victim_accounts = {(victim["lms"], victim["lms_id"]) for victim in victims}
    forged = set(attack.forged)
    graded = set()
    for entry in attacked:
        if forged & set(entry["files"]):
            assert entry["student_id"] not in victim_ids
            assert (entry["lms"], entry["lms_id"]) not in victim_accounts
            graded |= forged & set(entry["files"])
    listed = {item.path.name for item in intake.not_graded}
    assert forged <= graded | listed, forged - graded - listed
    if attack.refused:
        assert not graded and forged <= listed


@pytest.fixture(scope="module")
def batch(adversarial_batch) -> tuple:
    """The adversarial batch (adversarial_batch.py), which holds the Blackboard attempts
    of a user `..` and of bob, both the reference solution. Before ids were checked,
    grading `..` removed OUT/course/submitted/.., that is the whole course."""
    return adversarial_batch.run, adversarial_batch.out


def test_a_dot_dot_user_is_listed_and_the_course_stays_whole(batch):
    run, out = batch
    assert "bob" in run.graded and run.problems == []
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert ".." not in rows and float(rows["bob"]["autograded"]) == AUTOGRADED_TOTAL
    course = out / "course"
    assert (course / "gradebook.db").is_file() and (course / "nbgrader_config.py").is_file()
    assert (course / "release" / ASSIGNMENT).is_dir()
    assert (course / "submitted" / "bob" / ASSIGNMENT / "cs231n" / "rnn_layers.py").is_file()
    assert "bob.json" in {path.name for path in (out / "results").iterdir()}
    assert sorted(path.name for path in out.iterdir()) == sorted(EXPECTED_OUT)
    reason = "'..' cannot be a student id (it starts with '.')"
    refused = {item.path.name: item.reason for item in run.not_graded if "_.._" in item.path.name}
    assert refused == {
        f"HW3_.._attempt_{T1}.txt": reason,
        f"HW3_.._attempt_{T1}_captioning.zip": reason,
    }
    assert (out / "not_graded.csv").read_text().count(reason) == 2


def test_the_course_refuses_an_id_that_would_leave_its_folder(batch):
    """Had an id slipped past intake, the worker and the reports would raise before
    writing or removing anything."""
    _, out = batch
    worker = Worker.__new__(Worker)  # no hidden checks or leaderboard: nothing is graded
    worker.out, worker.course = out, out / "course"
    before = sorted(path.relative_to(out) for path in out.rglob("*"))
    for student_id in ESCAPES:
        task = StudentWork(Submission(student_id), "", {})
        with pytest.raises(ValueError, match="does not name an entry of"):
            worker.grade(task)
        with pytest.raises(ValueError, match="does not name an entry of"):
            lay_out(worker.course, task)
    for student_id in ESCAPES[2:]:
        with pytest.raises(ValueError, match="does not name an entry of"):
            read_result(out, student_id)
    assert sorted(path.relative_to(out) for path in out.rglob("*")) == before
