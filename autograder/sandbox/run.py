"""Run items of the hidden checks on a student's package in a sandbox, over its channel.

A job is one sandbox process: `python -I runner.py JOB_DIR FD`, shut in as far as the
machine allows (isolation.py), in a fresh session, with a scrubbed environment (no
PYTHONPATH: a reference package there would shadow the student's; one BLAS thread)
and resource limits (limits.py). JOB_DIR holds only the runner, the probes, the
channel code and the student's package. Everything else crosses the channel
(channel.py), driven from here: each item, each case's inputs, each result, and the
calls of a retry's reference stubs, which the item's Oracle answers in this process.
The grader keeps every result the moment it arrives, believes nothing of it until it
is checked (results.py), and reads nothing the job leaves on disk.
"""

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.blas import pinned_kernels
from autograder.sandbox.channel import ChannelError, receive, send
from autograder.sandbox.isolation import level, sandbox_launch, sandbox_uid
from autograder.sandbox.limits import Limits
from autograder.sandbox.oracle import Oracle
from autograder.sandbox.results import CaseResult, read_result

HERE = Path(__file__).resolve().parent
JOB_FILES = (HERE / "runner.py", HERE / "channel.py", HERE.parent / "checks" / "probes.py")
IMPORT_SECONDS = 10.0
EXIT_SECONDS = 2.0  # for a job to be seen exiting, once it is done or its channel closed
FROM_SANDBOX = 64 << 20  # bytes of one message from the sandbox
# Variables the child keeps: locale, and the OpenBLAS settings some CPUs need to be correct.
KEPT_VARIABLES = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class Task:
    """One item's part of a sandbox job.

    - name: The item
    - probe, options: The procedure of checks/probes.py to run, and its options
    - cases: The inputs of every case (name -> array)
    - outputs: The output names to read back, per case
    - seconds: Wall-clock seconds the item may take
    - prerequisites: Reference functions swapped into the student's modules first (as
      stubs that the grader answers)
    - bounds: The largest size of each letter in the cases (Cases.bounds), which no
      call of those stubs may pass
    - own_caches: Whether a swapped-in step forward hands back the cache the student's
      own step forward makes (for a student's sequence backward that reads it); only
      where that step forward runs without an error
    """

    name: str
    probe: str
    options: dict
    cases: list[dict[str, np.ndarray]]
    outputs: list[list[str]]
    seconds: float
    prerequisites: list[str] = field(default_factory=list)
    bounds: dict[str, int] = field(default_factory=dict)
    own_caches: bool = False


@dataclass(frozen=True)
class Stop:
    """Why a job did not finish.

    - reason: What went wrong, in words for the feedback ("timed out after 8 s")
    - item: The item the job was on (None while importing, or when not known)
    - charged: Whether that item is charged at once: it overstayed its own seconds (it
      had them all, alone, and would only hang again) or broke the channel
    """

    reason: str
    item: str | None = None
    charged: bool = False


@dataclass
class JobOutcome:
    """What one sandbox job did.

    - results: Map from each item it finished to its case results
    - stop: Why it did not finish every item (None if it did)
    - imported: Whether the student's modules finished importing
    """

    results: dict[str, list[CaseResult]]
    stop: Stop | None
    imported: bool


class Broken(Exception):
    """The sandbox sent a message the protocol does not allow (the reason is for the student)."""


UNREADABLE = "the grader could not read what your code sent"


