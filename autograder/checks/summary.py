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
    - message: What went wrong, for the student (ALL_PASS when nothing did)
    - mistakes: The classic mistakes the failing cases matched (all of them, or empty)
    - verdicts: The verdict of every case
    - notes: Remarks that cost nothing, over all cases
    """

    score: float
    message: str
    mistakes: frozenset[str]
    verdicts: tuple[CaseVerdict, ...]
    notes: tuple[str, ...] = ()


def telling_labels(case: dict, others: list[dict]) -> list[tuple[str, object]]:
    """The (label, value) pairs of a case that no case of others shares, sizes of 1 first."""
    pairs = [
        (label, case[label])
        for label in ("N", "T", "dtype", "max_length")
        if label in case and all(other.get(label) != case[label] for other in others)
    ]
    return sorted(pairs, key=lambda pair: pair[1] != 1)


def phrase(label: str, value) -> str:
    return f"for {value} inputs" if label == "dtype" else f"when {label} = {value}"


def which_cases(group: list[dict], others: list[dict]) -> str:
    """Words for the cases of group that tell them apart from the others ("" for all).

    One label shared by the whole group is best ("fails when N = 1"); else each case of
    the group by a label of its own ("fails when T = 1 or when N = 1").
    """
    if not others:
        return ""
    shared = [
        pair
        for pair in telling_labels(group[0], others)
        if all(case.get(pair[0]) == pair[1] for case in group)
    ]
    if shared:
        return "fails " + phrase(*shared[0])
    own = [telling_labels(case, others) for case in group]
    if all(own):
        return "fails " + " or ".join(dict.fromkeys(phrase(*pairs[0]) for pairs in own))
    return f"fails in {len(group)} of {len(group) + len(others)} hidden cases"


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
    notes = tuple(dict.fromkeys(note for verdict in verdicts for note in verdict.notes))
    failing = [verdict for verdict in verdicts if verdict.score < 1.0]
    mistakes = frozenset(v.mistake for v in failing if v.mistake)
    named_all = bool(failing) and all(v.mistake for v in failing)
    message = "; ".join(parts) if parts else ALL_PASS
    return Outcome(score, message, mistakes if named_all else frozenset(), tuple(verdicts), notes)


def with_notes(message: str, notes: tuple[str, ...]) -> str:
    """A message followed by its notes, if any."""
    return f"{message}. Note: {'; '.join(notes)}" if notes else message
