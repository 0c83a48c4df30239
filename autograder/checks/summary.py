"""Sum up the verdicts of an item's cases: one score and one message for the student.

Every failing case is reported, grouped by what went wrong, and each group says which
cases it concerns in words ("fails when N = 1", "fails for float32 inputs") when one
label sets them apart; never with values.
"""

from dataclasses import dataclass

import numpy as np

from autograder.checks.item import Case
from autograder.checks.judgements import CaseVerdict

ALL_PASS = "all hidden checks pass"


@dataclass(frozen=True)
class Outcome:
    """An item's result over its cases (one attempt).

    - score: In [0, 1]
    - message: What the student reads
    - mistakes: The classic mistakes the failing cases matched (all of them, or empty)
    - verdicts: The verdict of every case
    """

    score: float
    message: str
    mistakes: frozenset[str]
    verdicts: tuple[CaseVerdict, ...]


def which_cases(group: list[dict], others: list[dict]) -> str:
    """Words for the cases of group that tell them apart from the others ("" for all)."""
    if not others:
        return ""
    telling = []
    for label in ("N", "T", "dtype", "max_length"):
        values = {case.get(label) for case in group}
        if len(values) == 1 and None not in values:
            (value,) = values
            if all(case.get(label) != value for case in others):
                telling.append((label, value))
    if not telling:
        return f"fails in {len(group)} of {len(group) + len(others)} hidden cases"
    label, value = min(telling, key=lambda pair: pair[1] != 1)  # a size of 1 says the most
    return f"fails for {value} inputs" if label == "dtype" else f"fails when {label} = {value}"


def summarise(cases: list[Case], verdicts: list[CaseVerdict], mean: bool = False) -> Outcome:
    """One attempt at an item: its score and message over all cases.

    Inputs:
    - cases: The item's hidden cases
    - verdicts: The verdict of each case
    - mean: Score the mean of the cases (sampling) instead of the minimum

    Returns:
    - The Outcome
    """
    scores = [verdict.score for verdict in verdicts]
    score = float(np.mean(scores) if mean else min(scores))
    groups: dict[str, list[int]] = {}
    for index, verdict in enumerate(verdicts):
        if verdict.problem:
            groups.setdefault(verdict.problem, []).append(index)
    parts = []
    for problem, members in groups.items():
        inside = [cases[i].labels for i in members]
        outside = [case.labels for i, case in enumerate(cases) if i not in members]
        where = which_cases(inside, outside)
        parts.append(f"{problem} ({where})" if where else problem)
    counted = [verdict.matched for verdict in verdicts if verdict.matched is not None]
    if mean and counted and score < 1.0:
        right, total = map(sum, zip(*counted, strict=True))
        parts.insert(0, f"{right} of {total} captions match greedy decoding")
    notes = list(dict.fromkeys(note for verdict in verdicts for note in verdict.notes))
    message = "; ".join(parts) if parts else ALL_PASS
    if notes:
        message += ". Note: " + "; ".join(notes)
    failing = [verdict for verdict in verdicts if verdict.score < 1.0]
    mistakes = frozenset(v.mistake for v in failing if v.mistake)
    named_all = bool(failing) and all(v.mistake for v in failing)
    return Outcome(score, message, mistakes if named_all else frozenset(), tuple(verdicts))
