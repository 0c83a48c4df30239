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


def identity_comparisons(text: str, file: str) -> list[Habit]:
    """Every `is` / `is not` comparison with a literal string, number or bytes in a module.

    Inputs:
    - text: The module's source
    - file: Its name, for the Habits found

    Returns:
    - The Habits, in the order of the file (none if it does not parse)
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for function, node in walk_with_function(tree, ""):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for position, operator in enumerate(node.ops):
            pair = operands[position : position + 2]
            if isinstance(operator, ast.Is | ast.IsNot) and any(map(is_plain_literal, pair)):
                found.append(Habit(file, node.lineno, function, ast.unparse(node)))
                break
    return found


def walk_with_function(node: ast.AST, function: str):
    """Every node under node, with the name of the innermost function holding it."""
    for child in ast.iter_child_nodes(node):
        defines = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        inside = child.name if defines else function
        yield inside, child
        yield from walk_with_function(child, inside)
