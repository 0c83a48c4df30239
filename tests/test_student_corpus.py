"""The grader gives every realistic student submission of the corpus the verdict the grading
policy gives it: the score of every item, and the words its feedback must contain; and the
public checks (`make check`) find what it charges, naming each mistake in the same words.

The corpus and its verdicts are in tests/student_corpus/ (cases.toml explains the format);
tests/test_student_corpus_files.py checks that it is well formed.
"""

import shutil
import tomllib
from pathlib import Path

import pytest
from selfcheck_runs import run_selfcheck

from autograder.checks.hidden import HiddenChecks
from autograder.checks.item import KNOWN
from autograder.checks.items import ITEMS
from autograder.paths import REPO, STUDENT_MODULES
from autograder.points import IN_PLACE_DEDUCTION
from cs231n import greedy

CORPUS = REPO / "tests" / "student_corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())


@pytest.fixture(scope="module")
def checks() -> HiddenChecks:
    return HiddenChecks()


@pytest.fixture(scope="module")
def graded(checks, tmp_path_factory) -> dict:
    """The verdicts of each case, graded once for the tests of this file (by case name)."""
    verdicts = {}

    def of(case: str) -> dict:
        if case not in verdicts:
            folder = tmp_path_factory.mktemp(case)
            verdicts[case] = checks.grade(submission(case, folder), folder / "work").verdicts
        return verdicts[case]

    return of


def submission(case: str, folder: Path) -> Path:
    """The package the grader sees: the release's provided files, the case's two modules."""
    package = folder / "package"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "cs231n", package / "cs231n", ignore=ignore)
    for relative in STUDENT_MODULES:
        shutil.copy(CORPUS / case / relative, package / relative)
    return package


def verdict_problem(item: str, expected, verdict) -> str | None:
    """Why an item's Verdict is not the corpus's verdict for it (None if it is).

    Inputs:
    - item: The item
    - expected: Its verdict in cases.toml: "right", "wrong", { in_place = [inputs] } or
      { min = a, below = b } (fractions of its points)
    - verdict: The grader's Verdict
    """
    fraction = verdict.score / verdict.max_score
    if expected in ("right", "wrong"):
        wanted = 1.0 if expected == "right" else 0.0
        return None if abs(fraction - wanted) < 1e-6 else f"{fraction:g} of its points"
    if "in_place" in expected:
        share = IN_PLACE_DEDUCTION[item]
        words = KNOWN.in_place(ITEMS[item].function, expected["in_place"])
        if abs(fraction - (1 - share)) >= 1e-6:
            return f"{fraction:g} of its points, not {1 - share:g}"
        return None if f"{words} (-{share:.0%}" in verdict.message else f"no {words!r}"
    if expected["min"] <= fraction < expected["below"]:
        return None
    return f"{fraction:g} of its points"


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_case_gets_the_verdict_of_the_policy(graded, case):
    verdicts = graded(case)
    wrong = [
        f"{item}: {problem}, expected {expected}: {verdicts[item].message}"
        for item, expected in CASES[case]["verdicts"].items()
        if (problem := verdict_problem(item, expected, verdicts[item]))
    ]
    wrong += [
        f"{item}: the mistake {name!r} is not named in: {verdicts[item].message}"
        for item, names in CASES[case].get("mistakes", {}).items()
        for name in names
        if KNOWN.MISTAKES[name] not in verdicts[item].message
    ]
    wrong += [
        f"{item}: no {word!r} in: {verdicts[item].message}"
        for item, words in CASES[case].get("messages", {}).items()
        for word in words
        if word.lower() not in verdicts[item].message.lower()
    ]
    assert not wrong, "\n".join(wrong)


# The words of the mistakes the grader names (cs231n/known_mistakes.py), and the fixed parts
# of those it writes for the function at hand.
NAMED = [
    *KNOWN.MISTAKES.values(),
    KNOWN.overflow(["x"]).split(": ", 1)[1],
    "changes its input",
    "every step needs 2-D arrays with one row per caption",
]
# The sampling mistakes the grader names that make check cannot recognise.
UNREPLAYABLE = [KNOWN.MISTAKES[name] for name in greedy.UNNAMED]


@pytest.mark.parametrize("case", sorted(CASES))
def test_make_check_finds_and_names_what_the_grader_charges(graded, tmp_path, case):
    """Every item that loses points has a `make check` check that does not pass, and each
    mistake its feedback names, make check names in the same words. Only a backward that
    is right for its own forward while that forward is no recognised mistake (the gaming
    cases) passes make check's numerical gradient check: make check fails its forward. The
    sampling mistakes of greedy.UNNAMED make check finds but cannot name."""
    verdicts = graded(case)
    package = submission(case, tmp_path)
    _, statuses, _ = run_selfcheck(package)
    unseen, unnamed = [], []
    for item, verdict in verdicts.items():
        if verdict.score >= verdict.max_score:
            continue
        lines = [statuses[check] for check in KNOWN.PUBLIC_CHECKS[item]]
        if all(line == "PASS" for line in lines) and "not its derivative" not in verdict.message:
            unseen.append(f"{item}: {verdict.message}")
        for words in (w for w in NAMED if w in verdict.message):
            if item.startswith("sample_") and words in UNREPLAYABLE:
                continue  # make check's sampling check says only "not greedy" (cs231n/greedy.py)
            if not any(words in line for line in lines):
                unnamed.append(f"{item}: make check says {lines}, the grader: {words}")
    assert not unseen, "\n".join(unseen)
    assert not unnamed, "\n".join(unnamed)
