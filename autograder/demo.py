"""`make demo`: run both student notebooks headless with the reference solution.

Everything lands under the output folder (the repository is left as it was): the
executed notebooks, the last caption figure of each, and the captioners the notebooks
save, in a working folder per notebook. Prints what the notebooks report at the end
(held-out BLEU-4 and scene accuracy).
"""

import base64
from pathlib import Path

import nbformat

from autograder.notebook_runner import execute_notebook
from autograder.paths import BUILD, NOTEBOOKS, REPO


def last_png(nb: nbformat.NotebookNode) -> bytes | None:
    """The last PNG image a notebook displayed, decoded."""
    images = [
        output["data"]["image/png"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    return base64.b64decode(images[-1]) if images else None


def last_printed_text(nb: nbformat.NotebookNode) -> str:
    """What the last code cell that printed anything printed."""
    for cell in reversed(nb.cells):
        text = "".join(
            output.get("text", "")
            for output in cell.get("outputs", [])
            if output.output_type == "stream"
        )
        if cell.cell_type == "code" and text.strip():
            return text.strip()
    return ""


def run_demo(out_dir: Path, package_dir: Path = BUILD / "solution") -> list[Path]:
    """Execute every student notebook with the solved package; returns files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NOTEBOOKS:
        print(f"running notebooks/{name} with the reference solution ...", flush=True)
        workdir = out_dir / Path(name).stem
        nb, seconds = execute_notebook(REPO / "notebooks" / name, workdir, package_dir)
        executed = out_dir / name
        nbformat.write(nb, executed)
        written.append(executed)
        figure = last_png(nb)
        if figure is not None:
            png = out_dir / f"{Path(name).stem}_captions.png"
            png.write_bytes(figure)
            written.append(png)
        written += sorted(workdir.glob("*.npz"))
        print(f"  done in {seconds:.0f} s; it reports:")
        print("    " + last_printed_text(nb).replace("\n", "\n    "))
    for path in written:
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return written
