"""The final word on each item: its score and the message the student reads.

Where a mistake is charged (a classic mistake of the shared model code goes to the RNN
item), what a retry with reference functions proved, the in-place deduction and the
notes that cost nothing all meet here.
"""

from dataclasses import dataclass

from autograder.checks.item import MODEL_FUNCTIONS, Item
from autograder.checks.items import ITEMS
from autograder.checks.results import CaseResult
from autograder.checks.summary import Outcome, with_notes
from autograder.points import IN_PLACE_DEDUCTION, POINTS

# How to avoid changing each input in place, by name.
IN_PLACE_FIXES = {
    "dnext_c": "write `dc = dnext_c + ...` instead of `dnext_c += ...`",
    "dnext_h": "write `dh_total = dnext_h + ...` instead of `dnext_h += ...`",
    "dh": "write `dnext_h = dh[:, t] + dprev_h` instead of `dh[:, t] += dprev_h`",
}


@dataclass
class Verdict:
    """The score of one item, and what the student should read about it."""

    item: str
    score: float
    max_score: float
    message: str


@dataclass
class Attempt:
    """One run of an item: its outcome, the raw results, and the reference functions used."""

    outcome: Outcome
    results: list[CaseResult] | str
    swapped: tuple[str, ...] = ()
    retried: "Attempt | None" = None  # the last retry, when this attempt still counts


def items_of(functions: tuple[str, ...], item: Item) -> list[str]:
    """The items that judge the named reference functions of one of item's retries."""
    return [
        f"loss_{item.options['cell_type']}" if function == "CaptioningRNN.loss" else function
        for function in functions
    ]


def charged_at(name: str, best: dict) -> str | None:
    """The item that pays for item name's mistake: None if it has none, the item whose code
    it shares if that one already found the same classic mistakes, else name itself."""
    outcome = best[name].outcome
    if outcome.score >= 1.0:
        return None
    shared = ITEMS[name].shares_code_with
    if shared and outcome.mistakes:
        other = best[shared].outcome
        if other.score < 1.0 and outcome.mistakes <= other.mistakes:
            return shared
    return name


def shown(function: str) -> str:
    """A student function as feedback names it."""
    return f"CaptioningRNN.{function}" if function in MODEL_FUNCTIONS else function


def modified_inputs(results: list[CaseResult] | str) -> list[str]:
    """The inputs that the item's own function changed in place, over all cases."""
    if isinstance(results, str):
        return []
    return sorted({name for r in results for name in r.modified_by("function")})


def in_place_message(function: str, names: list[str]) -> str:
    fixes = [
        IN_PLACE_FIXES.get(name, f"work on a copy of `{name}` or build a new array")
        for name in names
    ]
    quoted = ", ".join(f"`{name}`" for name in names)
    return f"{function} changes its input {quoted} in place: {'; '.join(fixes)}"


def final_verdicts(attempts: dict, best: dict, missing: set[str]) -> dict[str, Verdict]:
    """One Verdict per item, from its attempts: the shared-code rule, the in-place
    deduction, and the message.

    Inputs:
    - attempts: Map from item to the student's own attempt (after the derivative check)
    - best: Map from item to the attempt that counts (a retry, or the own one)
    - missing: Items whose function is still the release stub

    Returns:
    - Map from item to its Verdict
    """
    verdicts = {}
    for name, item in ITEMS.items():
        own, counted = attempts[name], best[name]
        fraction, message = counted.outcome.score, counted.outcome.message
        notes = tuple(dict.fromkeys(own.outcome.notes + counted.outcome.notes))
        if name in missing:
            fraction, notes = 0.0, ()
            message = f"not implemented yet ({shown(item.function)} raises NotImplementedError)"
        elif counted.swapped:
            swapped = ", ".join(counted.swapped)
            if fraction >= 1.0:
                message = f"right with the reference {swapped} in place of yours"
                charged = charged_functions(counted.swapped, item, best)
                if charged:
                    message += f" (the mistake is charged at {', '.join(charged)})"
            else:
                message += f" (with the reference {swapped} in place of yours)"
        elif counted.retried and not says_nothing_new(counted.retried, counted):
            retry = counted.retried
            message += (
                f"; tried again with the reference {', '.join(retry.swapped)} in place of "
                f"yours: {retry.outcome.message}"
            )
        where = charged_at(name, best)
        if where not in (None, name):
            fraction = 1.0
            message = f"the same mistake as {where}, charged there: {message}"
        changed = modified_inputs(counted.results)
        if changed and name not in missing:
            if fraction >= 1.0:
                share = IN_PLACE_DEDUCTION[name]
                fraction = 1.0 - share
                message = (
                    f"the values are right, but {in_place_message(item.function, changed)} "
                    f"(-{share:.0%} of the points)"
                )
            else:
                message += f"; also, {in_place_message(item.function, changed)}"
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
