"""Run a student's code on hidden inputs, inside the sandbox process.

Usage: python -I runner.py JOB_DIR

JOB_DIR holds job.json (which items, the probe and options of each, which cases), the
student's package in package/, probes.py, the inputs of each case as inputs/<item>/<case>.npz
and, for a run with reference prerequisites, prerequisites.py. For every case the runner
writes what the student's code returned to outputs/<item>/<case>/<name>.npy and a
status.json (the error raised, and where in the student's files; the types returned; the
probe's report).

This process runs untrusted code, so nothing it writes is believed: the grader
re-reads every file with strict checks and judges it against the reference.
"""

import importlib
import json
import os
import sys
import traceback
import types
from pathlib import Path

import numpy as np

MESSAGE_LIMIT = 300
RUNNER_PID = os.getpid()
STUDENT_FILES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
STEP_FORWARDS = ("rnn_step_forward", "lstm_step_forward")
STEP_BACKWARDS = ("rnn_step_backward", "lstm_step_backward")
NOT_IMPORTABLE = "could not be imported"  # in the error of every use of such a module


def describe(error: BaseException) -> str:
    """`Type: message` of an exception, short and without a traceback."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text[:MESSAGE_LIMIT]


def student_frame(error: BaseException, package: Path) -> dict | None:
    """File, line and function of the innermost frame of an error in a student-edited file."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        try:
            relative = Path(frame.filename).resolve().relative_to(package).as_posix()
        except ValueError:
            continue
        if relative in STUDENT_FILES:
            return {"file": relative, "line": frame.lineno, "function": frame.name}
    return None


class StudentModules(types.SimpleNamespace):
    """The student's modules; one that failed to import raises its error when used."""

    def __init__(self, names: dict):
        super().__init__()
        for attribute, module_name in names.items():
            try:
                setattr(self, attribute, importlib.import_module(module_name))
            except BaseException as error:  # noqa: BLE001 - a broken import is a result
                setattr(self, attribute, ImportFailure(module_name, error))


class ImportFailure:
    """Stands in for a module that could not be imported."""

    def __init__(self, module_name: str, error: BaseException):
        path = module_name.replace(".", "/") + ".py"
        self.message = f"{path} {NOT_IMPORTABLE}: {describe(error)}"

    def __getattr__(self, name: str):
        raise ImportError(self.message)


class CachePairs:
    """The student's step caches, each paired with the reference cache of the same step."""

    def __init__(self):
        self.pairs: list[tuple[object, object]] = []

    def add(self, own, reference) -> None:
        self.pairs.append((own, reference))

    def reference_for(self, cache):
        """The reference cache paired with cache (by identity, else by equal content)."""
        for own, reference in self.pairs:
            if own is cache:
                return reference
        for own, reference in self.pairs:
            if same_content(own, cache):
                return reference
        return cache


