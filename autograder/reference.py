"""The reference solution, for the grader's own (trusted) process.

The solved package is built from autograder/source and imported as `cs231n` in
the grader process only; student code never runs here, and the sandbox never sees
this package on its path.
"""

import importlib
import sys
import tempfile
import types
from pathlib import Path

from autograder.paths import SOURCE, STUDENT_MODULES
from autograder.release.solution import build_solution_package
from autograder.release.stubs import strip_markers


def reference_modules() -> types.SimpleNamespace:
    """The solved rnn_layers, classifiers.rnn and captioning_solver modules.

    The solved package is written to a private temporary folder of this process,
    so that parallel workers never race on a shared copy.
    """
    loaded = sys.modules.get("cs231n")
    if loaded is None:
        solution_dir = Path(tempfile.mkdtemp(prefix="reference-"))
        build_solution_package(solution_dir)
        sys.path.insert(0, str(solution_dir))
    elif not is_solved_package(Path(loaded.__file__).parent):
        raise RuntimeError(f"the grader imported a cs231n that is not the reference: {loaded}")
    return types.SimpleNamespace(
        layers=importlib.import_module("cs231n.rnn_layers"),
        model=importlib.import_module("cs231n.classifiers.rnn"),
        solver=importlib.import_module("cs231n.captioning_solver"),
    )


def is_solved_package(package: Path) -> bool:
    """Whether a cs231n folder holds the reference answers (and not stubs)."""
    return all(
        (package.parent / relative).read_text() == strip_markers((SOURCE / relative).read_text())
        for relative in STUDENT_MODULES
    )
