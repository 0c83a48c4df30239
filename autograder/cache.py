"""build/cache/: what the kit computes from the reference once per version, kept on disk.

Each value (the hidden checks' reference outputs, the example captioners) is pickled
under a key made of everything it depends on: the instructor side (checks, sandbox,
reference answers, points), the provided package and the dataset's files. Later
processes load it in milliseconds; any change to those files computes it afresh.
build/ is hidden from student code by the sandbox, like the reference solution.
"""

import hashlib
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from autograder.atomic import write_atomically
from autograder.paths import CACHE, DATA_DIR, REPO

# The folders whose files the cached values depend on (the kit's own code).
KEYED_FOLDERS = ("autograder", "cs231n")

Value = TypeVar("Value")


def checks_key() -> str:
    """A digest of everything the hidden cases and reference outputs are computed from."""
    digest = hashlib.sha256(f"{sys.version}|{np.__version__}".encode())
    for folder in KEYED_FOLDERS:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(REPO).as_posix().encode())
                digest.update(path.read_bytes())
    for path in sorted(Path(DATA_DIR).glob("*")):
        info = path.stat()
        digest.update(f"{path.name}|{info.st_size}|{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def cached(name: str, compute: Callable[[], Value]) -> Value:
    """compute()'s result, from build/cache/<name>-<checks_key()>.pickle when that is there.

    Otherwise compute() runs, and its result replaces the stale files of that name.
    """
    path = CACHE / f"{name}-{checks_key()}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        value = compute()
        CACHE.mkdir(parents=True, exist_ok=True)
        for stale in CACHE.glob(f"{name}-*.pickle"):
            stale.unlink(missing_ok=True)
        write_atomically(path, pickle.dumps(value))
        return value
