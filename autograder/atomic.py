"""Files that are whole or absent: what every stage writes for another process to read."""

import os
from pathlib import Path


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write data to path so that a reader, or a crash, sees the old file or the new one.

    Inputs:
    - path: The file to write (its folder is created if missing)
    - data: Text (written as UTF-8) or bytes

    The data goes to a hidden file of this process next to path first, then replaces
    path in one step, so two processes writing the same file never mix their bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    if isinstance(data, bytes):
        partial.write_bytes(data)
    else:
        partial.write_text(data, encoding="utf-8")
    os.replace(partial, path)
