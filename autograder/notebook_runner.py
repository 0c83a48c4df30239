"""Execute a notebook headless with nbclient, against a chosen `cs231n` package."""

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from autograder.paths import REPO


def execute_notebook(
    path: Path,
    package_dir: Path | None = None,
    timeout: int = 600,
    allow_errors: bool = False,
) -> tuple[NotebookNode, float]:
    """Run every cell of a notebook in a fresh python3 kernel.

    The kernel's working directory is the notebook's folder; the notebooks find
    the student package next to it unless PYTHONPATH names another one first.

    Inputs:
    - path: The .ipynb file
    - package_dir: Directory holding the `cs231n` package to use (e.g. the solved
      build/solution); None uses the student package next to the notebooks
    - timeout: Seconds allowed per cell
    - allow_errors: If False, the first failing cell raises CellExecutionError

    Returns a tuple of:
    - nb: The executed notebook, outputs included
    - seconds: Wall time of the whole execution
    """
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env.setdefault("CS231N_DATA_DIR", str(REPO / "data" / "shapes_captioning"))
    if package_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_dir), env.get("PYTHONPATH")]))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    start = time.perf_counter()
    client.execute(env=env)
    return nb, time.perf_counter() - start


def cell_errors(nb: NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, exception name, message) of every cell that raised."""
    return [
        (index, output.ename, output.evalue)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
