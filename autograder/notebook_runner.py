"""Execute a notebook headless with nbclient, against a chosen `cs231n` package.

The kernel talks to nbclient over IPC (Unix sockets in a private temporary folder), not
TCP: no port is picked by binding and releasing a free one, which another process on a
busy machine (another kernel, a parallel test worker) can take before the kernel binds it,
and ipykernel has no reason to warn about unencrypted TCP.
"""

import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode
from traitlets.config import Config

from autograder.paths import DATA_DIR


def execute_notebook(
    path: Path,
    workdir: Path,
    package_dir: Path | None = None,
    timeout: int = 600,
    allow_errors: bool = False,
) -> tuple[NotebookNode, float]:
    """Run every cell of a notebook in a fresh python3 kernel.

    Inputs:
    - path: The .ipynb file (it is read, never written)
    - workdir: The kernel's working directory: whatever the notebook saves lands there
    - package_dir: Directory holding the `cs231n` package to use (e.g. the solved
      build/solution); None uses the student package next to the notebook's folder
    - timeout: Seconds allowed per cell
    - allow_errors: If False, the first failing cell raises CellExecutionError

    Returns a tuple of:
    - nb: The executed notebook, outputs included
    - seconds: Wall time of the whole execution
    """
    path = Path(path).resolve()
    package = Path(package_dir) if package_dir is not None else path.parent.parent
    workdir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    env.setdefault("CS231N_DATA_DIR", str(DATA_DIR))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        # The client makes (and so also shuts down) its kernel manager from this config.
        ipc = {
            "transport": "ipc",
            "ip": os.path.join(sockets, "ipc"),
            "connection_file": os.path.join(sockets, "connection.json"),
        }
        client = NotebookClient(
            nb,
            config=Config({"KernelManager": ipc}),
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(workdir)}},
        )
        start = time.perf_counter()
        client.execute(env=env)
        seconds = time.perf_counter() - start
    return nb, seconds


def cell_errors(nb: NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, exception name, message) of every cell that raised."""
    return [
        (index, output.ename, output.evalue)
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def printed_text(nb: NotebookNode) -> str:
    """Everything the notebook's cells printed or returned as text, in order."""
    return "".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def stderr_text(nb: NotebookNode) -> str:
    """Everything the notebook's cells wrote to stderr (warnings included)."""
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.get("name") == "stderr"
    )
