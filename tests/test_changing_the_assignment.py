"""The TA's guide (docs/changing-the-assignment.md) holds as written: its first two
changes, made on a copy of this repository as the guide shows them, touch exactly the files
it names, the release regenerates exactly the files it says, and the release is fresh."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.paths import REPO

GUIDE = (REPO / "docs" / "changing-the-assignment.md").read_text()
ITEM = "autograder/checks/items/lstm_step_forward.py"
NEW_CASE = "Step(N=1, D=4, H=1),"
# What feedback says when only the new case fails, computed in the copy.
FEEDBACK = """
from autograder.checks.items import ITEMS
from autograder.checks.judgements import CaseVerdict
from autograder.checks.summary import summarise

cases = ITEMS["lstm_step_forward"].hidden_cases(None)
right, wrong = CaseVerdict(1.0), CaseVerdict(0.0, "`next_h` does not match the reference")
print(summarise(cases, [right] * (len(cases) - 1) + [wrong]).message)
"""


def section(title: str) -> str:
    """The text of one section of the guide."""
    return GUIDE.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def files(text: str, label: str) -> set[str]:
    """The files a section names on its line "**label:** `a`, `b`" (none for "nothing")."""
    line = next(line for line in text.splitlines() if line.startswith(f"**{label}:**"))
    return set(re.findall(r"`([^`]+)`", line))


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=TA", "-c", "user.email=ta@example.org"]
    return subprocess.run([*command, *args], capture_output=True, check=True, text=True).stdout


def changed(root: Path) -> set[str]:
    """The files of root that differ from its commit (git's ignores apply)."""
    return {line[3:] for line in git(root, "status", "--porcelain", "-uall").splitlines()}


def in_copy(root: Path, *args: str) -> subprocess.CompletedProcess:
    """A Python command run in the copy, on the copy's code."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    """A git repository holding this repository's tracked files, committed."""
    root = tmp_path / "kit"
    for name in git(REPO, "ls-files", "-z").split("\0"):
        if name and (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the kit")
    return root


def test_a_hidden_case_and_new_points_touch_only_the_files_the_guide_names(kit: Path):
    case, points = section("Add a hidden case"), section("Change points")
    edited = files(case, "You edit") | files(points, "You edit")
    optional = files(case, "Only if a corpus verdict changes")
    assert edited == {ITEM, "autograder/points.toml"} and len(edited | optional) <= 3
    # The two edits, as the guide shows them.
    assert NEW_CASE in case and "lstm_step_forward = 4" in points
    lines = (kit / ITEM).read_text().splitlines(keepends=True)
    (last,) = [number for number, line in enumerate(lines) if "Step(" in line and "large" in line]
    lines.insert(last + 1, " " * 12 + NEW_CASE + "\n")  # after the last case
    (kit / ITEM).write_text("".join(lines))
    toml = kit / "autograder" / "points.toml"
    toml.write_text(toml.read_text().replace("lstm_step_forward = 3\n", "lstm_step_forward = 4\n"))
    assert changed(kit) == edited

    release = in_copy(kit, "-m", "autograder", "release")
    assert release.returncode == 0, release.stderr
    regenerated = files(case, "Regenerated") | files(points, "Regenerated")
    assert changed(kit) - edited == regenerated
    check = in_copy(kit, "-m", "autograder", "release", "--check")
    assert check.returncode == 0 and "student files are fresh" in check.stdout, check.stdout

    # The new points are in the notebook's grade cell, and the new case's label in feedback.
    notebook = nbformat.read(kit / "notebooks" / "LSTM_Captioning.ipynb", as_version=4)
    (cell,) = [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "lstm_step_forward"
    ]
    assert cell.metadata["nbgrader"]["points"] == 4 and "(4 points)" in cell.source
    feedback = in_copy(kit, "-c", FEEDBACK)
    assert feedback.stdout.strip() == "`next_h` does not match the reference (fails when H = 1)"
