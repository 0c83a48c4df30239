"""The BLAS settings of the grader's processes, made before anything imports numpy.

- One BLAS thread: the grader's matrices are tiny, and a multithreaded OpenBLAS spinning
  against parallel workers was measured 50x slower.
- OpenBLAS's pinned kernels (cs231n/blas_kernels.py): the same reference outputs,
  held-out split and verdicts on every x86-64 machine.

The processes the grader starts (nbgrader, notebook kernels) inherit both; the sandbox
sets them for student code itself (sandbox/run.py), whoever started the grader.
"""

import os
import sys

from autograder.provided import provided_module


def pinned_kernels() -> dict[str, str]:
    """OPENBLAS_CORETYPE of the pinned kernels, or {} (set already, or nothing to pin).

    cs231n/blas_kernels.py decides, loaded from its file (autograder/provided.py).
    """
    return provided_module("blas_kernels").pinned_environment(os.environ)


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
