"""What student code can reach from the sandbox, and what it leaves behind, at each level."""

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.item import layer_call
from autograder.paths import REPO
from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits
from autograder.sandbox.run import Task, kill_every_process_of, run_items

UNREACHABLE = {"PermissionError", "FileNotFoundError"}  # left out of the jail, or closed
SHM_KEY = 0x5A11D  # the System V shared memory key the snoop creates

SNOOP = """
import ctypes
import json
import os
import time

import numpy as np


def tried(action):
    try:
        return action()
    except OSError as error:
        return type(error).__name__


def visible(allowed):
    found = []
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if not os.path.join(top, f).startswith(allowed)]
        paths = [os.path.join(top, name) for name in files]
        found += [path for path in paths if not path.startswith(allowed)]
    return sorted(found)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    report = {"uid": os.getuid()}
    for name, path in {PATHS}.items():
        report[name] = tried(lambda: "read" if open(path).read() else "empty")
    report["write"] = tried(lambda: open({TARGET}, "w").write("forged"))
    report["kept"] = tried(lambda: open("kept-by-the-job", "w").write("kept"))
    libc = ctypes.CDLL(None)
    report["shm"] = libc.shmget({KEY}, 4096, 0o1666)  # IPC_CREAT | 0666
    children = 0
    try:
        for _ in range(20):
            if os.fork() == 0:
                os.setsid()
                time.sleep(600)
                os._exit(0)
            children += 1
    except OSError:
        pass
    report["children"] = children
    report["visible"] = visible({ALLOWED})
    text = json.dumps(report).encode()
    return np.frombuffer(text, dtype=np.uint8).copy(), None
"""


def snoop(tmp_path: Path, private: Path, allowed: tuple[str, ...]) -> dict:
    """Run a student module that reports what it could read, write, see and start."""
    paths = {
        "answers": str(REPO / "autograder" / "source" / "cs231n" / "rnn_layers.py"),
        "private": str(private / "gradebook.db"),
        "pid1": "/proc/1/cmdline",
        "lock": "/run/lock/.snoop",
    }
    package = tmp_path / "package"
    shutil.copytree(REPO / "cs231n", package / "cs231n", ignore=shutil.ignore_patterns("__py*"))
    code = (
        SNOOP.replace("{PATHS}", repr(paths))
        .replace("{TARGET}", repr(paths["private"]))
        .replace("{KEY}", str(SHM_KEY))
        .replace("{ALLOWED}", repr(allowed))
    )
    (package / "cs231n" / "rnn_layers.py").write_text(code)
    inputs = {"x": np.ones((1, 2)), "prev_h": np.ones((1, 2)), "Wx": np.ones((2, 2)),
              "Wh": np.ones((2, 2)), "b": np.ones(2)}  # fmt: skip
    call = layer_call("rnn_step_forward", list(inputs), ["next_h", "cache"])
    task = Task("rnn_step_forward", "layer", call, [inputs], [["next_h"]], seconds=60.0)
    results, imported = run_items(package, tmp_path / "work", [task], private_roots=[private])
    assert imported and isinstance(results["rnn_step_forward"], list), results
    result = results["rnn_step_forward"][0]
    assert result.error is None, result.error
    return json.loads(result.arrays["next_h"].tobytes())


@pytest.fixture
def private(tmp_path) -> Path:
    folder = tmp_path / "out" / "course"
    folder.mkdir(parents=True)
    (folder / "gradebook.db").write_text("grades")
    return tmp_path / "out"


def shared_memory_keys() -> set[int]:
    """The keys of the machine's System V shared memory segments."""
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {int(line.split()[0]) for line in lines}


def processes_of(uid: int, seconds: float = 5.0) -> list[int]:
    """The processes of uid once the kernel has had up to seconds to end them."""
    deadline = time.monotonic() + seconds
    while (found := running_as(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def running_as(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uids = next(line for line in status.splitlines() if line.startswith("Uid:"))
        if int(uids.split()[1]) == uid:
            found.append(int(entry.name))
    return found


def test_the_jail_shows_only_python_the_job_and_two_devices(tmp_path, private):
    if isolation.level() != "jail":
        pytest.skip("no jail on this machine (needs root and unshare)")
    prefixes = {sys_path for sys_path in isolation.python_paths() if os.path.isdir(sys_path)}
    allowed = (*sorted(prefixes), "/tmp/job/", "/dev/null", "/dev/urandom")
    report = snoop(tmp_path, private, allowed)
    assert report["uid"] == isolation.sandbox_uid() != 0
    for name in ("answers", "private", "pid1", "lock", "write"):
        assert report[name] in UNREACHABLE, (name, report[name])
    assert report["kept"] == 4  # its own folder is writable
    # Every other file it can see is a library the Python installation loads.
    libraries = {os.path.realpath(p) for p in isolation.python_paths() if os.path.isfile(p)}
    assert report["visible"] and {os.path.realpath(p) for p in report["visible"]} <= libraries
    assert report["children"] < Limits().processes
    assert (private / "course" / "gradebook.db").read_text() == "grades"


def test_nothing_the_jailed_job_does_outlives_it(tmp_path, private):
    if isolation.level() != "jail":
        pytest.skip("no jail on this machine (needs root and unshare)")
    report = snoop(tmp_path, private, ("/",))
    assert report["shm"] >= 0 and report["children"] >= 1  # it made both
    assert SHM_KEY not in shared_memory_keys()  # the IPC namespace went with the job
    assert processes_of(isolation.sandbox_uid()) == []  # so did its setsid() children
    assert not list(tmp_path.rglob("kept-by-the-job"))  # its folder was a tmpfs
    assert not Path("/run/lock/.snoop").exists()


def test_user_level_closes_private_folders_and_kills_what_the_job_started(
    tmp_path, private, monkeypatch
):
    probe = tmp_path / "probe"
    probe.mkdir()
    if os.geteuid() != 0:
        pytest.skip("switching to the sandbox user needs root")
    isolation.hand_over(probe)
    if not isolation.user_works(probe):
        pytest.skip("the sandbox user cannot reach this Python (e.g. under /root)")
    monkeypatch.setattr(isolation, "level", lambda: "user")
    monkeypatch.setattr("autograder.sandbox.run.level", lambda: "user")
    try:
        report = snoop(tmp_path, private, ("/",))
        assert report["uid"] == isolation.sandbox_uid()
        assert {report["answers"], report["private"], report["write"]} <= UNREACHABLE
        assert report["children"] < Limits().processes
        assert processes_of(isolation.sandbox_uid()) == []
        assert (private / "course" / "gradebook.db").read_text() == "grades"
    finally:  # what this level cannot take back: System V IPC is the machine's
        subprocess.run(["ipcrm", "-M", str(SHM_KEY)], capture_output=True, check=False)


def test_without_a_jail_every_process_of_the_sandbox_user_is_killed():
    """What the "user" level does after each job (Gradescope's container): a child that
    escaped its session does not outlive the job."""
    if os.geteuid() != 0:
        pytest.skip("switching to the sandbox user needs root")
    uid = isolation.sandbox_uid()
    child = os.fork()
    if child == 0:  # a student's daemon: its own user, its own session
        os.setsid()
        os.setuid(uid)
        time.sleep(60)
        os._exit(0)
    try:
        deadline = time.monotonic() + 5
        while running_as(uid) != [child] and time.monotonic() < deadline:
            time.sleep(0.01)  # until the child has become the sandbox user
        assert running_as(uid) == [child]
        kill_every_process_of(uid)
        os.waitpid(child, 0)
        assert processes_of(uid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, 9)
