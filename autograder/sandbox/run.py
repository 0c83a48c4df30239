"""Lay out a sandbox job, run it in a limited child process, read back its results.

The child is `python -I runner.py JOB_DIR` in a fresh session, shut in as far as
the machine allows (isolation.py), with a scrubbed environment: no PYTHONPATH (a
reference package there would shadow the student's), one BLAS thread, its working
directory, home and temporary directory the job directory.
"""

import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.blas import pinned_kernels
from autograder.checks.results import CaseResult, read_error, read_report, read_types, read_where
from autograder.sandbox.isolation import sandbox_launch
from autograder.sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
PROBES = HERE.parent / "checks" / "probes.py"
STATUS_LIMIT = 100_000
IMPORTING = "importing"  # what runner.py writes to JOB_DIR/progress before the imports
IMPORT_SECONDS = 10.0
POLL_SECONDS = 0.02
# Variables the child keeps: locale, and the OpenBLAS settings some CPUs need to be correct.
KEPT_VARIABLES = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class Task:
    """One item's part of a sandbox job.

    - name: The item (its outputs land in outputs/<name>/)
    - probe, options: The procedure of checks/probes.py to run, and its options
    - cases: The inputs of every case (name -> array)
    - outputs: The output names to read back, per case
    - seconds: Wall-clock seconds the item may take
    - prerequisites: Reference functions swapped into the student's modules first
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
    own_caches: bool = False


@dataclass(frozen=True)
class Stop:
    """Why a job did not finish.

    - reason: What went wrong, in words for the feedback ("timed out after 8 s")
    - item: The item the runner was on (None while importing, or when not known)
    - overstayed: Whether that item was stopped for taking longer than its own seconds
    """

    reason: str
    item: str | None = None
    overstayed: bool = False


def write_job(
    job_dir: Path, package_dir: Path, tasks: list[Task], prerequisites_source: str | None = None
) -> None:
    """Write the inputs, the probes and job.json for the runner.

    Inputs:
    - job_dir: Empty directory for the job
    - package_dir: Directory holding the student's `cs231n` package (copied into
      the job, so that the job directory is all the child needs)
    - tasks: What to run, in order
    - prerequisites_source: Text of the module that holds the reference functions
      the tasks swap in
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "runner.py", job_dir / "runner.py")
    shutil.copy(PROBES, job_dir / "probes.py")
    shutil.copytree(package_dir, job_dir / "package")
    if prerequisites_source is not None:
        (job_dir / "prerequisites.py").write_text(prerequisites_source)
    entries = []
    for task in tasks:
        names = []
        item_dir = job_dir / "inputs" / task.name
        item_dir.mkdir(parents=True, exist_ok=True)
        for index, case in enumerate(task.cases):
            # One file per case: creating a file costs up to a millisecond of CPU.
            np.savez(item_dir / f"case{index}.npz", **case)
            names.append(f"case{index}")
        entries.append(
            {
                "item": task.name,
                "probe": task.probe,
                "options": task.options,
                "cases": names,
                "prerequisites": list(task.prerequisites),
                "own_caches": task.own_caches,
            }
        )
    (job_dir / "job.json").write_text(json.dumps({"items": entries}))


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


def run_job(
    job_dir: Path,
    limits: Limits,
    item_seconds: dict[str, float] | None = None,
    private_roots: list[Path] | None = None,
) -> Stop | None:
    """Run the runner on a prepared job; None if it finished, else why it stopped.

    Inputs:
    - job_dir: A directory prepared by write_job
    - limits: Limits of the whole process
    - item_seconds: Wall seconds each item may take; the runner names the item it
      is on in JOB_DIR/progress (IMPORTING while it imports the student's modules,
      which may take IMPORT_SECONDS), and the process is killed when one overstays
    - private_roots: Directories the student's code must not see, besides the kit's
      own (e.g. the grader's output folder)
    """
    seconds = {IMPORTING: IMPORT_SECONDS, **(item_seconds or {})}
    launch = sandbox_launch(job_dir, private_roots or [])
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
        preexec_fn=limits.apply,
    )
    try:
        returncode, overstayed, item = watch(process, job_dir, limits.wall_seconds, seconds)
    finally:
        kill_group(process)
    if overstayed is not None:
        return Stop(f"timed out after {overstayed:.0f} s", item, overstayed=item is not None)
    killed_by = signal_of(returncode)
    item = current_item(job_dir)
    if killed_by == signal.SIGXCPU:
        return Stop(f"used more than {limits.cpu_seconds} s of CPU time", item)
    if killed_by is not None:
        return Stop(f"crashed ({killed_by.name})", item)
    if returncode != 0:
        return Stop(f"stopped the grading process (exit code {returncode})", item)
    return None


def signal_of(returncode: int) -> signal.Signals | None:
    """The signal that killed the child: -N from subprocess, 128 + N from the jail."""
    number = -returncode if returncode < 0 else returncode - 128
    try:
        return signal.Signals(number) if number > 0 else None
    except ValueError:
        return None


def progress(job_dir: Path) -> str | None:
    """What the runner wrote last to JOB_DIR/progress: IMPORTING or an item (None if nothing)."""
    try:
        return (job_dir / "progress").read_text()[:100]
    except OSError:
        return None


def current_item(job_dir: Path) -> str | None:
    """The item the runner named last (None while importing, or if it named none)."""
    item = progress(job_dir)
    return None if item == IMPORTING else item


