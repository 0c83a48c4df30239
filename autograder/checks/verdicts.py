"""The final word on each item: its score and the message the student reads.

Where a mistake is charged (a mistake of the shared model code goes to the RNN item),
what a retry with reference functions proved, the in-place deduction, the notes that
cost nothing and how to see the failure with `make check` all meet here.
"""

from dataclasses import dataclass, replace

from autograder.checks.cases import Case
from autograder.checks.item import KNOWN, Item, shown
from autograder.checks.items import ITEMS
from autograder.checks.judgements import CaseVerdict, judge_sample
from autograder.checks.probes import REPAIRED
from autograder.checks.summary import Outcome, reproduction, summarise, with_notes
from autograder.points import IN_PLACE_DEDUCTION, POINTS
from autograder.sandbox.results import CaseResult


@dataclass
class Verdict:
    """The score of one item, and what the student should read about it."""

    item: str
    score: float
    max_score: float
    message: str


@dataclass
class Attempt:
    """One run of an item: its outcome, the raw results, and the functions swapped in.

    - swapped: The reference functions swapped in (and the handoffs repaired: REPAIRED
      followed by the sequence forward), empty for the student's own code
    - retried: The last retry, when this attempt still counts
    - repeats: When some failing cases repeat what the item whose code it shares found
      (shares_code_with): that item, and the message before they were forgiven
    """

    outcome: Outcome
    results: list[CaseResult] | str
    swapped: tuple[str, ...] = ()
    retried: "Attempt | None" = None
    repeats: tuple[str, str] | None = None


def items_of(functions: tuple[str, ...], item: Item) -> list[str]:
    """The items that judge the functions of one of item's retries (a repaired handoff is
    the sequence forward's)."""
    return [
        f"loss_{item.options['cell_type']}"
        if function == "CaptioningRNN.loss"
        else function.removeprefix(REPAIRED)
        for function in functions
    ]


def swapped_words(swapped: tuple[str, ...]) -> str:
    """What a retry changed, in words: "the reference X in place of yours" and/or "the
    handoff of your X repaired"."""
    references = [f for f in swapped if not f.startswith(REPAIRED)]
    repaired = [f.removeprefix(REPAIRED) for f in swapped if f.startswith(REPAIRED)]
    parts = []
    if repaired:
        parts.append(
            f"your own {', '.join(repaired)} with its handoff repaired (a 1-D array it "
            "handed its step given back its batch axis)"
        )
    if references:
        parts.append(f"the reference {', '.join(references)} in place of yours")
    return " and ".join(parts)


def forgiven(verdict: CaseVerdict) -> CaseVerdict:
    """A failing case whose mistake is charged at another item: right, here."""
    matched = verdict.matched and (verdict.matched[1], verdict.matched[1], verdict.matched[2])
    return CaseVerdict(1.0, notes=verdict.notes, matched=matched)


def charge_shared_code_once(best: dict, cases: dict[str, list[Case]], working: set[str]) -> dict:
    """The attempts that count, with the failing cases of an item that shares its code
    (the LSTM loss and sampling) forgiven where they repeat a failure of the item it
    shares it with: the same classic mistake, the same exception at the same line of the
    student's file, or the same symptom in the same case (CaseVerdict.signature). An
    exception or a symptom is forgiven only where the item shows work elsewhere: code that
    raises or returns nothing useful in every case, like a template's `return 0.0, {}`, is
    no mistake of shared code but missing work.

    Inputs:
    - best: Map from item to the attempt that counts
    - cases: Map from item to its hidden cases
    - working: The items whose student function shows work (HiddenChecks._shows_work)

    Returns:
    - The same map, with such attempts replaced (their repeats set)
    """
    charged = dict(best)
    for name, item in ITEMS.items():
        shared = item.shares_code_with
        if shared is None or best[name].outcome.score >= 1.0 or best[shared].outcome.score >= 1.0:
            continue
        own = best[name].outcome
        theirs = {
            v.signature
            for v in best[shared].outcome.verdicts
            if v.score < 1.0
            and v.signature is not None
            and (name in working or v.signature[0] == "mistake")
        }
        verdicts = [
            forgiven(v) if v.score < 1.0 and v.signature in theirs else v for v in own.verdicts
        ]
        if verdicts != list(own.verdicts):
            outcome = summarise(cases[name], verdicts, mean=item.judge is judge_sample)
            charged[name] = replace(best[name], outcome=outcome, repeats=(shared, own.message))
    return charged


