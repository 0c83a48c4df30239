"""Student ids, which name files and folders of the course, and paths that stay put.

A student id names `course/submitted/<id>/`, `work/<id>/`, `results/<id>.json`,
`feedback/<id>.html` and nbgrader's own folders, and it is made of file names that
students choose (a plain `<id>.zip`, a Blackboard username part). So a string is a
student id only if it is plainly a name on every file system:

- ASCII letters, digits and `_ . @ -` only (no separator, space, control character
  or accented letter: two spellings of one name never reach the disk);
- it starts with a letter or a digit (never `.`, `..`, a hidden name or an option
  such as `-rf`) and does not end with `.` (Windows drops a final dot);
- at most MAX_ID_LENGTH characters;
- not a device name of Windows (`con`, `nul`, `com1`, ...), with or without a suffix.

Intake refuses (and lists) an entry whose id fails; `inside` then checks every
path the course writes or deletes by a student id, so that even an id that slipped
through could not leave its folder.
"""

import re
from pathlib import Path

MAX_ID_LENGTH = 100
ID_CHARACTER = re.compile(r"[A-Za-z0-9_.@-]")
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{kind}{n}" for kind in ("com", "lpt") for n in range(1, 10)]
)


def id_problem(text: str) -> str | None:
    """Why a string cannot be a student id, or None if it can.

    Inputs:
    - text: The would-be student id

    Returns:
    - None if text may name the student's files, else a short reason
      ("it holds '/'", "it starts with '.'", ...)
    """
    if not text:
        return "it is empty"
    if len(text) > MAX_ID_LENGTH:
        return f"it is longer than {MAX_ID_LENGTH} characters"
    odd = next((char for char in text if not ID_CHARACTER.fullmatch(char)), None)
    if odd is not None:
        return f"it holds {odd!r}; an id is ASCII letters, digits and _ . @ -"
    if not text[0].isalnum():
        return f"it starts with {text[0]!r}"
    if text.endswith("."):
        return "it ends with '.'"
    if text.split(".")[0].lower() in WINDOWS_DEVICES:
        return f"{text.split('.')[0]!r} is a device name on Windows"
    return None


def inside(parent: Path, name: str) -> Path:
    """The file or folder `name` directly inside parent, checked to stay there.

    Inputs:
    - parent: The folder (for example OUT/results or OUT/course/submitted)
    - name: One path component made of a student id (`alice`, `alice.json`)

    Returns:
    - The resolved path parent/name

    Raises ValueError if parent/name, symbolic links resolved, is not an entry of
    parent itself (`..`, `.`, `a/b`, an absolute path, a link out of parent).
    """
    base = Path(parent).resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise ValueError(f"{name!r} does not name an entry of {base}")
    return path
