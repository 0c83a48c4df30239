"""What the sandbox reports for one case, read back without trusting it.

The sandbox runs the student's code, so every field of its result message is checked
here before the grader looks at it: anything of the wrong form makes the whole case
unreadable, and the case then fails like a crash.
"""

from dataclasses import dataclass, field

import numpy as np

from autograder.paths import STUDENT_MODULES
from autograder.plain_text import plain

MAX_CALLS = 64
MAX_NAMES = 64
# What of the student's own strings a message may quote: a type name (of a returned
# value) and an exception's "Type: message", as plain text (plain_text.py).
MAX_TYPE_NAME = 60
MAX_ERROR = 400
NUMBERS = "biuf"  # the dtype kinds of an output: booleans, integers, floats
UNREADABLE = "GradingError: no readable result (did your code exit early?)"


@dataclass
class CaseResult:
    """One case of one item, as the sandbox returned it.

    - error: "Type: message" of the exception the student's code raised (plain text,
      at most MAX_ERROR characters), or None
    - where: {"file", "line", "function"} of the innermost frame of that exception in
      a student-edited file, or None
    - types: Type name of every value the probe returned (plain text, at most
      MAX_TYPE_NAME characters), by output name
    - report: {"modified": {"forward"|"function": [input names]}, "calls": [[[shape,
      dtype] per argument] per call]}, the parts the probe filled in
    - arrays: The returned arrays that were readable, by output name
    """

    error: str | None = None
    where: dict | None = None
    types: dict[str, str] = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def modified_by(self, part: str = "function") -> list[str]:
        """The inputs that the named part of the call (its function, or its forward) changed."""
        return self.report.get("modified", {}).get(part, [])


def _names(value, inputs: list[str]) -> list[str]:
    """The names of a "modified" list: only the case's own inputs, each once."""
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise ValueError("bad list of names")
    if not all(type(name) is str and name in inputs for name in value):
        raise ValueError("a name that is not one of the case's inputs")
    return sorted(set(value))


def _argument(value) -> tuple[tuple[int, ...] | None, str]:
    shape, dtype = value
    if shape is not None:
        if not isinstance(shape, list) or len(shape) > 8:
            raise ValueError("bad shape")
        if not all(type(size) is int for size in shape):
            raise ValueError("bad size")
        shape = tuple(shape)
    return shape, str(dtype)[:40]


def read_report(raw, inputs: list[str]) -> dict:
    """The probe's report, validated: only the known fields, in their known forms, and
    only the case's own input names (inputs) as the ones a call changed."""
    if not isinstance(raw, dict):
        raise ValueError("bad report")
    report = {}
    if "modified" in raw:
        modified = raw["modified"]
        if not isinstance(modified, dict):
            raise ValueError("bad modified")
        report["modified"] = {
            part: _names(modified[part], inputs)
            for part in ("forward", "function")
            if part in modified
        }
    if "calls" in raw:
        calls = raw["calls"]
        if not isinstance(calls, list) or len(calls) > MAX_CALLS:
            raise ValueError("bad calls")
        report["calls"] = [[_argument(argument) for argument in call[:8]] for call in calls]
    return report


def read_error(raw) -> str | None:
    """The exception the student's code raised, validated and made plain text (or None)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError("bad error field")
    return plain(raw, MAX_ERROR)


def read_types(raw) -> dict[str, str]:
    """The type name of each returned value, validated, each made plain text."""
    if not isinstance(raw, dict) or len(raw) > MAX_NAMES:
        raise ValueError("bad types")
    return {str(name)[:100]: plain(str(kind), MAX_TYPE_NAME) for name, kind in raw.items()}


def read_where(raw) -> dict | None:
    """Where in a student-edited file an exception was raised, validated (or None)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("file") not in STUDENT_MODULES:
        raise ValueError("bad where")
    if type(raw["line"]) is not int:
        raise ValueError("bad line")
    function = plain(str(raw["function"]), MAX_TYPE_NAME)
    return {"file": raw["file"], "line": raw["line"], "function": function}


def read_result(
    header: dict, arrays: list[np.ndarray], names: list[str], inputs: list[str]
) -> CaseResult:
    """One case's result message from the sandbox, validated (a broken result if malformed).

    Inputs:
    - header: The message's header: "error", "where", "types", "report", and "outputs"
      (output name -> position in arrays)
    - arrays: The message's arrays (plain arrays of allowed dtypes: see sandbox/channel.py);
      only those of numbers (not text) are read as outputs
    - names: The outputs the grader wants; anything else is dropped
    - inputs: The names of the case's inputs, the only ones it may report as modified

    Returns:
    - CaseResult
    """
    try:
        error, types = read_error(header["error"]), read_types(header["types"])
        outputs = header["outputs"]
        if not isinstance(outputs, dict):
            raise ValueError("bad outputs")
        found = {}
        for name in names:
            position = outputs.get(name)
            if name in types and type(position) is int and 0 <= position < len(arrays):
                if arrays[position].dtype.kind in NUMBERS:
                    found[name] = arrays[position]
        report, where = read_report(header["report"], inputs), read_where(header["where"])
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):
        return CaseResult(error=UNREADABLE)
    return CaseResult(error, where, types, report, found)
