"""Lay out a sandbox job, run it in a limited child process, read back its results.

The child is `python -I runner.py JOB_DIR` in a fresh session and, where the machine
allows it, an empty network namespace, with a scrubbed environment: no PYTHONPATH
(a reference package there would shadow the student's), one BLAS thread, its
working directory the job directory.
"""

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from autograder.checks.compare import CaseResult
from autograder.sandbox.limits import Limits

HERE = Path(__file__).resolve().parent
PROBES = HERE.parent / "checks" / "probes.py"
STATUS_LIMIT = 100_000
POLL_SECONDS = 0.02
# Variables the child keeps: locale, and the OpenBLAS settings some CPUs need to be correct.
KEPT_VARIABLES = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def write_job(
    job_dir: Path,
    package_dir: Path,
    items: dict[str, list[dict]],
    prerequisites: dict[str, list[str]] | None = None,
    prerequisites_source: str | None = None,
) -> None:
    """Write the inputs, the probes and job.json for the runner.

    Inputs:
    - job_dir: Empty directory for the job
    - package_dir: Directory holding the student's `cs231n` package
    - items: Map from item name to its list of cases (name -> array)
    - prerequisites: Map from item name to the reference functions to swap in
    - prerequisites_source: Text of the module that holds those functions
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "runner.py", job_dir / "runner.py")
    shutil.copy(PROBES, job_dir / "probes.py")
    if prerequisites_source is not None:
        (job_dir / "prerequisites.py").write_text(prerequisites_source)
    entries = []
    for item, cases in items.items():
        names = []
        for index, case in enumerate(cases):
            case_dir = job_dir / "inputs" / item / f"case{index}"
            case_dir.mkdir(parents=True, exist_ok=True)
            for name, value in case.items():
                np.save(case_dir / f"{name}.npy", value, allow_pickle=False)
            names.append(f"case{index}")
        wanted = (prerequisites or {}).get(item, [])
        entries.append({"item": item, "cases": names, "prerequisites": wanted})
    job = {"package_dir": str(package_dir), "items": entries}
    (job_dir / "job.json").write_text(json.dumps(job))


@functools.cache
def network_isolation() -> list[str]:
    """A command prefix that runs the child without network, if this machine allows it.

    `unshare --net` gives the child an empty network namespace (needs root or user
    namespaces). Where it is not available the sandbox runs with the network of the
    machine, and the grader says so once.
    """
    try:
        probe = subprocess.run(
            ["unshare", "--net", "--", "true"], capture_output=True, timeout=10, check=False
        )
        if probe.returncode == 0:
            return ["unshare", "--net", "--"]
    except (OSError, subprocess.TimeoutExpired):
        pass
    print("warning: no network namespace available; student code runs with network access")
    return []


def child_environment(job_dir: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env.update(
        PATH=os.defpath,
        HOME=str(job_dir),
        TMPDIR=str(job_dir),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_job(
    job_dir: Path, limits: Limits, item_seconds: dict[str, float] | None = None
) -> str | None:
    """Run the runner on a prepared job; None if it finished, else what went wrong.

    Inputs:
    - job_dir: A directory prepared by write_job
    - limits: Limits of the whole process
    - item_seconds: Wall seconds each item may take; the runner names the item it
      is on in JOB_DIR/progress, and the process is killed when one overstays
    """
    with open(job_dir / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(
            [*network_isolation(), sys.executable, "-I", str(job_dir / "runner.py"), str(job_dir)],
            cwd=job_dir,
            env=child_environment(job_dir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=limits.apply,
        )
        try:
            returncode, overstayed = watch(
                process, job_dir, limits.wall_seconds, item_seconds or {}
            )
        finally:
            kill_group(process)
    if overstayed is not None:
        return f"timed out after {overstayed:.0f} s"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        if name == "SIGXCPU":
            return f"used more than {limits.cpu_seconds} s of CPU time"
        return f"crashed ({name})"
    if returncode != 0:
        return f"stopped the grading process (exit code {returncode})"
    return None


def watch(
    process: subprocess.Popen, job_dir: Path, wall_seconds: float, item_seconds: dict
) -> tuple[int | None, float | None]:
    """Wait for the process; (returncode, None), or (None, limit) once a limit is overstayed."""
    start = time.monotonic()
    current, since = None, start
    while True:
        try:
            return process.wait(timeout=POLL_SECONDS), None
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now - start > wall_seconds:
            return None, wall_seconds
        try:
            item = (job_dir / "progress").read_text()[:100]
        except OSError:
            item = None
        if item != current:
            current, since = item, now
        if current in item_seconds and now - since > item_seconds[current]:
            return None, item_seconds[current]


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
        error = status["error"]
        types = {str(k): str(v) for k, v in dict(status["types"]).items()}
        modified = [str(name) for name in list(status["modified"])]
        if error is not None and not isinstance(error, str):
            raise ValueError("bad error field")
    except (OSError, ValueError, KeyError, TypeError):
        return CaseResult(error="GradingError: no readable result (did your code exit early?)")
    arrays = {}
    for name in expected_names:
        path = case_dir / f"{name}.npy"
        if name in types and path.is_file():
            try:
                arrays[name] = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                types[name] = "unreadable value"
    return CaseResult(error=error, types=types, modified=modified, arrays=arrays)


def run_items(
    package_dir: Path,
    job_root: Path,
    items: dict[str, list[dict]],
    outputs: dict[str, list[list[str]]],
    seconds: dict[str, float],
    prerequisites: dict[str, list[str]] | None = None,
    prerequisites_source: str | None = None,
) -> dict[str, list[CaseResult] | str]:
    """Run items in one sandbox; any item it did not finish runs again on its own.

    Inputs:
    - package_dir: Directory holding the student's `cs231n` package
    - job_root: Empty directory for the jobs (JOB_ROOT/batch, then JOB_ROOT/<item>)
    - items: Map from item name to its list of cases (name -> array)
    - outputs: Map from item name to the output names to read back, per case
    - seconds: Wall-clock seconds each item may take
    - prerequisites, prerequisites_source: As for write_job

    Returns:
    - Map from item name to its case results, or to what went wrong if it never finished
    """
    write_job(job_root / "batch", package_dir, items, prerequisites, prerequisites_source)
    total = Limits().scaled(sum(seconds[item] for item in items) / Limits().wall_seconds)
    failure = run_job(job_root / "batch", total, {item: seconds[item] for item in items})
    results = {}
    for item, cases in items.items():
        job_dir = job_root / "batch"
        if not item_finished(job_dir, item) and len(items) > 1:
            job_dir = job_root / item
            write_job(job_dir, package_dir, {item: cases}, prerequisites, prerequisites_source)
            failure = run_job(job_dir, Limits().scaled(seconds[item] / Limits().wall_seconds))
        if item_finished(job_dir, item):
            results[item] = [
                read_case(job_dir / "outputs" / item / f"case{index}", names)
                for index, names in enumerate(outputs[item])
            ]
        else:
            results[item] = f"your code {failure or 'stopped before finishing'} during this check"
    return results
