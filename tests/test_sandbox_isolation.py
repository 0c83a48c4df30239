"""What student code can reach from the sandbox, at each isolation level."""

import json
import os
import shutil
from pathlib import Path

import pytest

from autograder.paths import REPO
from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits
from autograder.sandbox.run import run_job, write_job

UNREACHABLE = {"PermissionError", "FileNotFoundError"}  # hidden by a mount, or closed

SNOOP = """
import json
import os

report = {"uid": os.getuid()}
for name, path in {PATHS}.items():
    try:
        report[name] = "read" if open(path).read() else "empty"
    except OSError as error:
        report[name] = type(error).__name__
try:
    open({TARGET}, "w").write("forged")
    report["write"] = "written"
except OSError as error:
    report["write"] = type(error).__name__
children = 0
try:
    for _ in range(20):
        if os.fork() == 0:
            import time
            time.sleep(3)
            os._exit(0)
        children += 1
except OSError:
    pass
report["children"] = children
open("report.json", "w").write(json.dumps(report))
"""


def snoop(tmp_path: Path, private: Path) -> dict:
    """Run a student module that reports what it could read, write and start."""
    paths = {
        "answers": str(REPO / "autograder" / "source" / "cs231n" / "rnn_layers.py"),
        "private": str(private / "gradebook.db"),
    }
    package = tmp_path / "package"
    shutil.copytree(REPO / "cs231n", package / "cs231n", ignore=shutil.ignore_patterns("__py*"))
    code = SNOOP.replace("{PATHS}", repr(paths)).replace("{TARGET}", repr(paths["private"]))
    (package / "cs231n" / "rnn_layers.py").write_text(code)
    job = tmp_path / "work" / "job"
    write_job(job, package, {})
    assert run_job(job, Limits(), private_roots=[private]) is None
    return json.loads((job / "report.json").read_text())


@pytest.fixture
def private(tmp_path) -> Path:
    folder = tmp_path / "out" / "course"
    folder.mkdir(parents=True)
    (folder / "gradebook.db").write_text("grades")
    return tmp_path / "out"


def test_jail_hides_answers_and_grader_outputs(tmp_path, private):
    if isolation.level() != "jail":
        pytest.skip("no jail on this machine (needs root and unshare)")
    report = snoop(tmp_path, private)
    assert report["uid"] == isolation.sandbox_uid() != 0
    assert {report["answers"], report["private"], report["write"]} <= UNREACHABLE
    assert report["children"] < Limits().processes
    assert (private / "course" / "gradebook.db").read_text() == "grades"


def test_user_level_closes_private_folders_without_namespaces(tmp_path, private, monkeypatch):
    probe = tmp_path / "probe"
    probe.mkdir()
    if os.geteuid() != 0:
        pytest.skip("switching to the sandbox user needs root")
    isolation.hand_over(probe)
    if not isolation.user_works(probe):
        pytest.skip("the sandbox user cannot reach this Python (e.g. under /root)")
    monkeypatch.setattr(isolation, "level", lambda: "user")
    report = snoop(tmp_path, private)
    assert report["uid"] == isolation.sandbox_uid()
    assert {report["answers"], report["private"], report["write"]} <= UNREACHABLE
    assert report["children"] < Limits().processes
    assert (private / "course" / "gradebook.db").read_text() == "grades"
