"""Compare what a student's code returned with the reference, in the trusted grader.

Messages name the symptom (which output, which shape, which dtype, where an exception
was raised in the student's own file) and never contain hidden inputs, expected values
or grader paths: every number of an exception's text is masked (shapes, indices,
sizes and values of hidden inputs are numbers), except the line of a student-edited
file a SyntaxError names.
"""

import re
from pathlib import PurePosixPath

import numpy as np

from autograder.checks.item import KNOWN
from autograder.checks.shapes import in_symbols
from autograder.paths import STUDENT_MODULES
from autograder.plain_text import plain
from autograder.sandbox.results import CaseResult

TOLERANCE = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-4}
# A number that does not end a name (float64, x1 and h0 stay): hexadecimal, or an
# integer or decimal with its sign and exponent; and a decimal or exponent anywhere, so
# that "v_0.41" and "a0.41" do not carry a value. Unicode digits count too.
NUMBER = r"0[xX][0-9a-fA-F]+|[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
DECIMAL = r"\d*\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+"
# "(rnn_layers.py, line 12)": where Python says a student-edited file does not parse.
OWN_LINE = r"\((?:{files}), line \d+\)".format(
    files="|".join(re.escape(PurePosixPath(path).name) for path in STUDENT_MODULES)
)
MASKED = re.compile(rf"(?P<own>{OWN_LINE})|(?<![^\W_])(?:{NUMBER})|{DECIMAL}")
MAX_ERROR_TEXT = 200


def mask_numbers(text: str) -> str:
    """text with every number written as "…", except a student file's own line number.

    Inputs:
    - text: An exception's "Type: message", as the sandbox reported it

    Returns:
    - The text with each number outside a name replaced by "…"
    """
    return MASKED.sub(lambda match: match["own"] or "…", text)


def tolerance_for(expected: np.ndarray) -> float:
    return TOLERANCE.get(expected.dtype, 1e-7)


def close(got: np.ndarray, expected: np.ndarray, tolerance: float | None = None) -> bool:
    """Maximum error relative to the largest expected magnitude, within tolerance.

    Inputs:
    - got, expected: Arrays of the same shape
    - tolerance: Largest relative error allowed; by default 1e-7 for float64 and 1e-4
      for float32 expected values
    """
    if tolerance is None:
        tolerance = tolerance_for(expected)
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    error = float(np.max(np.abs(got.astype(np.float64) - expected), initial=0.0))
    return error / scale <= tolerance


def error_problem(result: CaseResult, source: dict[str, list[str]]) -> str:
    """What a student reads of an exception their code raised: its type, its message with
    numbers masked, and the line of their file where it was raised.

    Inputs:
    - result: A case whose error is set
    - source: The lines of each student-edited file, by relative path
    """
    error, where = result.error, result.where
    if error.startswith("NotImplementedError"):
        return KNOWN.not_implemented(where["function"] if where else "your code")
    text = f"raised {mask_numbers(error)[:MAX_ERROR_TEXT]}"
    if where is None:
        return text
    lines = source.get(where["file"], [])
    line = where["line"]
    code = plain(lines[line - 1], 120) if 0 < line <= len(lines) else ""
    shown = f": `{code}`" if code else ""
    return f"{text} (line {line} of {where['file']}, in {where['function']}{shown})"


def array_problem(
    name: str,
    shape: str,
    result: CaseResult,
    expected: np.ndarray,
    sizes: dict[str, int],
    kind: str = "f",
    finite: bool = True,
) -> str | None:
    """Why result.arrays[name] cannot be compared with expected (None if it can).

    Inputs:
    - name: The output's name, as the student reads it
    - shape: Its symbolic shape, e.g. "(N, H)"
    - result: The case as the sandbox returned it
    - expected: The reference output
    - sizes: The size of each symbol in the case (shapes.sizes_of), to write the
      student's shape in symbols, never in the hidden sizes
    - kind: "f" for a float output, "i" for an integer one
    - finite: Whether NaN and inf are a problem here (else the caller looks at them)
    """
    if name not in result.arrays:
        returned = result.types.get(name)
        if returned is None:
            return KNOWN.not_returned(name)
        if returned == "NoneType":
            return KNOWN.none_returned(name, shape)
        return KNOWN.not_an_array(name, returned, shape)
    got = result.arrays[name]
    if got.shape != expected.shape:
        return KNOWN.wrong_shape(name, in_symbols(got.shape, sizes, shape), shape)
    wanted = ("f",) if kind == "f" else ("i", "u")
    if got.dtype.kind not in wanted:
        return KNOWN.wrong_kind(name, str(got.dtype), integer=kind != "f")
    if finite and kind == "f" and not np.all(np.isfinite(got)):
        return KNOWN.not_finite(name)
    return None


def dtype_note(names: list[str], result: CaseResult, expected: dict) -> str | None:
    """A note (no points lost) when float32 inputs gave float64 outputs."""
    widened = [
        name
        for name in names
        if expected[name].dtype == np.float32 and result.arrays[name].dtype == np.float64
    ]
    return KNOWN.float64_results(widened) if widened else None
