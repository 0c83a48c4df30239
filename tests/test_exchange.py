"""nbgrader's exchange end to end, with nbgrader's own command line, in temporary folders.

The instructor sets the course up for a hub (`make hub`), adds settings of their own to
its nbgrader_config.py and releases the assignment; two students fetch it (each acting
as themselves with `--student` and a cache of their own, as nbgrader documents for
scripted use), one submits twice and one after the due date, and a third tries a student
id that names no file; the instructor collects (through the kit's intake), autogrades,
grades the collected folder with the kit, generates and releases the feedback, and each
student fetches theirs: the kit's page.
"""

import csv
import logging
import os
import pwd
import subprocess
import sysconfig
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from expected_scores import expected_total
from nbgrader.api import Gradebook
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader_cli import run_nbgrader
from zips import read_zip

from autograder.__main__ import main, run_status
from autograder.course.config_file import (
    BEGIN,
    END,
    GET_CONFIG,
    OLD_HEADER,
    instructor_lines,
    overridden,
)
from autograder.course.course import ASSIGNMENT, build_course, db_url, pipeline_settings
from autograder.examples import write_examples
from autograder.exchange.collect import KitCollect
from autograder.exchange.hub import COMPLETE, set_up_hub, share_data
from autograder.grade import grade_all
from autograder.intake.exchange_inbox import collected_time, exchange_secret, not_collected
from autograder.intake.intake import read_intake
from autograder.intake.submissions import read_submission
from autograder.paths import NOTEBOOKS, STUDENT_MODULES
from autograder.points import AUTOGRADED_TOTAL
from autograder.release.student_bundle import read_members
from autograder.reports.integrity import verify
from autograder.usage import UsageError

COURSE = "captioning-test"
SCRIPT = "<script>alert('TA')</script>"
# The instructor's own settings, added to the course's nbgrader_config.py by hand.
MINE = ['c.Exchange.timezone = "Europe/Zurich"', "c.LatePenalty.fraction_per_day = 0.5"]


def nbgrader(cwd: Path, *args: str, ok: bool = True) -> str:
    """Run nbgrader's command line in cwd, as a person would; returns its log (and checks
    that it succeeded, or with ok=False that it failed)."""
    done = run_nbgrader(cwd, *args, timeout=600)
    assert (done.returncode == 0) == ok, (args, done.stderr[-3000:])
    return done.stdout + done.stderr


class Student:
    """A student of the hub: a home folder, a cache of their own, an id."""

    def __init__(self, root: Path, name: str, exchange: Path):
        self.name, self.home = name, root / name
        self.home.mkdir()
        self.flags = [
            "--course",
            COURSE,
            f"--Exchange.root={exchange}",
            f"--Exchange.cache={self.home / '.cache'}",
        ]

    @property
    def folder(self) -> Path:
        return self.home / ASSIGNMENT

    def fetch(self) -> None:
        nbgrader(self.home, "fetch_assignment", ASSIGNMENT, *self.flags)

    def hand_in(self, files: dict[str, bytes]) -> None:
        """Put the student-edited files of a submission zip into the folder, and submit."""
        for name, data in files.items():
            if name in STUDENT_MODULES or Path(name).name in NOTEBOOKS:
                (self.folder / name.removeprefix("notebooks/")).write_bytes(data)
        nbgrader(self.home, "submit", ASSIGNMENT, f"--student={self.name}", *self.flags)

    def fetch_feedback(self) -> dict[str, str]:
        """Fetch the released feedback; returns it by submission time folder."""
        nbgrader(self.home, "fetch_feedback", ASSIGNMENT, f"--student={self.name}", *self.flags)
        found = sorted((self.folder / "feedback").glob("*/RNN_Captioning.html"))
        return {path.parent.name: path.read_text() for path in found}


