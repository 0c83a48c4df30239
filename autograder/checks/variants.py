"""The recognised variants of a forward pass: the only forwards a backward is judged against.

A backward whose forward differs from the assignment's earns its points as the exact
derivative of that forward only where the forward is a recognised variant of the
assignment's: on the case, its outputs equal those of a classic mistake the grader
names, of the forward item itself (every step started from h0) or of a function it calls
(an LSTM loop over a step that reads the gate blocks as i, f, g, o). A made-up forward
with its matching backward earns nothing, however nonlinear.

Variants run in the grader on the reference, like the classic mistakes themselves; the
derivative a backward is judged against is taken from the variant the student's forward
matched (checks/derivative.py), never from the student's code.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from autograder.checks import probes
from autograder.checks.item import Item, Mistake
from autograder.checks.items import ITEMS
from autograder.checks.mistakes import replaced


@dataclass(frozen=True)
class Variant:
    """The assignment's forward with one classic mistake made.

    - item: The item that names the mistake (the forward, or a function it calls), and
      so charges it
    - mistake: The classic mistake
    """

    item: str
    mistake: Mistake


def recognised(forward: str) -> list[Variant]:
    """The variants of a forward item, in a fixed order.

    Inputs:
    - forward: Name of a forward item

    Returns:
    - Its own classic mistakes, then those of each function it calls (the functions
      its retries swap in)
    """
    callees = dict.fromkeys(function for plan in ITEMS[forward].retries for function in plan)
    return [
        Variant(name, mistake) for name in (forward, *callees) for mistake in ITEMS[name].mistakes
    ]


def mistaken(m, item: Item, mistake: Mistake) -> Callable:
    """A layer item's function with one of its classic mistakes made.

    Inputs:
    - m: The reference modules
    - item: A layer item (its options name the arguments and the returned values)
    - mistake: One of its classic mistakes

    Returns:
    - A function with the layer's signature that returns the mistake's outputs (None
      for the cache)
    """
    args, returns = item.options["args"], item.options["returns"]

    def function(*values):
        outputs = mistake.variant(m, dict(zip(args, values, strict=True)))
        named = tuple(outputs.get(name) for name in returns)
        return named if len(named) > 1 else named[0]

    return function


def forward_function(m, forward: str, variant: Variant) -> Callable:
    """The forward item's function with the variant's mistake made.

    A mistake of a function the forward calls is made by the reference forward calling
    that function with the mistake made; the mistaken function itself runs the reference
    one, which a copy of the layers' namespace keeps out of the swap.
    """
    if variant.item == forward:
        return mistaken(m, ITEMS[forward], variant.mistake)
    callee = ITEMS[variant.item].function
    unswapped = SimpleNamespace(layers=SimpleNamespace(**vars(m.layers)), model=m.model)
    swapped = {callee: mistaken(unswapped, ITEMS[variant.item], variant.mistake)}
    original = getattr(m.layers, ITEMS[forward].function)

    def function(*values):
        with replaced(m.layers, swapped):
            return original(*values)

    return function


def as_modules(m, forward: str, variant: Variant) -> SimpleNamespace:
    """Modules whose layers hold only the forward's function, with the variant's mistake made
    (what the probes call)."""
    function = forward_function(m, forward, variant)
    return SimpleNamespace(layers=SimpleNamespace(**{ITEMS[forward].function: function}))


def outputs(m, forward: str, variant: Variant, inputs: dict) -> dict[str, np.ndarray]:
    """The variant's outputs on a case's inputs (the forward's arrays, not its cache).

    Inputs:
    - m: The reference modules
    - forward: Name of the forward item
    - variant: One of its recognised variants
    - inputs: A case's inputs (those the forward does not take are ignored)

    Returns:
    - Map from the forward's output name to its array
    """
    copies = {name: value.copy() for name, value in inputs.items()}
    named = probes.call_layer(as_modules(m, forward, variant), copies, ITEMS[forward].options)
    return {name: np.asarray(value) for name, value in probes.arrays_only(named).items()}
