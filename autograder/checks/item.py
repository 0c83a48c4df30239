"""What an autograded item is made of, so that each one can be declared in one file.

An item (autograder/checks/items/<function>.py) says:
- its hidden cases: their shapes (checks/cases.py), whose sizes of 1, dtype and large
  inputs are the labels feedback may name ("fails when H = 1"); they are drawn from a
  generator seeded with the item's own name;
- the call: a procedure of checks/probes.py and its options;
- its retries: sets of reference functions to swap into the student's modules when
  it fails, tried in order, so that a wrong function it calls is not charged here;
- for a backward pass, the forward it differentiates (a backward that is the exact
  derivative of the student's own, differing forward earns its points);
- its time limit, how it is judged, a hint, and the classic mistakes it names (their
  words are in cs231n/known_mistakes.py, shared with `make check`).
Points (and the deduction for changing an input in place) are set in points.toml.
"""

from collections.abc import Callable
from dataclasses import dataclass

from autograder.checks.cases import Case, Cases, Inputs
from autograder.provided import provided_module

# The words of every mistake, shared with `make check` and the notebooks
# (cs231n/known_mistakes.py).
KNOWN = provided_module("known_mistakes")
MODEL_FUNCTIONS = ("loss", "sample")  # the student's methods of CaptioningRNN


def shown(function: str) -> str:
    """A student function as feedback (and a retry's plan) names it."""
    return f"CaptioningRNN.{function}" if function in MODEL_FUNCTIONS else function


@dataclass(frozen=True)
class Mistake:
    """A classic mistake, named when a student's outputs equal the reference with it made.

    - name: Its name in KNOWN.MISTAKES, which holds its words
    - variant: (reference modules, inputs) -> the outputs the mistake produces; it is run
      in the grader on every hidden case, like the reference itself
    """

    name: str
    variant: Callable[[object, Inputs], dict]

    @property
    def message(self) -> str:
        """The mistake in plain words and its fix, as the student reads it."""
        return KNOWN.MISTAKES[self.name]


@dataclass(frozen=True)
class Derivative:
    """How a backward item relates to its forward, for judging it against the student's.

    - forward: Name of the forward item (and function)
    - upstream: Input of the backward -> output of the forward it is the gradient of
    - gradients: Output of the backward -> input of the forward it is the gradient of
    """

    forward: str
    upstream: dict[str, str]
    gradients: dict[str, str]


@dataclass(frozen=True)
class Item:
    """One autograded item.

    - name: Its grade id (a key of points.toml)
    - function: The student function that holds the answer ("loss", "sample" for the model)
    - probe, options: The procedure of checks/probes.py that calls it, and its options
    - cases: Its hidden cases (their shapes; the overfit items' come from the dataset)
    - judge: The judgement of one case (checks/judgements.py, or the item's own)
    - shapes: Symbolic shape of every output that is compared, e.g. {"dx": "(N, D)"}
    - retries: Sets of reference functions to swap in, tried in order when it fails; one
      that holds the item's own function (only the overfit items' last, the reference
      loss; a test checks) runs only when the student's own function shows work
    - seconds: Wall-clock seconds it may take in the sandbox
    - hint: What to check when the outputs differ and no named mistake explains it
    - mistakes: The classic mistakes it names
    - derivative: For a backward pass, how it relates to its forward
    - shares_code_with: An item whose function runs the same student code (the LSTM
      loss and sampling share the model code of the RNN ones): a named mistake found
      in both is charged there only
    """

    name: str
    function: str
    probe: str
    options: dict
    cases: Cases
    judge: Callable
    shapes: dict[str, str]
    retries: tuple[tuple[str, ...], ...] = ()
    seconds: float = 10.0
    hint: str = ""
    mistakes: tuple[Mistake, ...] = ()
    derivative: Derivative | None = None
    shares_code_with: str | None = None

    def hidden_cases(self, data: dict | None) -> list[Case]:
        """Its hidden cases, drawn from a generator seeded with its own name.

        Inputs:
        - data: The embedded dataset as load_coco_data returns it (the overfit items' images)
        """
        return self.cases.build(self.name, data)

    def runs_none_of_the_students(self, plan: tuple[str, ...]) -> bool:
        """Whether a retry swaps out every student function the item runs: its own
        function (the reference's is computed in the grader with the reference's callees,
        so none of the student's is called). Such an attempt earns points only where the
        student's own function shows work on its own item (hidden.HiddenChecks)."""
        return shown(self.function) in plan


def layer_call(function: str, args: list[str], returns: list[str], spy: str | None = None) -> dict:
    """Options of the "layer" probe: call function(*args), name what it returns.

    Inputs:
    - function: A function of cs231n.rnn_layers
    - args: Names of the case's inputs, in the order of the function's parameters
    - returns: Names of the returned values ("cache" is never compared)
    - spy: A step function whose arguments are recorded while the layer runs
    """
    options = {"function": function, "args": args, "returns": returns}
    if spy is not None:
        options["spy"] = spy
    return options


def backward_call(forward: dict, function: str, args: list[str], returns: list[str]) -> dict:
    """Options of the "backward" probe: run forward, then function(*args, cache)."""
    return {"forward": forward, "function": function, "args": args, "returns": returns}
