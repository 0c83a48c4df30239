"""Sum up the verdicts of an item's cases: one score and one message for the student.

Every failing case is reported, grouped by what went wrong, and each group says which
cases it concerns in words the student can act on ("fails when N = 1", "fails for
float32 inputs", "fails for large inputs") when such a label sets them apart; never
with values or the sizes of a hidden case.
"""

from dataclasses import dataclass

from autograder.checks.cases import Case
from autograder.checks.item import KNOWN
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
    - where: For each group of failing cases, the label of the public checks that sets
      it apart ("N = 1", "large inputs"), or None when none does
    """

    score: float
    message: str
    mistakes: frozenset[str]
    verdicts: tuple[CaseVerdict, ...]
    notes: tuple[str, ...] = ()
    where: tuple[str | None, ...] = ()


def telling_labels(case: tuple[str, ...], others: list[tuple[str, ...]]) -> list[str]:
    """The labels of a case that no case of others has: what a student can act on."""
    return [label for label in case if all(label not in other for other in others)]


def phrase(label: str) -> str:
    """A label in feedback's words: "when N = 1", "for float32 inputs"."""
    return f"when {label}" if " = " in label else f"for {label}"


def which_cases(
    group: list[tuple[str, ...]], others: list[tuple[str, ...]]
) -> tuple[str, str | None]:
    """Words for the cases of group that tell them apart from the others ("" for all).

    One label shared by the whole group is best ("fails when N = 1"); else each case of
    the group by a label of its own ("fails when T = 1 or when N = 1").

    Inputs:
    - group: The labels of each case of the group (checks/cases.py: Shape.labels)
    - others: The labels of each other case of the item

    Returns a tuple of:
    - The words
    - The first telling label, as the public checks name their cases (None if there is none)
    """
    if not others:
        return "", None
    shared = [
        label for label in telling_labels(group[0], others) if all(label in case for case in group)
    ]
    if shared:
        return "fails " + phrase(shared[0]), shared[0]
    own = [telling_labels(case, others) for case in group]
    if all(own):
        words = " or ".join(dict.fromkeys(phrase(labels[0]) for labels in own))
        return "fails " + words, own[0][0]
    return f"fails in {len(group)} of {len(group) + len(others)} hidden cases", None


def pooled(verdicts: list[CaseVerdict]) -> tuple[float, str]:
    """Sampling: the share of counted captions that earn credit, and its words."""
    credited, counted, captions = map(sum, zip(*(v.matched for v in verdicts), strict=True))
    score = credited / counted if counted else 1.0
    # A share, not counts: the number of hidden captions is a sum of hidden sizes.
    words = f"{score:.0%} of the hidden captions match greedy decoding"
    if captions > counted:
        words += (
            " (counting only the captions that a sampler that skips part of the work gets wrong)"
        )
    return score, words


def summarise(cases: list[Case], verdicts: list[CaseVerdict], mean: bool = False) -> Outcome:
    """One attempt at an item: its score and message over all cases.

    Inputs:
    - cases: The item's hidden cases
    - verdicts: The verdict of each case
    - mean: Score the share of counted captions over all cases (sampling: every case's
      verdict has its matched captions) instead of the worst case

    Returns:
    - The Outcome
    """
    score = min(verdict.score for verdict in verdicts)
    # Cases that failed the same way read as one problem, in the words of the first: an
    # exception at one line of the student's file is one whatever its message (a message
    # may carry the case's inputs, which feedback shows once at most).
    groups: dict[object, list[int]] = {}
    for index, verdict in enumerate(verdicts):
        if verdict.problem:
            raised = verdict.signature is not None and verdict.signature[0] == "raised"
            groups.setdefault(verdict.signature if raised else verdict.problem, []).append(index)
    parts, where = [], []
    for members in groups.values():
        problem = verdicts[members[0]].problem
        inside = [cases[i].labels for i in members]
        outside = [case.labels for i, case in enumerate(cases) if i not in members]
        words, label = which_cases(inside, outside)
        parts.append(f"{problem} ({words})" if words else problem)
        where.append(label)
    if mean:
        score, words = pooled(verdicts)
        if score < 1.0 or parts:
            parts.insert(0, words)
    notes = tuple(dict.fromkeys(note for verdict in verdicts for note in verdict.notes))
    failing = [verdict for verdict in verdicts if verdict.score < 1.0]
    mistakes = frozenset(v.mistake for v in failing if v.mistake)
    named_all = bool(failing) and all(v.mistake for v in failing)
    message = "; ".join(parts) if parts else ALL_PASS
    return Outcome(
        score, message, mistakes if named_all else frozenset(), tuple(verdicts), notes, tuple(where)
    )


def with_notes(message: str, notes: tuple[str, ...]) -> str:
    """A message followed by its notes, if any."""
    return f"{message}. Note: {'; '.join(notes)}" if notes else message


def reproduction(item: str, where: tuple[str | None, ...]) -> str:
    """How to see an item's failure with the public checks: the `make check` checks that
    run its function, and their case of the failing label where they have one."""
    checks = KNOWN.PUBLIC_CHECKS[item]
    label = next((label for label in where if label is not None), None)
    if label is None:
        return KNOWN.reproduce(checks)
    covering = tuple(check for check in checks if label in KNOWN.PUBLIC_CASES.get(check, ()))
    if covering:
        return KNOWN.reproduce(covering, label)
    return KNOWN.reproduce(checks, label, covered=False)