def stopped_while_importing(job_dir: Path) -> bool:
    """Whether the runner never got past importing the student's modules."""
    return progress(job_dir) in (IMPORTING, None)


def watch(
    process: subprocess.Popen, job_dir: Path, wall_seconds: float, item_seconds: dict
) -> tuple[int | None, float | None, str | None]:
    """Wait for the process: (returncode, None, None), or (None, limit, item) once a limit
    is overstayed (item None for the whole job's wall_seconds)."""
    start = time.monotonic()
    current, since = None, start
    while True:
        try:
            return process.wait(timeout=POLL_SECONDS), None, None
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now - start > wall_seconds:
            return None, wall_seconds, None
        item = progress(job_dir)
        if item != current:
            current, since = item, now
        if current in item_seconds and now - since > item_seconds[current]:
            return None, item_seconds[current], None if current == IMPORTING else current


def kill_group(process: subprocess.Popen) -> None:
    """Kill the child and anything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def item_finished(job_dir: Path, item: str) -> bool:
    return (job_dir / "outputs" / item / "done").is_file()


def read_case(case_dir: Path, expected_names: list[str]) -> CaseResult:
    """Read one case back, believing nothing: bad files become a broken result."""
    status_path = case_dir / "status.json"
    try:
        if status_path.stat().st_size > STATUS_LIMIT:
            raise ValueError("status too large")
        status = json.loads(status_path.read_text())
        error = read_error(status["error"])
        types = read_types(status["types"])
        report = read_report(status["report"])
        where = read_where(status["where"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return CaseResult(error="GradingError: no readable result (did your code exit early?)")
    arrays = {}
    for name in expected_names:
        path = case_dir / f"{name}.npy"
        if name in types and path.is_file():
            try:
                arrays[name] = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                types[name] = "unreadable value"
    return CaseResult(error=error, where=where, types=types, report=report, arrays=arrays)


def run_items(
    package_dir: Path,
    job_root: Path,
    tasks: list[Task],
    prerequisites_source: str | None = None,
    private_roots: list[Path] | None = None,
) -> tuple[dict[str, list[CaseResult] | str], bool]:
    """Run tasks in one sandbox, going on in a fresh one past an item that stops it.

    An item that stops the sandbox (it hangs or kills the process) costs that item only:
    one that overstayed its own seconds is charged at once (it had them all, alone in
    the sandbox, and would only hang again), and so is one that crashed the sandbox as
    its first item (nothing ran before it); one that crashed it after other items runs
    again, first, in JOB_ROOT/resume<k>, where the items after it go on together. An
    item left unfinished for another reason (its process could not start) runs again on
    its own.

    Inputs:
    - package_dir: Directory holding the student's `cs231n` package
    - job_root: Empty directory for the jobs (JOB_ROOT/batch, JOB_ROOT/resume<k>, then
      JOB_ROOT/<task>)
    - tasks: What to run
    - prerequisites_source: As for write_job
    - private_roots: As for run_job

    Returns a tuple of:
    - results: Map from task name to its case results, or to what went wrong if it
      never finished
    - imported: False if the student's modules could not even be imported (every task
      then fails with that reason, and nothing is run again)
    """

    def launch(job_dir: Path, chosen: list[Task]) -> Stop | None:
        write_job(job_dir, package_dir, chosen, prerequisites_source)
        wall = IMPORT_SECONDS + sum(task.seconds for task in chosen)
        limits = Limits().scaled(wall / Limits().wall_seconds)
        seconds = {task.name: task.seconds for task in chosen}
        return run_job(job_dir, limits, seconds, private_roots)

    def result(job_dir: Path, task: Task, stop: Stop | None) -> list[CaseResult] | str:
        if item_finished(job_dir, task.name):
            return [
                read_case(job_dir / "outputs" / task.name / f"case{index}", names)
                for index, names in enumerate(task.outputs)
            ]
        return f"your code {stop.reason if stop else 'stopped before finishing'} during this check"

    def alone(task: Task) -> list[CaseResult] | str:
        job_dir = job_root / task.name
        return result(job_dir, task, launch(job_dir, [task]))

    job_dir, pending = job_root / "batch", list(tasks)
    stop = launch(job_dir, pending)
    if stopped_while_importing(job_dir):
        what = stop.reason if stop else "exited"
        reason = f"your code {what} while its modules were being imported"
        return {task.name: reason for task in tasks}, False
    results = {}
    for number in itertools.count(1):
        done = {task.name for task in pending if item_finished(job_dir, task.name)}
        if len(pending) == 1:  # a job of one item: what it did is its result
            done = {pending[0].name}
        for task in pending:
            if task.name in done:
                results[task.name] = result(job_dir, task, stop)
        unfinished = [task for task in pending if task.name not in done]
        stuck = next((t for t in unfinished if stop is not None and stop.item == t.name), None)
        if stuck is not None and (stop.overstayed or stuck is pending[0]):
            results[stuck.name] = result(job_dir, stuck, stop)
        rest = [task for task in unfinished if task.name not in results]  # stuck, if left, first
        if stuck is None or len(rest) <= 1:
            for task in rest:
                results[task.name] = alone(task)
            break
        job_dir, pending = job_root / f"resume{number}", rest
        stop = launch(job_dir, pending)
    return {task.name: results[task.name] for task in tasks}, True
