"""The BLAS settings of the grader's processes, made before anything imports numpy.

- One BLAS thread: the grader's matrices are tiny, and a multithreaded OpenBLAS spinning
  against parallel workers was measured 50x slower.
- OpenBLAS's pinned kernels (cs231n/blas_kernels.py): the same reference outputs,
  held-out split and verdicts on every x86-64 machine.

The processes the grader starts (nbgrader, notebook kernels) inherit both; the sandbox
sets them for student code itself (sandbox/run.py), whoever started the grader.
"""

import functools
import importlib.util
import os
import sys
from types import ModuleType

from autograder.paths import REPO

KERNELS_MODULE = REPO / "cs231n" / "blas_kernels.py"


@functools.cache
def blas_kernels() -> ModuleType:
    """cs231n/blas_kernels.py, loaded from its file.

    Importing it as a module of `cs231n` would make the student package the grader's
    `cs231n`, where the reference must be.
    """
    spec = importlib.util.spec_from_file_location("_blas_kernels", KERNELS_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pinned_kernels() -> dict[str, str]:
    """OPENBLAS_CORETYPE of the pinned kernels, or {} (set already, or nothing to pin)."""
    return blas_kernels().pinned_environment(os.environ)


def configure_blas() -> None:
    """Set this process's BLAS variables, keeping any the caller set.

    Raises RuntimeError if a variable must change after numpy was imported (too late for
    OpenBLAS to see it).
    """
    wanted = {"OPENBLAS_NUM_THREADS": "1", **pinned_kernels()}
    missing = {name: value for name, value in wanted.items() if name not in os.environ}
    if missing and "numpy" in sys.modules:
        raise RuntimeError(f"numpy was imported before {', '.join(missing)} could be set")
    os.environ.update(missing)