def same_content(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_content(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same_content(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    return a is b or a == b


def step_forward_keeping_own_cache(reference, own, pairs: CachePairs):
    """The reference step forward, handing back the cache the student's own step makes.

    The student's sequence functions may read their own cache format; the reference
    step backward finds its own cache again through pairs.
    """

    def step(*args):
        *outputs, reference_cache = reference(*args)
        try:
            *_, own_cache = own(*args)
        except Exception:  # noqa: BLE001 - a broken own step: hand back the reference cache
            return (*outputs, reference_cache)
        if isinstance(own_cache, tuple | list | dict) and len(own_cache) > 0:
            pairs.add(own_cache, reference_cache)
            return (*outputs, own_cache)
        return (*outputs, reference_cache)

    return step


def step_backward_finding_reference_cache(reference, pairs: CachePairs):
    def step(*args):
        *upstream, cache = args
        return reference(*upstream, pairs.reference_for(cache))

    return step


def install_prerequisites(modules: StudentModules, names: list[str], own_caches: bool) -> None:
    """Swap the reference version of each named function into the student's modules.

    The reference functions call each other through the prerequisites module, which
    holds exactly the swapped ones (a plan lists each function's dependencies). When both step
    functions of a cell are swapped but its sequence backward is the student's (which
    may read the step caches) and own_caches is set, the step forward hands back the
    student's own cache format and the step backward finds the reference cache again.
    "CaptioningRNN.loss" swaps the reference loss method into the student's model.
    """
    reference = sys.modules["prerequisites"]
    layers = modules.layers if isinstance(modules.layers, types.ModuleType) else None
    pairs = CachePairs()
    chosen = {}
    for name in names:
        if name == "CaptioningRNN.loss":
            continue
        function = getattr(reference, name)
        own = getattr(layers, name, None)
        cell = name.split("_")[0]
        if own_caches and f"{cell}_step_backward" in names and f"{cell}_backward" not in names:
            if name in STEP_FORWARDS and own is not None:
                function = step_forward_keeping_own_cache(function, own, pairs)
            elif name in STEP_BACKWARDS:
                function = step_backward_finding_reference_cache(function, pairs)
        chosen[name] = function
    for name, function in chosen.items():
        setattr(reference, name, function)
        for module in (modules.layers, modules.model):
            if isinstance(module, types.ModuleType):
                setattr(module, name, function)
    if "CaptioningRNN.loss" in names and isinstance(modules.model, types.ModuleType):
        modules.model.CaptioningRNN.loss = reference.CaptioningRNN.loss


def save_outputs(outputs, out_dir: Path) -> dict:
    """Write every returned value that is numeric data; report the type of each."""
    if not isinstance(outputs, dict):
        return {}
    types_seen = {}
    for name, value in outputs.items():
        types_seen[name] = type(value).__name__
        if isinstance(value, np.ndarray | np.generic | float | int) and not isinstance(value, bool):
            try:
                np.save(out_dir / f"{name}.npy", np.asarray(value), allow_pickle=False)
            except (ValueError, TypeError):
                types_seen[name] = "array of Python objects"
    return types_seen


def run_case(
    probe, options: dict, modules: StudentModules, case_path: Path, out_dir: Path, package: Path
) -> None:
    with np.load(case_path, allow_pickle=False) as archive:
        inputs = {name: archive[name] for name in archive.files}
    out_dir.mkdir(parents=True, exist_ok=True)
    status = {"error": None, "where": None, "types": {}, "report": {}}
    try:
        outputs = probe(modules, inputs, options, status["report"])
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        outputs, status["error"] = None, describe(error)
        status["where"] = student_frame(error, package)
    if os.getpid() != RUNNER_PID:  # a process the student's code forked: it goes no further
        os._exit(0)
    try:  # the outputs are the student's objects: saving them runs their code too
        status["types"] = save_outputs(outputs, out_dir)
    except BaseException as error:  # noqa: BLE001
        status["error"] = status["error"] or describe(error)
    try:
        text = json.dumps(status)
    except (TypeError, ValueError):  # a report the student's objects made unserialisable
        status["report"] = {}
        text = json.dumps(status)
    (out_dir / "status.json").write_text(text)


def load_reference(job_dir: Path) -> None:
    """Load prerequisites.py (the reference functions a retry swaps in), then delete it.

    It is loaded before any student code runs, so the student's code never finds the
    reference's source on disk (nor through inspect or linecache).
    """
    path = job_dir / "prerequisites.py"
    if not path.is_file():
        return
    source = path.read_text()
    path.unlink()
    module = types.ModuleType("prerequisites")
    sys.modules["prerequisites"] = module
    exec(compile(source, "<reference>", "exec"), module.__dict__)


def main(job_dir: Path) -> None:
    job = json.loads((job_dir / "job.json").read_text())
    package = (job_dir / "package").resolve()
    sys.path[:0] = [str(package), str(job_dir)]
    probes = importlib.import_module("probes")
    load_reference(job_dir)
    (job_dir / "progress").write_text("importing")
    modules = StudentModules(
        {
            "layers": "cs231n.rnn_layers",
            "model": "cs231n.classifiers.rnn",
            "solver": "cs231n.captioning_solver",
        }
    )
    for entry in job["items"]:
        (job_dir / "progress").write_text(entry["item"])
        if entry["prerequisites"] and len(job["items"]) > 1:
            apart(lambda entry=entry: run_entry(entry, probes, modules, job_dir, package))
        else:
            run_entry(entry, probes, modules, job_dir, package)


def run_entry(entry: dict, probes, modules: StudentModules, job_dir: Path, package: Path) -> None:
    """Run every case of one item (its reference functions swapped in first), then mark it done."""
    item = entry["item"]
    if entry["prerequisites"]:
        install_prerequisites(modules, entry["prerequisites"], entry["own_caches"])
    for case in entry["cases"]:
        run_case(
            getattr(probes, entry["probe"]),
            entry["options"],
            modules,
            job_dir / "inputs" / item / f"{case}.npz",
            job_dir / "outputs" / item / case,
            package,
        )
    (job_dir / "outputs" / item / "done").write_text("")


def apart(work) -> None:
    """Run work in a forked child and wait for it, so that the reference functions it
    swaps into the student's modules are gone for the next item of the job.

    An item whose child could not start or did not finish is not marked done: the
    grader runs it again in a job of its own, where nothing needs undoing.
    """
    global RUNNER_PID
    try:
        pid = os.fork()
    except OSError:  # e.g. RLIMIT_NPROC outside the jail
        return
    if pid == 0:
        RUNNER_PID = os.getpid()
        try:
            work()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
