"""The BLAS settings of every grader process, made before anything imports numpy.

- One BLAS thread: the grader's matrices are tiny, and a multithreaded OpenBLAS spinning
  against parallel workers was measured 50x slower.
- OpenBLAS's pinned kernels (cs231n/blas_kernels.py): the same reference outputs,
  held-out split and verdicts on every x86-64 machine.

The processes the grader starts (sandboxes, nbgrader, notebook kernels) inherit both.
"""

import importlib.util
import os
import sys

from autograder.paths import REPO

KERNELS_MODULE = REPO / "cs231n" / "blas_kernels.py"


def configure_blas() -> None:
    """Set this process's BLAS variables, keeping any the caller set.

    Raises RuntimeError if a variable must change after numpy was imported (too late for
    OpenBLAS to see it). cs231n/blas_kernels.py is loaded from its file: importing it as
    a module of `cs231n` would make the student package the grader's `cs231n`, where the
    reference must be.
    """
    spec = importlib.util.spec_from_file_location("_blas_kernels", KERNELS_MODULE)
    kernels = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kernels)
    wanted = {"OPENBLAS_NUM_THREADS": "1", **kernels.pinned_environment()}
    missing = {name: value for name, value in wanted.items() if name not in os.environ}
    if missing and "numpy" in sys.modules:
        raise RuntimeError(f"numpy was imported before {', '.join(missing)} could be set")
    os.environ.update(missing)