def answered(files: dict[str, bytes], answer: str) -> dict[str, bytes]:
    name = "notebooks/RNN_Captioning.ipynb"
    nb = nbformat.reads(files[name].decode(), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1_rnn":
            cell.source = answer
    return {**files, name: nbformat.writes(nb).encode()}


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("hub")
    examples = {path.stem: read_zip(path) for path in write_examples(root / "examples")}
    out, exchange, shared = root / "out", root / "exchange", root / "shared" / "data"
    course = out / "course"
    args = ["hub", "--out", str(out), "--course-id", COURSE, "--exchange", str(exchange)]
    assert main([*args, "--shared-data", str(shared)]) == 0
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text().replace(END, "\n".join([*MINE, END])))
    nbgrader(course, "release_assignment", ASSIGNMENT)

    alice, bob, mallory = (Student(root, name, exchange) for name in ("alice", "bob", "-rf"))
    for student in (alice, bob, mallory):
        student.fetch()
    bob.hand_in(examples["stubs"])
    bob.hand_in(examples["partial"])  # resubmitted: this one counts
    time.sleep(1)
    due = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}")
    time.sleep(1)
    alice.hand_in(answered(examples["reference"], f"Because of tanh {SCRIPT}"))  # late
    mallory.hand_in(examples["reference"])

    collected = nbgrader(course, "collect", ASSIGNMENT)
    autograded = nbgrader(course, "autograde", ASSIGNMENT)
    with Gradebook(db_url(course)) as gradebook:
        nbgrader_totals = {
            s.student.id: (s.score, s.total_seconds_late > 0, s.late_submission_penalty)
            for s in gradebook.assignment_submissions(ASSIGNMENT)
        }
    run = grade_all(out / "collected", out)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "release_feedback", ASSIGNMENT)
    return SimpleNamespace(
        root=root, out=out, course=course, shared=shared, alice=alice, bob=bob,
        collected=collected, autograded=autograded, totals=nbgrader_totals, run=run,
        examples=examples,
    )  # fmt: skip


def test_the_release_holds_what_the_student_zip_holds(hub):
    fetched = {
        path.relative_to(hub.alice.folder).as_posix()
        for path in hub.alice.folder.rglob("*")
        if path.is_file() and "feedback" not in path.parts
    }
    # The same files, the notebooks at the top of the folder where nbgrader puts them.
    assert fetched == {member.name.removeprefix("notebooks/") for member in read_members()}


