"""Parallel grading gives the same grades, and a killed run resumes cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.course.grading import grade_all
from autograder.examples import write_examples
from autograder.paths import REPO


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """The four example submissions: enough for two workers to share, and for a kill to
    land mid-batch."""
    folder = tmp_path_factory.mktemp("submissions")
    write_examples(folder)
    return folder


@pytest.fixture(scope="module")
def one_worker(submissions, tmp_path_factory) -> Path:
    """The batch graded by one worker, uninterrupted: the grades the other runs must give."""
    out = tmp_path_factory.mktemp("one")
    grade_all(submissions, out, jobs=1)
    return out


def test_one_or_two_workers_give_the_same_grades(submissions, one_worker, tmp_path):
    grade_all(submissions, tmp_path / "two", jobs=2)
    one = (one_worker / "grades.csv").read_text()
    assert one == (tmp_path / "two" / "grades.csv").read_text()
    assert len(one.splitlines()) == 1 + 4


def test_kill_9_then_rerun_gives_the_clean_grades(submissions, one_worker, tmp_path):
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
    assert 1 <= graded_before < 4, "the kill should land mid-batch"
    assert not (out / "grades.csv").exists()

    grade_all(submissions, out, jobs=2)
    assert (out / "grades.csv").read_text() == (one_worker / "grades.csv").read_text()
    assert not list(out.rglob(".*.partial"))
