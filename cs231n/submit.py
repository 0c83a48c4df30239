"""Check your work and zip it for upload (`make submit`).

    make submit                                 # writes submission.zip next to cs231n/
    python -m cs231n.submit --out ~/hw.zip      # somewhere else
    python -m cs231n.submit --force             # write the zip even if there are errors

The zip holds exactly the files the grader reads, at these paths, and nothing else:

    notebooks/RNN_Captioning.ipynb
    notebooks/LSTM_Captioning.ipynb
    cs231n/rnn_layers.py
    cs231n/classifiers/rnn.py
    notebooks/captioner_rnn.npz     if present: your trained captioners, which the notebooks
    notebooks/captioner_lstm.npz    save for the (ungraded) held-out leaderboard

Before zipping, every problem found is printed on a line of its own. Errors stop the zip
(unless --force): a file is missing or too large, a module does not import, a notebook is not
valid JSON or not a notebook. Warnings do not: a notebook was never run, an inline question
still says YOUR ANSWER HERE, a public check of `make check` is not implemented or fails, a
trained captioner file is missing, cannot be read or was never trained (then it is left
out). The exit status is 1 if there was an error (even with --force), else 0.

Your code runs in separate Python processes with time limits, so a module that crashes or
never finishes importing cannot stop this tool.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("notebooks/RNN_Captioning.ipynb", "notebooks/LSTM_Captioning.ipynb")
MODULES = {
    "cs231n/rnn_layers.py": "cs231n.rnn_layers",
    "cs231n/classifiers/rnn.py": "cs231n.classifiers.rnn",
}
STUDENT_FILES = NOTEBOOKS + tuple(MODULES)
# Optional: the trained parameters each notebook saves for the leaderboard.
MODELS = {
    "notebooks/captioner_rnn.npz": "notebooks/RNN_Captioning.ipynb",
    "notebooks/captioner_lstm.npz": "notebooks/LSTM_Captioning.ipynb",
}
MAX_FILE_BYTES = 20 << 20  # the grader ignores larger files
IMPORT_TIMEOUT = 60
SELF_CHECK_TIMEOUT = 300
UNANSWERED = "YOUR ANSWER HERE"
TRACEBACK_PLACE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
CHECK_STATUSES = ("PASS", "FAIL", "NOT IMPLEMENTED", "ERROR")
NOT_IMPLEMENTED_IN = re.compile(r"NOT IMPLEMENTED(?: \(in (?P<function>[\w.]+)\))?")


@dataclass
class Findings:
    """The problems found so far; each is printed as soon as it is found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        print(f"ERROR    {message}", flush=True)
        self.errors.append(message)

    def warn(self, message: str) -> None:
        print(f"WARNING  {message}", flush=True)
        self.warnings.append(message)


