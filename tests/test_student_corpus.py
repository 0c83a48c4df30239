"""The grader gives every realistic student submission of the corpus the verdict the grading
policy gives it: the score of every item, and the words its feedback must contain.

The corpus and its verdicts are in tests/student_corpus/ (cases.toml explains the format);
tests/test_student_corpus_files.py checks that it is well formed.
"""

import shutil
import tomllib
from pathlib import Path

import pytest

from autograder.checks.hidden import HiddenChecks
from autograder.paths import REPO, STUDENT_MODULES

CORPUS = REPO / "tests" / "student_corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())


@pytest.fixture(scope="module")
def checks() -> HiddenChecks:
    return HiddenChecks()


def submission(case: str, folder: Path) -> Path:
    """The package the grader sees: the release's provided files, the case's two modules."""
    package = folder / "package"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "cs231n", package / "cs231n", ignore=ignore)
    for relative in STUDENT_MODULES:
        shutil.copy(CORPUS / case / relative, package / relative)
    return package


def deserved(score: float, verdict) -> bool:
    """Whether a score is the corpus's verdict: an exact score, or {min, below} for sampling."""
    if isinstance(verdict, dict):
        return verdict["min"] <= score < verdict["below"]
    return abs(score - verdict) < 1e-6


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_case_gets_the_verdict_of_the_policy(checks, tmp_path, case):
    verdicts = checks.grade(submission(case, tmp_path), tmp_path / "work").verdicts
    wrong = [
        f"{item}: {verdicts[item].score:g}, expected {verdict}: {verdicts[item].message}"
        for item, verdict in CASES[case]["scores"].items()
        if not deserved(verdicts[item].score, verdict)
    ]
    wrong += [
        f"{item}: no {word!r} in: {verdicts[item].message}"
        for item, words in CASES[case].get("messages", {}).items()
        for word in words
        if word.lower() not in verdicts[item].message.lower()
    ]
    assert not wrong, "\n".join(wrong)
