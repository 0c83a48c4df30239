"""cs231n/known_mistakes.json: what each classic mistake gives on the public checks' inputs.

`make check` names a classic mistake where a student's outputs on a check's main case
have the fingerprints of that mistake's outputs (cs231n/fingerprints.py). The mistakes
are the grader's own (autograder/checks/items), run on the reference like a hidden case,
on the inputs of cs231n/public_cases.py; the shares of the in-place deduction come from
points.toml. No hidden input and no answer is in the file: only fingerprints of wrong
outputs on public inputs, which the public checks' own expected values already bound.
The sampling checks recognise their mistakes by changing what they give the student's
loss (cs231n/greedy.py).
"""

import copy
import json

import numpy as np

from autograder.checks import probes, variants
from autograder.checks.item import Item
from autograder.checks.items import ITEMS
from autograder.points import IN_PLACE_DEDUCTION
from autograder.provided import provided_module
from autograder.reference import reference_modules

# The public checks whose outputs a fingerprint can name, and the graded item whose
# classic mistakes they are (the loss checks are the loss items').
CHECKED_ITEMS = {
    **{name: name for name, item in ITEMS.items() if item.probe in ("layer", "backward")},
    "loss_rnn": "loss_rnn",
    "loss_lstm": "loss_lstm",
    "loss_gradients_rnn": "loss_rnn",
    "loss_gradients_lstm": "loss_lstm",
}


def compared(check: str, reference_outputs: dict) -> list[str]:
    """The outputs of a check that its fingerprints cover."""
    if check.startswith("loss_gradients"):
        return list(reference_outputs)  # the loss and every gradient
    if check.startswith("loss_"):
        return ["loss"]
    return list(ITEMS[check].shapes)


def is_forward(item: Item) -> bool:
    """Whether a backward item is judged against this item as its forward."""
    return any(
        other.derivative and other.derivative.forward == item.name for other in ITEMS.values()
    )


def mistakes_seen(item: Item) -> list[variants.Variant]:
    """Every classic mistake an item's outputs can show: a forward's own and, like the
    grader's recognised variants, those of the functions it calls (checks/variants.py)."""
    if is_forward(item):
        return variants.recognised(item.name)
    return [variants.Variant(item.name, mistake) for mistake in item.mistakes]


def check_fingerprints(check: str) -> list:
    """[[mistake names], {output: fingerprint}, function] of every classic mistake a check
    can see, function being the one that makes it.

    A mistake whose fingerprints the reference's own outputs on the check's inputs match
    is left out (`make check` could not tell it from right code); mistakes whose outputs
    match each other's fingerprints share one entry.
    """
    reference, item = reference_modules(), ITEMS[CHECKED_ITEMS[check]]
    prints = provided_module("fingerprints")
    inputs = provided_module("public_cases").CASES[check]()
    right = item_outputs(reference, item, inputs)
    names = compared(check, right)

    def printed(outputs: dict) -> dict:
        return {name: prints.fingerprint(np.asarray(outputs[name])) for name in names}

    def matched(outputs: dict, known: dict) -> bool:
        return all(prints.matches(np.asarray(outputs[n]), known[n]) for n in names)

    groups: list[tuple[list[str], dict, dict, str]] = []
    with np.errstate(all="ignore"):
        for variant in mistakes_seen(item):
            if is_forward(item):
                outputs = variants.outputs(reference, item.name, variant, inputs)
            else:
                outputs = variant.mistake.variant(reference, copy.deepcopy(inputs))
            if not all(name in outputs for name in names) or matched(right, printed(outputs)):
                continue
            group = next((g for g in groups if matched(outputs, g[2])), None)
            if group is None:
                function = ITEMS[variant.item].function
                groups.append(([variant.mistake.name], outputs, printed(outputs), function))
            else:
                group[0].append(variant.mistake.name)
    return [[mistakes, fingerprints, function] for mistakes, _, fingerprints, function in groups]


def item_outputs(reference, item, inputs: dict) -> dict:
    """The reference's outputs of an item's probe on some inputs."""
    return getattr(probes, item.probe)(reference, copy.deepcopy(inputs), item.options, {})


def known_mistakes_json() -> str:
    """The text of cs231n/known_mistakes.json: a line per check's mistake, to read a diff."""
    checks = []
    for check in CHECKED_ITEMS:
        entries = ",\n".join(f"   {json.dumps(entry)}" for entry in check_fingerprints(check))
        checks.append(
            f"  {json.dumps(check)}: [\n{entries}\n  ]" if entries else f"  {json.dumps(check)}: []"
        )
    shares = json.dumps(dict(IN_PLACE_DEDUCTION))
    text = '{\n "fingerprints": {\n' + ",\n".join(checks) + "\n },\n"
    text += f' "in_place_deduction": {shares}\n}}\n'
    return text
