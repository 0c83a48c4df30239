"""Run the student self-check (`make check`) on a package folder and read what it printed."""

import os
import subprocess
import sys
from pathlib import Path


def run_selfcheck(folder: Path) -> tuple[int, dict[str, str], dict[str, list[str]]]:
    """Run the self-check of folder/cs231n in a new interpreter.

    Returns:
    - The exit status, {check name: status} and {check name: its NOTE lines}
    """
    env = {**os.environ, "PYTHONPATH": str(folder)}
    run = subprocess.run(
        [sys.executable, "-m", "cs231n.selfcheck"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.startswith(f"Checking {folder.resolve() / 'cs231n'}\n"), run.stdout
    statuses, notes = {}, {}
    for line in run.stdout.splitlines()[1:-1]:
        name, status = line.split(maxsplit=1)
        if status.startswith("NOTE"):
            notes.setdefault(name, []).append(status)
        else:
            statuses[name] = status
    return run.returncode, statuses, notes