def write_job(job_dir: Path, package_dir: Path) -> None:
    """Put the runner, its two modules and the student's package into an empty job_dir.

    Inputs:
    - job_dir: Directory for the job (created)
    - package_dir: Directory holding the student's `cs231n` package
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    for path in JOB_FILES:
        shutil.copy(path, job_dir / path.name)
    shutil.copytree(package_dir, job_dir / "package")


def child_environment(inside: Path) -> dict[str, str]:
    """The sandbox's variables: the kept ones, OpenBLAS's pinned kernels unless the grader
    names others (the same kernels, and so the same rounding, however the grader was
    started: see autograder/blas.py), one thread, and nothing else of the grader's."""
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env.update(pinned_kernels())
    env.update(
        PATH=os.defpath,
        HOME=str(inside),
        TMPDIR=str(inside),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Session:
    """The grader's end of one job's channel: items in, results and reference calls out."""

    def __init__(self, connection: socket.socket, reference):
        self.connection = connection
        self.reference = reference
        self.cases_sent = 0  # each case is numbered, and its result must carry the number

    def receive(self, deadline: float) -> tuple[dict, list[np.ndarray]]:
        return receive(self.connection, FROM_SANDBOX, deadline)

    def send(self, header: dict, arrays: list[np.ndarray], deadline: float) -> None:
        """Send a message, by the deadline (a job that stops reading does not block here)."""
        self.connection.settimeout(max(deadline - time.monotonic(), 1e-3))
        try:
            send(self.connection, header, arrays)
        except TimeoutError as error:
            raise ChannelError("timed out") from error

    def wait_until_imported(self, deadline: float) -> None:
        header, _ = self.receive(deadline)
        if header.get("kind") != "ready":
            raise Broken("sent something else than the runner's word that it is ready")

    def run_task(self, task: Task, deadline: float) -> list[CaseResult]:
        """Run one item's cases; its results, each as it arrived. Anything unforeseen that
        the sandbox's messages make happen here breaks the channel, at this item."""
        try:
            return self._cases(task, deadline)
        except (ChannelError, Broken, OSError):
            raise
        except Exception as error:  # noqa: BLE001 - charged to the item, not the grading
            raise Broken(UNREADABLE) from error

    def _cases(self, task: Task, deadline: float) -> list[CaseResult]:
        oracle = Oracle(self.reference, task.prerequisites, task.bounds)
        item = {"kind": "item", "probe": task.probe, "options": task.options,
                "cases": len(task.cases), "prerequisites": list(task.prerequisites),
                "own_caches": task.own_caches}  # fmt: skip
        self.send(item, [], deadline)
        results = []
        for inputs, names in zip(task.cases, task.outputs, strict=True):
            oracle.new_case()
            self.cases_sent += 1
            case = {"kind": "case", "number": self.cases_sent, "names": list(inputs)}
            self.send(case, list(inputs.values()), deadline)
            results.append(self._result(names, list(inputs), oracle, deadline))
        return results

    def _result(
        self, names: list[str], inputs: list[str], oracle: Oracle, deadline: float
    ) -> CaseResult:
        """Answer reference calls until the case's result arrives (none past the deadline)."""
        while True:
            header, arrays = self.receive(deadline)
            kind = header.get("kind")
            if kind == "result" and header.get("number") == self.cases_sent:
                return read_result(header, arrays, names, inputs)
            if kind != "call":
                raise Broken("sent a message the grader did not ask for")
            if time.monotonic() > deadline:
                raise ChannelError("timed out")
            self.send(*oracle.answer(header, arrays), deadline)


def run_job(
    job_dir: Path,
    package_dir: Path,
    tasks: list[Task],
    limits: Limits,
    reference=None,
    private_roots: list[Path] | None = None,
) -> JobOutcome:
    """Run tasks in order in one sandbox process, until they are done or it stops.

    Inputs:
    - job_dir: Empty directory for the job
    - package_dir: Directory holding the student's `cs231n` package
    - tasks: What to run; a task with prerequisites needs reference
    - limits: Limits of the whole process
    - reference: Namespace with the reference modules (layers, model), for the oracle
    - private_roots: Directories the student's code must not see where there is no
      jail (the grader's output folder)

    Returns:
    - JobOutcome
    """
    write_job(job_dir, package_dir)
    grader_end, sandbox_end = socket.socketpair()
    launch = sandbox_launch(job_dir, private_roots or [], sandbox_end.fileno())
    process = subprocess.Popen(
        launch.command,
        cwd=job_dir,
        env=child_environment(launch.inside),
        user=launch.user,
        group=launch.user,
        extra_groups=None if launch.user is None else [],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # what the student's code prints is not kept
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        pass_fds=(sandbox_end.fileno(),),
        preexec_fn=limits.apply,
    )
    sandbox_end.close()
    session, results = Session(grader_end, reference), {}
    start = time.monotonic()
    wall = start + limits.wall_seconds
    current, deadline = None, min(start + IMPORT_SECONDS, wall)
    try:
        session.wait_until_imported(deadline)
        for task in tasks:
            current, deadline = task, min(time.monotonic() + task.seconds, wall)
            results[task.name] = session.run_task(task, deadline)
        session.send({"kind": "end"}, [], wall)
        with contextlib.suppress(subprocess.TimeoutExpired):  # so that its CPU time counts
            process.wait(timeout=EXIT_SECONDS)
        return JobOutcome(results, None, True)
    except (ChannelError, Broken, OSError) as error:
        stop = why_stopped(error, process, current, deadline, wall, limits)
        return JobOutcome(results, stop, current is not None)
    finally:
        grader_end.close()
        end(process)


def why_stopped(error, process, task: Task | None, deadline, wall, limits: Limits) -> Stop:
    """Why a job stopped, from what broke off the session and how the process ended."""
    item = task.name if task else None
    if isinstance(error, Broken) or (isinstance(error, ChannelError) and error.malformed):
        return Stop(f"broke the sandbox's channel ({error})", item, charged=True)
    if isinstance(error, ChannelError) and str(error) == "timed out":
        if deadline < wall:
            seconds = task.seconds if task else IMPORT_SECONDS
            return Stop(f"timed out after {seconds:.0f} s", item, charged=task is not None)
        return Stop(f"timed out after {limits.wall_seconds:.0f} s", item)
    try:
        returncode = process.wait(timeout=EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        return Stop("closed the sandbox's channel", item, charged=True)
    killed_by = signal_of(returncode)
    if killed_by == signal.SIGXCPU:
        return Stop(f"used more than {limits.cpu_seconds} s of CPU time", item)
    if killed_by is not None:
        return Stop(f"crashed ({killed_by.name})", item)
    if returncode != 0:
        return Stop(f"stopped the grading process (exit code {returncode})", item)
    return Stop("exited", item)


def signal_of(returncode: int) -> signal.Signals | None:
    """The signal that killed the child: -N from subprocess, 128 + N from the jail."""
    number = -returncode if returncode < 0 else returncode - 128
    try:
        return signal.Signals(number) if number > 0 else None
    except ValueError:
        return None


def end(process: subprocess.Popen) -> None:
    """Kill the child and everything it started: its process group, and without a jail
    (whose PID namespace dies with it) every process of the sandbox user."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    if level() == "user":
        kill_every_process_of(sandbox_uid())


def kill_every_process_of(uid: int) -> None:
    """SIGKILL every process of uid (a child that becomes uid, then kill(-1))."""
    child = os.fork()
    if child == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def run_items(
    package_dir: Path,
    job_root: Path,
    tasks: list[Task],
    reference=None,
    private_roots: list[Path] | None = None,
) -> tuple[dict[str, list[CaseResult] | str], bool]:
    """Run tasks in one sandbox, going on in a fresh one past an item that stops it.

    An item that stops the sandbox (it hangs, kills the process or breaks the channel)
    costs that item only: one that overstayed its own seconds or broke the channel is
    charged at once, and so is one that crashed the sandbox as its first item (nothing
    ran before it); one that crashed it after other items runs again, first, in
    JOB_ROOT/resume<k>, where the items after it go on together.

    Inputs:
    - package_dir: Directory holding the student's `cs231n` package
    - job_root: Empty directory for the jobs (JOB_ROOT/batch, JOB_ROOT/resume<k>, then
      JOB_ROOT/<task>)
    - tasks: What to run
    - reference: As for run_job
    - private_roots: As for run_job

    Returns a tuple of:
    - results: Map from task name to its case results, or to what went wrong if it
      never finished
    - imported: False if the student's modules could not even be imported (every task
      then fails with that reason, and nothing is run again)
    """

    def launch(job_dir: Path, chosen: list[Task]) -> JobOutcome:
        wall = IMPORT_SECONDS + sum(task.seconds for task in chosen)
        limits = Limits().scaled(wall / Limits().wall_seconds)
        return run_job(job_dir, package_dir, chosen, limits, reference, private_roots)

    def failed(stop: Stop | None) -> str:
        return f"your code {stop.reason if stop else 'stopped before finishing'} during this check"

    def alone(task: Task) -> list[CaseResult] | str:
        outcome = launch(job_root / task.name, [task])
        return outcome.results.get(task.name) or failed(outcome.stop)

    pending = list(tasks)
    outcome = launch(job_root / "batch", pending)
    if not outcome.imported:
        what = outcome.stop.reason if outcome.stop else "exited"
        reason = f"your code {what} while its modules were being imported"
        return {task.name: reason for task in tasks}, False
    results: dict[str, list[CaseResult] | str] = {}
    for number in itertools.count(1):
        results.update(outcome.results)
        stop, unfinished = outcome.stop, [t for t in pending if t.name not in outcome.results]
        stuck = next((t for t in unfinished if stop is not None and stop.item == t.name), None)
        if stuck is not None and (stop.charged or stuck is pending[0]):
            results[stuck.name] = failed(stop)
        rest = [task for task in unfinished if task.name not in results]  # stuck, if left, first
        if stuck is None or len(rest) <= 1:
            for task in rest:
                results[task.name] = alone(task)
            break
        pending = rest
        outcome = launch(job_root / f"resume{number}", pending)
    return {task.name: results[task.name] for task in tasks}, True
