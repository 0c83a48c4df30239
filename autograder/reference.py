"""The reference solution, for the grader's own (trusted) process.

The solved package is built from autograder/source and imported as `cs231n` in
the grader process only; student code never runs here, and the sandbox never sees
this package on its path.
"""

import ast
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


def prerequisites_source(names: list[str]) -> str:
    """A module holding only the named reference functions (and the imports they need).

    Inputs:
    - names: Functions of rnn_layers to keep (each one's own dependencies must be listed
      too), and "CaptioningRNN.loss" for the reference model class

    Returns:
    - Python source of the module
    """
    layers = ast.parse(strip_markers((SOURCE / "cs231n" / "rnn_layers.py").read_text()))
    kept = [
        node
        for node in layers.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.FunctionDef) and node.name in names)
    ]
    missing = {name for name in names if "." not in name} - {
        node.name for node in kept if isinstance(node, ast.FunctionDef)
    }
    if missing:
        raise KeyError(f"no reference function {sorted(missing)}")
    if "CaptioningRNN.loss" in names:
        model = ast.parse(strip_markers((SOURCE / "cs231n" / "classifiers" / "rnn.py").read_text()))
        kept += [node for node in model.body if isinstance(node, ast.ClassDef)]
    return ast.unparse(ast.Module(body=kept, type_ignores=[])) + "\n"