def test_the_notebooks_run_in_the_fetched_folder_on_the_shared_data(hub):
    folder = hub.bob.folder
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MAKEFLAGS"}}
    env["CS231N_DATA_DIR"] = str(hub.shared)  # what the hub's spawner sets (make hub says so)
    assert (hub.shared / "coco2014_vocab.json").stat().st_mode & 0o777 == 0o444
    made = subprocess.run(
        ["make", "data", "PY=python"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0 and "Nothing to be done" in made.stdout, made.stdout + made.stderr
    code = (
        "import cs231n, cs231n.coco_utils as c;"
        "print(cs231n.__file__); print(c.load_coco_data(pca_features=True)['val_captions'].shape)"
    )
    ran = subprocess.run(
        [sysconfig.get_path("scripts") + "/python", "-c", code],
        cwd=folder, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    package, shape = ran.stdout.splitlines()
    assert package == str(folder / "cs231n" / "__init__.py")  # the student's own copy
    assert shape.endswith(", 17)")


def test_collect_goes_through_the_kits_intake(hub):
    collected = hub.out / "collected"
    assert sorted(path.name for path in collected.iterdir() if not path.name.startswith(".")) == [
        "alice",
        "bob",
    ]
    assert "Not collected: -rf+captioning+" in hub.collected
    bob = collected / "bob"
    assert (bob / "cs231n" / "rnn_layers.py").read_bytes() == (
        hub.examples["partial"]["cs231n/rnn_layers.py"]
    )
    assert not (bob / "Makefile").exists() and not (bob / "data").exists()
    notebook = hub.course / "submitted" / "alice" / ASSIGNMENT / "RNN_Captioning.ipynb"
    assert "Because of tanh" in notebook.read_text() and SCRIPT not in notebook.read_text()


def test_nbgrader_autograde_grades_the_collected_submissions_with_the_late_policy(hub):
    assert "Running the hidden checks in the sandbox for alice" in hub.autograded
    alice_score, alice_late, alice_penalty = hub.totals["alice"]
    half = AUTOGRADED_TOTAL * 0.5  # one started day late, at 0.5 a day (MINE)
    assert alice_score == AUTOGRADED_TOTAL and alice_late and alice_penalty == pytest.approx(half)
    assert hub.totals["bob"] == (expected_total("partial"), False, 0)


def test_the_kit_grades_the_collected_folder_and_keeps_the_instructors_settings(hub):
    run = hub.run
    assert run.graded == ["alice", "bob"] and run.problems == [] and run_status(run) == 3
    [refused] = [item for item in run.not_graded if not item.junk]  # what collect refused
    assert refused.path.name.startswith("-rf+captioning+")
    assert refused.reason.startswith("not collected: its student id")
    with open(hub.out / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    columns = ("late", "days_late", "late_penalty", "total", "status")
    half = f"{AUTOGRADED_TOTAL * 0.5:g}"
    assert [rows["alice"][c] for c in columns] == [
        "yes", "0.00", half, half, "ok; to grade by hand: inline_question_1_rnn"
    ]  # fmt: skip
    partial = f"{expected_total('partial'):g}"
    assert [rows["bob"][c] for c in columns] == ["", "", "0", partial, "ok"]
    assert verify(hub.out) == []
    text = (hub.course / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.course_id = {COURSE!r}" in text
    assert all(line in text.split(BEGIN)[1].split(END)[0] for line in MINE)


def test_students_fetch_the_kits_feedback_page(hub):
    alice = hub.alice.fetch_feedback()
    assert list(alice.values()) == [(hub.out / "feedback" / "alice.html").read_text()]
    assert f"late penalty {AUTOGRADED_TOTAL * 0.5:g} points" in next(iter(alice.values()))
    bob = hub.bob.fetch_feedback()
    assert list(bob.values()) == [(hub.out / "feedback" / "bob.html").read_text()]
    submitted = sorted(path.name for path in (hub.bob.home / ".cache" / COURSE).iterdir())
    assert next(iter(bob)) == submitted[-1].split("+")[2]  # the resubmission's feedback


def test_an_older_kit_config_keeps_the_instructors_lines():
    pipeline = pipeline_settings(Path("/course"), [])
    old = "\n".join(
        [
            OLD_HEADER,
            "import sys",
            GET_CONFIG,
            "c.Autograde.sanitize_preprocessors = []",
            "c.CourseDirectory.course_id = 'hw3'",
        ]
    )
    assert instructor_lines(old, pipeline) == ["c.CourseDirectory.course_id = 'hw3'"]
    mine = ["c.Execute.kernel_name = 'python3'", "# c.Autograde.sanitize_preprocessors = []"]
    assert overridden(mine, pipeline) == ["c.Execute.kernel_name"]
    assert instructor_lines(None, pipeline)[0].startswith("# On a hub")


def test_settings_that_do_not_load_stop_the_run_in_one_line_and_stay(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["hub", "--out", str(out)]) == 0
    config = out / "course" / "nbgrader_config.py"
    config.write_text(config.read_text().replace(END, "c.Exchange.root = \n" + END))
    capsys.readouterr()
    assert main(["hub", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert (
        error.startswith(f"error: {config} cannot be read (SyntaxError") and error.count("\n") == 1
    )
    assert "c.Exchange.root = \n" in config.read_text()  # the instructor's line, kept to fix


def test_a_named_pipe_left_in_a_submission_is_never_read(tmp_path):
    """A student on the hub can leave a named pipe where the kit reads a file: reading it
    would block collect forever."""
    folder = tmp_path / "alice"
    (folder / "cs231n").mkdir(parents=True)
    for name in ("cs231n/rnn_layers.py", "submission_secret.txt", "timestamp.txt"):
        os.mkfifo(folder / name)
    submission = read_submission("alice", folder)
    assert "cs231n/rnn_layers.py" not in submission.files
    assert len(exchange_secret(folder)) == 128 and collected_time(folder) is None


def test_a_course_without_the_student_package_is_not_released(tmp_path):
    out = tmp_path / "out"
    build_course(out / "course", private_roots=[out])  # what `make grade` alone writes
    flags = ["--course", COURSE, f"--Exchange.root={tmp_path / 'exchange'}"]
    log = nbgrader(out / "course", "release_assignment", ASSIGNMENT, *flags, ok=False)
    assert f"holds the notebooks but not the student package: `make hub OUT={out}`" in log
    assert not (tmp_path / "exchange" / COURSE / "outbound" / ASSIGNMENT).exists()


def kit_collect(tmp_path: Path, caplog) -> SimpleNamespace:
    """The kit's collect over an empty exchange inbound/ and course, logging to caplog."""
    course, inbound = tmp_path / "out" / "course", tmp_path / "exchange" / COURSE / "inbound"
    course.mkdir(parents=True)
    inbound.mkdir(parents=True)
    collect = KitCollect(coursedir=CourseDirectory(root=str(course)), authenticator=Authenticator())
    collect.inbound_path = str(inbound)
    collect.log = logging.getLogger("kit-collect")
    caplog.set_level(logging.INFO, "kit-collect")
    return SimpleNamespace(
        collect=collect, course=course, inbound=inbound, inbox=course.parent / "collected"
    )


def on_exchange(inbound: Path, name: str, uid: int) -> dict:
    """A submission folder on the exchange owned by uid, as nbgrader's collect records it."""
    folder = inbound / name
    (folder / "cs231n").mkdir(parents=True)
    (folder / "cs231n" / "rnn_layers.py").write_text("x = 1\n")
    for path in (folder, folder / "cs231n", folder / "cs231n" / "rnn_layers.py"):
        os.chown(path, uid, -1)
    return KitCollect()._path_to_record(str(folder))


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another account needs root")
def test_a_folder_another_account_put_on_the_exchange_is_not_collected(tmp_path, caplog):
    kit = kit_collect(tmp_path, caplog)
    daemon, nobody = pwd.getpwnam("daemon").pw_uid, pwd.getpwnam("nobody").pw_uid
    forged = f"daemon+{ASSIGNMENT}+2024-10-01 12:00:00.000000 UTC+x"
    kit.collect.src_records = [on_exchange(kit.inbound, forged, nobody)]
    kit.collect.copy_files()
    assert not (kit.inbox / "daemon").exists() and "Not collected: daemon+" in caplog.text
    reason = "owned by nobody, not by the student's account daemon"
    assert not_collected(kit.inbox) == [(forged, reason)]
    assert [item.shown() for item in read_intake(kit.inbox).not_graded if not item.junk] == [
        (forged, f"not collected: {reason}")
    ]
    own = f"daemon+{ASSIGNMENT}+2024-10-01 12:00:01.000000 UTC+y"
    kit.collect.src_records = [on_exchange(kit.inbound, own, daemon)]
    kit.collect.copy_files()
    assert (kit.inbox / "daemon" / "cs231n" / "rnn_layers.py").read_text() == "x = 1\n"
    assert not_collected(kit.inbox) == []


def test_a_student_who_is_no_account_is_collected_and_said_once(tmp_path, caplog):
    kit = kit_collect(tmp_path, caplog)
    students = ("alice-no-account", "bob-no-account")
    kit.collect.src_records = [
        on_exchange(kit.inbound, f"{student}+{ASSIGNMENT}+2024-10-01 12:00:00.000000 UTC+x", 0)
        for student in students
    ]
    kit.collect.copy_files()
    assert all((kit.inbox / student).is_dir() for student in students)
    assert caplog.text.count("is no account on this machine") == 1


def test_a_time_in_the_future_in_a_folder_name_is_not_believed(tmp_path, caplog):
    """A name in the future is replaced by the folder's ctime; one in the past is kept but
    logged for a person to check; a name written as nbgrader's submit writes it, neither."""
    inbound = tmp_path / "inbound"
    future = on_exchange(inbound, f"alice+{ASSIGNMENT}+2999-01-01 00:00:00.000000 UTC+x", 0)
    assert future["timestamp"] <= datetime.now(UTC).replace(tzinfo=None)
    assert "last changed at" not in caplog.text
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    on_exchange(inbound, f"alice+{ASSIGNMENT}+{now}+z", 0)
    assert "last changed at" not in caplog.text
    past = on_exchange(inbound, f"alice+{ASSIGNMENT}+2024-10-01 12:00:00.000000 UTC+y", 0)
    assert past["timestamp"] == datetime(2024, 10, 1, 12)
    assert "2024-10-01 12:00:00 but was last changed at" in caplog.text


def test_shared_data_replaces_only_an_earlier_copy_of_the_dataset(tmp_path):
    exchange_file = tmp_path / "exchange" / COURSE / "inbound" / "bob+captioning+x" / "a.py"
    exchange_file.parent.mkdir(parents=True)
    exchange_file.write_text("bob's work")
    with pytest.raises(UsageError, match="holds no earlier copy of the dataset"):
        set_up_hub(tmp_path / "out", shared_data=tmp_path / "exchange")
    assert exchange_file.read_text() == "bob's work" and not (tmp_path / "out").exists()
    shared = tmp_path / "shared"
    shared.mkdir()  # an empty folder, then an earlier copy: both replaced
    for _ in range(2):
        assert share_data(shared) == shared.resolve() and (shared / COMPLETE).is_file()
