"""Both student notebooks run top to bottom with the solution, and fail cleanly with stubs."""

import pytest

from autograder.notebook_runner import cell_errors, execute_notebook
from autograder.paths import BUILD, NOTEBOOKS, REPO

# The budget for one notebook on a 2-core machine, model training included.
NOTEBOOK_SECONDS = 180


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_the_solution(name):
    nb, seconds = execute_notebook(REPO / "notebooks" / name, package_dir=BUILD / "solution")
    assert cell_errors(nb) == []
    assert seconds < NOTEBOOK_SECONDS, f"{name} took {seconds:.0f} s"
    printed = "".join(
        output.get("text", "") for cell in nb.cells for output in cell.get("outputs", [])
    )
    assert "BLEU-4" in printed


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_with_stubs_fails_only_with_not_implemented(name):
    nb, _ = execute_notebook(REPO / "notebooks" / name, allow_errors=True)
    errors = cell_errors(nb)
    assert errors, "the stubs should make the checks fail"
    assert {ename for _, ename, _ in errors} == {"NotImplementedError"}, errors