def charged_at(name: str, best: dict) -> str | None:
    """The item that pays for item name's mistake: None if it has none, the item whose code
    it shares if that one found every failure of it already, else name itself."""
    attempt = best[name]
    if attempt.outcome.score < 1.0:
        return name
    return attempt.repeats[0] if attempt.repeats else None


def modified_inputs(results: list[CaseResult] | str) -> list[str]:
    """The inputs that the item's own function changed in place, over all cases."""
    if isinstance(results, str):
        return []
    return sorted({name for r in results for name in r.modified_by("function")})


def final_verdicts(
    attempts: dict, best: dict, missing: set[str], habits: dict[str, tuple[str, ...]]
) -> dict[str, Verdict]:
    """One Verdict per item, from its attempts: the shared-code rule, the in-place
    deduction, and the message.

    Inputs:
    - attempts: Map from item to the student's own attempt (after the derivative check)
    - best: Map from item to the attempt that counts (a retry, or the own one), shared
      code charged once (charge_shared_code_once)
    - missing: Items whose function is still the release stub
    - habits: Map from item to notes on its function's code that cost nothing (code
      that works only by accident)

    Returns:
    - Map from item to its Verdict
    """
    verdicts = {}
    deducted: dict[str, set[str]] = {}  # the inputs an item's in-place deduction was for
    for name, item in ITEMS.items():
        own, counted = attempts[name], best[name]
        fraction, message = counted.outcome.score, counted.outcome.message
        notes = tuple(
            dict.fromkeys(own.outcome.notes + counted.outcome.notes + habits.get(name, ()))
        )
        if name in missing:
            fraction, notes = 0.0, ()
            message = KNOWN.not_implemented(shown(item.function))
        elif counted.swapped:
            if fraction >= 1.0:
                message = f"right with {swapped_words(counted.swapped)}"
                charged = charged_functions(counted.swapped, item, best)
                if charged:
                    message += f" (the mistake is charged at {', '.join(charged)})"
            else:
                message += f" (with {swapped_words(counted.swapped)})"
        elif counted.retried and not says_nothing_new(counted.retried, counted):
            retry = counted.retried
            message += f"; tried again with {swapped_words(retry.swapped)}: {retry.outcome.message}"
        if counted.repeats:
            shared, before = counted.repeats
            if fraction >= 1.0:
                message = f"the same mistake as {shared}, charged there: {before}"
            else:
                message += f" (its other failing cases repeat a mistake of {shared}, charged there)"
        changed = modified_inputs(counted.results)
        if changed and name not in missing:
            in_place = KNOWN.in_place(shown(item.function), changed)
            if fraction >= 1.0 and set(changed) <= deducted.get(item.shares_code_with, set()):
                message = (
                    f"the values are right, but {in_place} "
                    f"(the same code, deducted at {item.shares_code_with})"
                )
            elif fraction >= 1.0:
                share = IN_PLACE_DEDUCTION[name]
                fraction, deducted[name] = 1.0 - share, set(changed)
                message = f"the values are right, but {in_place} (-{share:.0%} of the points)"
            else:
                message += f"; also, {in_place}"
        if fraction < 1.0 and name not in missing and not isinstance(counted.results, str):
            message += f"; {reproduction(name, counted.outcome.where)}"
        points = POINTS[name]
        message = with_notes(message, notes)
        verdicts[name] = Verdict(name, round(fraction * points, 4), points, message)
    return verdicts


def says_nothing_new(retry: Attempt, own: Attempt) -> bool:
    """Whether a failed retry found what the student's own run found already."""
    found = retry.outcome
    return found.message == own.outcome.message or bool(
        found.mistakes and found.mistakes <= own.outcome.mistakes
    )


def charged_functions(swapped: tuple[str, ...], item: Item, best: dict) -> list[str]:
    """Where the mistakes of the swapped functions are charged (the items that lost points)."""
    places = [charged_at(name, best) for name in items_of(swapped, item)]
    return list(dict.fromkeys(place for place in places if place is not None))
