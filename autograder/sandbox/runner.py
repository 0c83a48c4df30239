"""Run a student's code on hidden inputs, inside the sandbox process.

Usage: python -I runner.py JOB_DIR

JOB_DIR holds job.json (which items, which cases), the student's package in
package/, probes.py, the inputs as inputs/<item>/<case>/<name>.npy and, for a run with
reference prerequisites, prerequisites.py. For every case the runner writes what
the student's code returned to outputs/<item>/<case>/<name>.npy and a status.json.

This process runs untrusted code, so nothing it writes is believed: the grader
re-reads every file with strict checks and judges it against the reference.
"""

import importlib
import json
import os
import sys
import types
from pathlib import Path

import numpy as np

MESSAGE_LIMIT = 300
RUNNER_PID = os.getpid()


def describe(error: BaseException) -> str:
    """`Type: message` of an exception, short and without a traceback."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return text[:MESSAGE_LIMIT]


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
        self.message = f"{path} could not be imported: {describe(error)}"

    def __getattr__(self, name: str):
        raise ImportError(self.message)


def install_prerequisites(modules: StudentModules, names: list[str]) -> None:
    """Swap the reference version of each named function into the student's modules."""
    reference = importlib.import_module("prerequisites")
    for name in names:
        for module in (modules.layers, modules.model):
            if isinstance(module, types.ModuleType):
                setattr(module, name, getattr(reference, name))


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


def run_case(probe, modules: StudentModules, case_dir: Path, out_dir: Path) -> None:
    inputs = {path.stem: np.load(path, allow_pickle=False) for path in case_dir.glob("*.npy")}
    originals = {name: value.copy() for name, value in inputs.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    status = {"error": None, "types": {}, "modified": []}
    try:
        outputs = probe(modules, inputs)
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        outputs, status["error"] = None, describe(error)
    if os.getpid() != RUNNER_PID:  # a process the student's code forked: it goes no further
        os._exit(0)
    try:  # the outputs are the student's objects: saving them runs their code too
        status["types"] = save_outputs(outputs, out_dir)
    except BaseException as error:  # noqa: BLE001
        status["error"] = status["error"] or describe(error)
    status["modified"] = sorted(
        name
        for name, value in inputs.items()
        if value.shape != originals[name].shape
        or not np.array_equal(value, originals[name], equal_nan=value.dtype.kind == "f")
    )
    (out_dir / "status.json").write_text(json.dumps(status))


def main(job_dir: Path) -> None:
    job = json.loads((job_dir / "job.json").read_text())
    sys.path[:0] = [str(job_dir / "package"), str(job_dir)]
    probes = importlib.import_module("probes")
    (job_dir / "progress").write_text("importing")
    modules = StudentModules(
        {
            "layers": "cs231n.rnn_layers",
            "model": "cs231n.classifiers.rnn",
            "solver": "cs231n.captioning_solver",
        }
    )
    for entry in job["items"]:
        item = entry["item"]
        (job_dir / "progress").write_text(item)
        if entry["prerequisites"]:
            install_prerequisites(modules, entry["prerequisites"])
        for case in entry["cases"]:
            run_case(
                getattr(probes, item),
                modules,
                job_dir / "inputs" / item / case,
                job_dir / "outputs" / item / case,
            )
        (job_dir / "outputs" / item / "done").write_text("")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
