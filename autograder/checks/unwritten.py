"""Which student functions are still the release stubs, read from their source text."""

import ast


def raises_not_implemented(function: ast.FunctionDef) -> bool:
    """Whether a `raise NotImplementedError` is among the top-level statements of a body."""
    return any(
        isinstance(statement, ast.Raise)
        and statement.exc is not None
        and "NotImplementedError" in ast.unparse(statement.exc)
        for statement in function.body
    )


def unwritten(source: dict[str, list[str]]) -> set[str]:
    """Functions and methods of the student's files that are still release stubs.

    A name counts when its last definition at module or class level raises
    NotImplementedError unconditionally, as the stubs do, and nothing assigns to that
    name afterwards (a later `def` or `CaptioningRNN.sample = ...` wins).
    """
    state: dict[str, bool] = {}
    for lines in source.values():
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            defined = node.body if isinstance(node, ast.ClassDef) else [node]
            for statement in defined:
                if isinstance(statement, ast.FunctionDef):
                    state[statement.name] = raises_not_implemented(statement)
            for target in getattr(node, "targets", []):
                name = getattr(target, "id", None) or getattr(target, "attr", None)
                if name:
                    state[name] = False
    return {name for name, stub in state.items() if stub}
