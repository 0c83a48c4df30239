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

REPO = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO / "build" / "solution"

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(SOLUTION_DIR))

from autograder.blas import configure_blas  # noqa: E402

# The grader's settings, before numpy is imported: one BLAS thread (fastest for tiny
# matrices, immune to a busy machine) and the pinned OpenBLAS kernels, so that the
# notebooks reach the numbers they state on any x86-64 machine. Notebook kernels,
# sandboxes and the commands the tests run inherit both.
configure_blas()
os.environ.setdefault("CS231N_DATA_DIR", str(REPO / "data" / "shapes_captioning"))


def pytest_configure(config) -> None:
    """Make the process fit to run nbgrader (the tests open gradebooks themselves too).
    Build the solved package in the main process only: pytest-xdist starts its workers
    after this hook, so they import a complete package and never rebuild it under another
    worker's feet."""
    from autograder.course.course import nbgrader_process

    nbgrader_process()
    if not hasattr(config, "workerinput"):
        from autograder.release.solution import build_solution_package

        build_solution_package(SOLUTION_DIR)


# Files whose module-scoped work (a graded batch, an installed kit, a report) is expensive:
# each runs whole on one pytest-xdist worker (`--dist loadgroup`), so that work is paid
# once. The notebooks name their own groups (one run per notebook).
GROUPED = {
    "test_gradescope",
    "test_grading",
    "test_student_bundle",
    "test_course_workflows",
    "test_exchange",
    "test_similarity",
    "test_shapes_dataset",
}
# The files that read the one adversarial batch (adversarial_batch.py) share a group.
ADVERSARIAL = {"test_adversarial", "test_adversarial_markup", "test_adversarial_intake"}
# Groups and files by the time they take (measured with --durations), slowest first: the
# groups start first, and the tests of every other file, handed out one at a time as
# workers free up, fill the gaps so that both workers finish together.
SLOWEST_FIRST = (
    "adversarial",
    "test_gradescope",
    "notebook_lstm",
    "notebook_rnn",
    "test_exchange",
    "test_grading",
    "test_student_bundle",
    "test_course_workflows",
    "test_student_corpus",
    "test_hidden_checks",
    "test_submit",
    "test_similarity",
)


def group_of(item) -> str | None:
    """The item's xdist_group, if it has one."""
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return None
    return marker.args[0] if marker.args else marker.kwargs.get("name")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items: list) -> None:
    """Keep each GROUPED file, and the ADVERSARIAL files together, on one worker; order
    everything slowest first."""
    for item in items:
        if group_of(item) is None and item.path.stem in GROUPED:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
        elif group_of(item) is None and item.path.stem in ADVERSARIAL:
            item.add_marker(pytest.mark.xdist_group("adversarial"))

    def rank(item) -> int:
        key = group_of(item) or item.path.stem
        return SLOWEST_FIRST.index(key) if key in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def adversarial_batch(tmp_path_factory):
    """Every attack of the adversarial corpora and their controls, graded in one run."""
    from adversarial_batch import grade_batch

    return grade_batch(tmp_path_factory.mktemp("adversarial"))
