"""Test session setup.

Inside the tests `cs231n` is the solved package (rebuilt into build/solution at the
start of every session), so the provided modules are tested together with the
reference answers. The student stubs are imported by file path in test_student_files.
"""

import os
import sys
from pathlib import Path

# Tiny matrices: one BLAS thread is fastest and immune to a busy machine (set
# before numpy is imported; notebook kernels started by the tests inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO / "build" / "solution"

sys.path.insert(0, str(REPO))
from autograder.solution import build_solution_package  # noqa: E402

build_solution_package(SOLUTION_DIR)
sys.path.insert(0, str(SOLUTION_DIR))
os.environ.setdefault("CS231N_DATA_DIR", str(REPO / "data" / "shapes_captioning"))
