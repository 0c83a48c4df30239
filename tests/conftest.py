"""Test session setup.

Inside the tests `cs231n` is the solved package (rebuilt into build/solution once at the
start of every session, before any parallel worker starts), so the provided modules are
tested together with the reference answers. The student stubs are imported by file path
in test_student_files.
"""

import os
import sys
from pathlib import Path

import pytest

# Tiny matrices: one BLAS thread is fastest and immune to a busy machine (set
# before numpy is imported; notebook kernels started by the tests inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO / "build" / "solution"

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(SOLUTION_DIR))
os.environ.setdefault("CS231N_DATA_DIR", str(REPO / "data" / "shapes_captioning"))


def pytest_configure(config) -> None:
    """Build the solved package in the main process only: pytest-xdist starts its workers
    after this hook, so they import a complete package and never rebuild it under another
    worker's feet."""
    if not hasattr(config, "workerinput"):
        from autograder.release.solution import build_solution_package

        build_solution_package(SOLUTION_DIR)


# Test groups that take longest (measured with --durations), started first so that the two
# parallel workers finish together; a group is a notebook or a whole test file.
SLOWEST_FIRST = (
    "notebook_lstm",
    "notebook_rnn",
    "test_student_bundle",
    "test_adversarial",
    "test_grading_scale",
    "test_grading",
    "test_hidden_checks",
    "test_leaderboard",
    "test_gradescope",
    "test_selfcheck",
    "test_submit",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items: list) -> None:
    """Keep every test file on one pytest-xdist worker (`--dist loadgroup`), so its module-
    scoped work (a graded batch, a notebook run) is paid once; a test may name a finer group
    with pytest.mark.xdist_group. Order the groups slowest first."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))

    def rank(item) -> int:
        marker = item.get_closest_marker("xdist_group")
        group = marker.args[0] if marker.args else marker.kwargs.get("name")
        return SLOWEST_FIRST.index(group) if group in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)