def run_python(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run `python args` in a new interpreter that imports cs231n from root.

    Raises subprocess.TimeoutExpired (after killing it) if it runs longer than timeout seconds.
    """
    paths = [str(root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )


def check_present(root: Path, relative: str, findings: Findings) -> bool:
    """Whether the file exists at its exact path and is small enough for the grader."""
    path = root / relative
    if not path.is_file():
        findings.error(f"{relative} is missing: the grader reads it from exactly this path")
        return False
    if path.stat().st_size > MAX_FILE_BYTES:
        findings.error(
            f"{relative} is larger than {MAX_FILE_BYTES >> 20} MB, which the grader ignores "
            "(clear large outputs, e.g. Cell > All Output > Clear, then run it again)"
        )
        return False
    return True


def import_failure(stderr: str, root: Path) -> str:
    """The exception line of a traceback, and the innermost place in root's files."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    summary = lines[-1] if lines else "Python exited with an error"
    place = ""
    for match in TRACEBACK_PLACE.finditer(stderr):
        file = Path(match["file"])
        if file.is_absolute() and file.resolve().is_relative_to(root):
            place = f" ({file.resolve().relative_to(root).as_posix()}, line {match['line']})"
    return summary + place


def check_module(root: Path, relative: str, findings: Findings) -> bool:
    """Whether the module imports, in a new interpreter that is stopped after a time limit."""
    try:
        run = run_python(root, "-c", f"import {MODULES[relative]}", timeout=IMPORT_TIMEOUT)
    except subprocess.TimeoutExpired:
        findings.error(
            f"{relative} did not finish importing within {IMPORT_TIMEOUT} s: is there an endless "
            "loop or a long computation outside the functions?"
        )
        return False
    if run.returncode != 0:
        findings.error(f"{relative} does not import: {import_failure(run.stderr, root)}")
        return False
    return True


def check_notebook(root: Path, relative: str, findings: Findings) -> None:
    """Error if the file is not a notebook; warn if it was never run or has open questions."""
    try:
        text = (root / relative).read_text(encoding="utf-8")
        json.loads(text)
        notebook = nbformat.reads(text, as_version=4)
    except UnicodeDecodeError:
        findings.error(f"{relative} is not UTF-8 text, so it is not a notebook")
        return
    except json.JSONDecodeError as error:
        findings.error(
            f"{relative} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); was it edited outside Jupyter? Restore it or fix it there"
        )
        return
    except Exception as error:  # nbformat raises several types for "not a notebook"
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        findings.error(f"{relative} is valid JSON but not a Jupyter notebook ({reason})")
        return

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not any(cell.get("execution_count") is not None for cell in code):
        findings.warn(
            f"{relative} was never run (no code cell has been executed): run every cell "
            "(Kernel > Restart & Run All) and save it before submitting"
        )
    unanswered = [
        cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {number}")
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "markdown" and UNANSWERED in cell.source
    ]
    if unanswered:
        listed = ", ".join(unanswered)
        findings.warn(f'{relative}: inline questions still say "{UNANSWERED}": {listed}')


def raised_in(check: str, status: str) -> str:
    """The function a NOT IMPLEMENTED line of the self-check blames.

    Inputs:
    - check: The check's name, which is also the function's unless the status says otherwise
    - status: "NOT IMPLEMENTED" or "NOT IMPLEMENTED (in FUNCTION)"

    Returns:
    - The name of the function that raised NotImplementedError
    """
    match = NOT_IMPLEMENTED_IN.fullmatch(status)
    return match["function"] if match and match["function"] else check


def check_self_check(root: Path, findings: Findings) -> None:
    """Run the public checks (`make check`) and warn about every check that does not pass."""
    try:
        run = run_python(root, "-m", "cs231n.selfcheck", timeout=SELF_CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        findings.warn(
            f"the public checks did not finish within {SELF_CHECK_TIMEOUT} s; run "
            "`make check` to see which check never ends"
        )
        return
    statuses = {}
    for line in run.stdout.splitlines():
        name, _, status = line.partition(" ")
        if status.strip().startswith(CHECK_STATUSES):
            statuses[name] = status.strip()
    if not statuses:
        findings.warn(f"the public checks could not run: {import_failure(run.stderr, root)}")
        return
    missing = dict.fromkeys(  # an ordered set
        raised_in(name, status)
        for name, status in statuses.items()
        if status.startswith("NOT IMPLEMENTED")
    )
    failing = [name for name, status in statuses.items() if status.startswith(("FAIL", "ERROR"))]
    if missing:
        findings.warn(f"still raise NotImplementedError: {', '.join(missing)}")
    if failing:
        findings.warn(
            f"public checks that fail: {', '.join(failing)} (run `make check` for details)"
        )


def check_model(root: Path, relative: str, findings: Findings) -> bool:
    """Whether a trained captioner can go into the zip; warn (never an error) if not."""
    path = root / relative
    notebook = MODELS[relative]
    if not path.is_file():
        findings.warn(
            f"{relative} is missing, so you will not appear on the (ungraded) leaderboard: run "
            f'the "Train a good captioner" section of {notebook}, which saves it'
        )
        return False
    if path.stat().st_size > MAX_FILE_BYTES:
        findings.warn(f"{relative} is larger than {MAX_FILE_BYTES >> 20} MB; it was left out")
        return False
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
    except Exception as error:  # numpy raises several types for "not an npz" (.npy included)
        arrays, reason = {}, type(error).__name__
    else:
        reason = "no arrays"
    if not arrays:
        findings.warn(
            f"{relative} is not an .npz file of arrays ({reason}): save it again with "
            f"the cell in {notebook}; it was left out"
        )
        return False
    if untrained(arrays):
        findings.warn(
            f"{relative} holds an untrained captioner (its biases are all exactly zero, as a "
            f'new CaptioningRNN\'s are): run the "Train a good captioner" section of {notebook} '
            "and save it again; it was left out"
        )
        return False
    return True


def untrained(arrays: dict[str, np.ndarray]) -> bool:
    """Whether saved parameters look freshly initialised: CaptioningRNN starts every bias
    (b_proj, b, b_vocab) at zero, and a single training step moves them."""
    biases = [value for name, value in arrays.items() if name.startswith("b")]
    return bool(biases) and all(
        np.issubdtype(value.dtype, np.number) and not value.any() for value in biases
    )


def write_zip(root: Path, files: list[str], out: Path) -> None:
    """Write files (paths relative to root) into the zip out, replacing it only when done."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in files:
            archive.write(root / relative, arcname=relative)
    partial.replace(out)


def main(argv: list[str] | None = None) -> int:
    """Check the student files under the root, then zip them.

    Inputs:
    - argv: Command-line arguments (sys.argv[1:] if None)

    Returns:
    - Exit status: 1 if an error was found, else 0
    """
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.submit", description="Check your work and zip it for upload."
    )
    parser.add_argument("--out", type=Path, help="the zip to write (default: ROOT/submission.zip)")
    parser.add_argument("--force", action="store_true", help="write the zip even after errors")
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the kit's folder, which holds cs231n/ (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "submission.zip").resolve()

    print(f"Checking the files of {root}", flush=True)
    findings = Findings()
    present = [relative for relative in STUDENT_FILES if check_present(root, relative, findings)]
    importable = [
        check_module(root, relative, findings) for relative in MODULES if relative in present
    ]
    for relative in NOTEBOOKS:
        if relative in present:
            check_notebook(root, relative, findings)
    if len(importable) == len(MODULES) and all(importable):
        check_self_check(root, findings)
    present += [relative for relative in MODELS if check_model(root, relative, findings)]

    counts = f"{len(findings.errors)} error(s), {len(findings.warnings)} warning(s)"
    if findings.errors and not args.force:
        print(f"{counts}: no zip written. Fix the errors and run this again (or use --force).")
        if out.exists():
            print(f"Careful: {out} is left over from an earlier run; do not upload it.")
        return 1
    write_zip(root, present, out)
    print(f"{counts}. Wrote {out}:")
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            print(f"  {info.file_size:>10,} bytes  {info.filename}")
    return 1 if findings.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
