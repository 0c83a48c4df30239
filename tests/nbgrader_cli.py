"""nbgrader's own command line, run as an instructor or a student runs it."""

import os
import subprocess
import sysconfig
from pathlib import Path


def run_nbgrader(cwd: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` in cwd, with this environment's scripts first on PATH and no
    PYTHONPATH (the kit's course config finds the kit itself)."""
    scripts = sysconfig.get_path("scripts")
    env = {**os.environ, "PATH": os.pathsep.join([scripts, os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(Path(scripts) / "nbgrader"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
