"""Habits in your code that work only by accident, found by reading it (nothing runs).

`x is 'rnn'` compares identities, not values. In a notebook it is True when `x` came from
the literal "rnn" too, because Python keeps one object for short literal strings, so the
code seems right; with a string built any other way (read from a file, joined, sliced) it
is False. Python itself only warns (SyntaxWarning: "is" with a literal). `make check`
lists every such comparison, and so does the grader's feedback (it costs no points: the
grader hands your code the same objects a notebook would).
"""

import ast
from dataclasses import dataclass

# Literals whose identity is guaranteed: `is None`, `is True`, `is False`, `is ...`.
SINGLETONS = (None, True, False, Ellipsis)


@dataclass(frozen=True)
class Habit:
    """One comparison with `is` against a literal.

    - file: The file, as given to identity_comparisons
    - line: Its line
    - function: The function or method holding it ("" at module level)
    - code: The comparison, as written
    """

    file: str
    line: int
    function: str
    code: str


def is_plain_literal(node: ast.expr) -> bool:
    """Whether node is a literal whose identity Python does not promise (a str, a number...)."""
    return isinstance(node, ast.Constant) and not any(node.value is s for s in SINGLETONS)


def identity_comparisons(text: str, file: str, limit: int = 20) -> list[Habit]:
    """Every `is` / `is not` comparison with a literal string, number or bytes in a module.

    Inputs:
    - text: The module's source (anyone's: a grader reads it too, so nothing here runs it or
      recurses on its nesting)
    - file: Its name, for the Habits found
    - limit: The most Habits returned

    Returns:
    - The Habits, in the order of the file (none if it does not parse)
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = []
    for function, node in walk_with_function(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(
            isinstance(operator, ast.Is | ast.IsNot)
            and any(map(is_plain_literal, operands[position : position + 2]))
            for position, operator in enumerate(node.ops)
        ):
            found.append(Habit(file, node.lineno, function, as_written(node)))
    return sorted(found, key=lambda habit: habit.line)[:limit]


def as_written(node: ast.expr) -> str:
    """The source of an expression (or an ellipsis where it is nested too deeply to print)."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return "…"


def walk_with_function(tree: ast.AST):
    """Every node of tree, with the name of the innermost function holding it (without
    recursion: a module may nest deeper than Python's stack)."""
    pending = [(tree, "")]
    while pending:
        node, function = pending.pop()
        for child in ast.iter_child_nodes(node):
            defines = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            inside = child.name if defines else function
            yield inside, child
            pending.append((child, inside))
