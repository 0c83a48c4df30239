"""The `make` commands that the kit's hints name.

Instructors run the kit through its Makefile (`make grade`, `make report`, `make verify`),
so every hint that tells them what to run next names the make command, with the folders
of the run they are looking at.
"""

import shlex
from pathlib import Path

from autograder.paths import REPO


def shown_path(path: Path) -> str:
    """A folder as it is given to make: relative to the kit's checkout when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def make_command(target: str, **variables: object) -> str:
    """A make command line, e.g. `make grade SUBMISSIONS=subs OUT=build/grading STUDENT=alice`.

    Inputs:
    - target: The Makefile's target
    - variables: The make variables to set; a Path is shown by shown_path, None is left out

    Returns:
    - The command, each value quoted as a shell needs it
    """
    words = ["make", target]
    for name, value in variables.items():
        if value is not None:
            text = shown_path(value) if isinstance(value, Path) else str(value)
            words.append(f"{name}={shlex.quote(text)}")
    return " ".join(words)
