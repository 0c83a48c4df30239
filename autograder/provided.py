"""Provided modules of the student package, loaded from their files by the grader.

Importing one as a module of `cs231n` would make whichever `cs231n` is first on the
path the grader's `cs231n`, where the reference must be (autograder/reference.py). A
provided module loaded here must import nothing of `cs231n` itself.
"""

import functools
import importlib.util
from types import ModuleType

from autograder.paths import REPO


@functools.cache
def provided_module(name: str) -> ModuleType:
    """cs231n/<name>.py of the kit, loaded from its file under a private name.

    Inputs:
    - name: The module's name inside cs231n, e.g. "blas_kernels"

    Returns:
    - The module (loaded once per process)
    """
    path = REPO / "cs231n" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_provided_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
