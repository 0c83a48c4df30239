"""The student-edited regions of a module: one region of code per TODO function.

A region is the code between a function's `START OF YOUR CODE` and `END OF YOUR CODE`
marker lines. Modules are read as text, never parsed, so a file with a syntax error
still yields its regions. Where a function has no START line (a student deleted it, or
a public solution from an older release has only an END banner), its body after the
docstring is the region, up to an END line if there is one; the release stubs, used
as boilerplate, then take out what the kit provides.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    """A TODO function: its label in reports, its module and its name in that module."""

    label: str
    module: str
    name: str


LAYERS, MODEL = "cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"
FUNCTIONS = tuple(
    Function(name, LAYERS, name)
    for name in (
        "rnn_step_forward",
        "rnn_step_backward",
        "rnn_forward",
        "rnn_backward",
        "word_embedding_forward",
        "word_embedding_backward",
        "lstm_step_forward",
        "lstm_step_backward",
        "lstm_forward",
        "lstm_backward",
    )
) + tuple(Function(f"CaptioningRNN.{name}", MODEL, name) for name in ("loss", "sample"))
LABELS = tuple(function.label for function in FUNCTIONS)

START, END = "START OF YOUR CODE", "END OF YOUR CODE"
DOCSTRING = re.compile(r"^\s*[rRuU]?(\"\"\"|''')")
# What the release leaves in a region, and what an untouched region may still hold.
STUB_LINES = {"pass", "raise NotImplementedError()", "raise NotImplementedError", "..."}


@dataclass(frozen=True)
class Region:
    """The code of one TODO region.

    - text: the region's lines as written (indentation kept), without the marker lines
    - first_line: line number, in its file, of the region's first line
    """

    text: str
    first_line: int

    @property
    def implemented(self) -> bool:
        """False when the region holds only comments, blank lines and stub statements."""
        for line in self.text.splitlines():
            code = line.strip()
            if code and not code.startswith("#") and code not in STUB_LINES:
                return True
        return False


def _is_marker(line: str, marker: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("#") and marker in stripped


def _function_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(first, end) line indices of the first `def name(` and everything under it."""
    definition = re.compile(rf"^(\s*)def\s+{re.escape(name)}\s*\(")
    found = next(
        ((i, match) for i, line in enumerate(lines) if (match := definition.match(line))), None
    )
    if found is None:
        return None
    first, indent = found[0], len(found[1].group(1))
    sibling = re.compile(rf"^\s{{0,{indent}}}(def\s|async\s+def\s|class\s|@)")
    for end in range(first + 1, len(lines)):
        if sibling.match(lines[end]):
            return first, end
    return first, len(lines)


def _body_start(lines: list[str], first: int, end: int) -> int:
    """Index of the first line after a function's signature and docstring."""
    body = next(
        (i + 1 for i in range(first, end) if lines[i].split("#")[0].rstrip().endswith(":")), end
    )
    while body < end and not lines[body].strip():
        body += 1
    docstring = DOCSTRING.match(lines[body]) if body < end else None
    if docstring is None:
        return body
    quote = docstring.group(1)
    if quote in lines[body][docstring.end() :]:
        return body + 1
    return next((i + 1 for i in range(body + 1, end) if quote in lines[i]), end)


def _region_in(lines: list[str], first: int, end: int) -> Region:
    """The marked region inside lines[first:end].

    Without a START line the region is the function's body after its docstring, up
    to an END line if there is one (older course releases have only END banners).
    """
    starts = [i for i in range(first, end) if _is_marker(lines[i], START)]
    begin = starts[0] + 1 if starts else _body_start(lines, first, end)
    stop = next((i for i in range(begin, end) if _is_marker(lines[i], END)), end)
    return Region("".join(lines[begin:stop]), begin + 1)


def extract_regions(text: str, functions: tuple[Function, ...] = FUNCTIONS) -> dict[str, Region]:
    """The region of every given function that the module text defines.

    Inputs:
    - text: Source of a module (a student's file, a release stub, a public solution)
    - functions: The functions to look for (all twelve by default)

    Returns:
    - label -> Region, for each function whose `def` the text contains
    """
    lines = text.splitlines(keepends=True)
    regions = {}
    for function in functions:
        span = _function_span(lines, function.name)
        if span is not None:
            regions[function.label] = _region_in(lines, *span)
    return regions


def module_functions(module: str) -> tuple[Function, ...]:
    """The TODO functions of one student-edited module (a path such as LAYERS)."""
    return tuple(function for function in FUNCTIONS if function.module == module)
