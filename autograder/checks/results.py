"""What the sandbox reports for one case, read back without trusting it.

The sandbox runs the student's code, so every field of its result message is checked
here before the grader looks at it: anything of the wrong form makes the whole case
unreadable, and the case then fails like a crash.
"""

from dataclasses import dataclass, field

import numpy as np

from autograder.paths import STUDENT_MODULES

MAX_CALLS = 64
MAX_NAMES = 64
MESSAGE_LIMIT = 300  # characters of an exception's text
TYPE_LIMIT = 60  # characters of a type name
UNREADABLE = "GradingError: no readable result (did your code exit early?)"


@dataclass
class CaseResult:
    """One case of one item, as the sandbox returned it.

    - error: "Type: message" of the exception the student's code raised, or None
    - where: {"file", "line", "function"} of the innermost frame of that exception in
      a student-edited file, or None
    - types: Type name of every value the probe returned, by output name
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


def _names(value) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise ValueError("bad list of names")
    return [str(name)[:100] for name in value]


def _argument(value) -> tuple[tuple[int, ...] | None, str]:
    shape, dtype = value
    if shape is not None:
        if not isinstance(shape, list) or len(shape) > 8:
            raise ValueError("bad shape")
        shape = tuple(int(size) for size in shape)
    return shape, str(dtype)[:40]


def read_report(raw) -> dict:
    """The probe's report, validated: only the known fields, in their known forms."""
    if not isinstance(raw, dict):
        raise ValueError("bad report")
    report = {}
    if "modified" in raw:
        modified = raw["modified"]
        if not isinstance(modified, dict):
            raise ValueError("bad modified")
        report["modified"] = {
            part: _names(modified[part]) for part in ("forward", "function") if part in modified
        }
    if "calls" in raw:
        calls = raw["calls"]
        if not isinstance(calls, list) or len(calls) > MAX_CALLS:
            raise ValueError("bad calls")
        report["calls"] = [[_argument(argument) for argument in call[:8]] for call in calls]
    return report


def read_where(raw) -> dict | None:
    """Where in a student-edited file an exception was raised, validated (or None)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("file") not in STUDENT_MODULES:
        raise ValueError("bad where")
    return {"file": raw["file"], "line": int(raw["line"]), "function": str(raw["function"])[:60]}


def read_result(header: dict, arrays: list[np.ndarray], names: list[str]) -> CaseResult:
    """One case's result message from the sandbox, validated (a broken result if malformed).

    Inputs:
    - header: The message's header: "error", "where", "types", "report", and "outputs"
      (output name -> position in arrays)
    - arrays: The message's arrays (plain arrays of allowed dtypes: see sandbox/channel.py)
    - names: The outputs the grader wants; anything else is dropped

    Returns:
    - CaseResult
    """
    try:
        error, types, outputs = header["error"], header["types"], header["outputs"]
        if error is not None and not isinstance(error, str):
            raise ValueError("bad error")
        if not isinstance(types, dict) or not isinstance(outputs, dict) or len(types) > MAX_NAMES:
            raise ValueError("bad outputs")
        types = {str(name)[:100]: str(kind)[:TYPE_LIMIT] for name, kind in types.items()}
        found = {}
        for name in names:
            position = outputs.get(name)
            if name in types and type(position) is int and 0 <= position < len(arrays):
                found[name] = arrays[position]
        report, where = read_report(header["report"]), read_where(header["where"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return CaseResult(error=UNREADABLE)
    error = None if error is None else error[:MESSAGE_LIMIT]
    return CaseResult(error, where, types, report, found)
