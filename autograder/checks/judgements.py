"""How one case of an item is judged: a score in [0, 1], what is wrong, and notes.

Every judgement takes the item, the case's inputs, what the sandbox returned, the
reference's outputs, the outputs of the item's classic mistakes on the same inputs, and
the student's source lines; it returns a CaseVerdict. When the outputs are wrong and
equal those of a classic mistake, the verdict names that mistake.
"""

from dataclasses import dataclass

import numpy as np

from autograder.checks.compare import (
    array_problem,
    close,
    dtype_note,
    error_problem,
    quoted,
)
from autograder.checks.item import Item
from autograder.checks.results import CaseResult

# The state a sequence forward must hand its step function, by position.
HANDED = {
    "rnn_step_forward": (("x", "(N, D)"), ("prev_h", "(N, H)")),
    "lstm_step_forward": (("x", "(N, D)"), ("prev_h", "(N, H)"), ("prev_c", "(N, H)")),
}


@dataclass(frozen=True)
class CaseVerdict:
    """The judgement of one case.

    - score: In [0, 1]
    - problem: What is wrong, for the student ("" when right)
    - notes: Remarks that cost nothing (e.g. float64 outputs for float32 inputs)
    - mistake: The message of the classic mistake the outputs matched, if any
    - matched: For sampling, (captions that match, captions)
    """

    score: float
    problem: str = ""
    notes: tuple[str, ...] = ()
    mistake: str | None = None
    matched: tuple[int, int] | None = None


def named_mistake(item: Item, result: CaseResult, mistaken: list[dict | None], names) -> str | None:
    """The message of the first classic mistake whose outputs equal the student's."""
    for mistake, outputs in zip(item.mistakes, mistaken, strict=True):
        if outputs is not None and all(
            name in outputs
            and outputs[name].shape == result.arrays[name].shape
            and close(result.arrays[name], outputs[name])
            for name in names
        ):
            return mistake.message
    return None


def handed_problem(
    function: str, spy: str, inputs: dict, result: CaseResult
) -> tuple[str | None, str | None]:
    """What a sequence forward handed its step function, against (N, D) and (N, H).

    Returns a tuple of:
    - problem: Why the calls were wrong (None if they were right)
    - note: A remark on their dtype (None if none)
    """
    calls = result.report.get("calls")
    if not calls:
        return None, None
    N, _, D = inputs["x"].shape
    H = inputs["h0"].shape[1]
    wanted = {"(N, D)": (N, D), "(N, H)": (N, H)}
    dtype = inputs["x"].dtype
    note = None
    for call in calls:
        for (name, shape), (got, got_dtype) in zip(HANDED[spy], call, strict=False):
            if got is None:
                continue
            if got != wanted[shape]:
                squeeze = (
                    "; a squeeze drops the batch axis when N = 1 (`x[:, t, :].squeeze()`): "
                    "use `x[:, t, :]`"
                    if len(got) < 2
                    else ""
                )
                return (
                    f"{function} hands {spy} a `{name}` of shape {got}; expected {shape}, "
                    f"here {wanted[shape]}{squeeze}"
                ), None
            if dtype == np.float32 and got_dtype == "float64":
                note = (
                    f"{function} hands {spy} float64 arrays for float32 inputs (no points "
                    "lost): build the hidden states with the input's dtype"
                )
    return None, note


def judge_outputs(item, inputs, result, expected, mistaken, source) -> CaseVerdict:
    """Every named float output must match the reference (a layer, forward or backward)."""
    if result.error is not None:
        return CaseVerdict(0.0, error_problem(result, source))
    names = list(item.shapes)
    for name in names:
        problem = array_problem(name, item.shapes[name], result, expected[name])
        if problem:
            return CaseVerdict(0.0, problem)
    notes = [dtype_note(names, result, expected)]
    spy = item.options.get("spy")
    if spy is not None:
        problem, note = handed_problem(item.function, spy, inputs, result)
        notes.append(note)
        if problem:
            return CaseVerdict(0.0, problem, tuple(filter(None, notes)))
    notes = tuple(filter(None, notes))
    wrong = [name for name in names if not close(result.arrays[name], expected[name])]
    if not wrong:
        return CaseVerdict(1.0, notes=notes)
    mistake = named_mistake(item, result, mistaken, names)
    if mistake:
        return CaseVerdict(0.0, mistake, notes, mistake=mistake)
    right = [name for name in names if name not in wrong]
    message = f"{quoted(wrong)} {'does' if len(wrong) == 1 else 'do'} not match the reference"
    if right:
        message += f" ({quoted(right)} {'matches' if len(right) == 1 else 'match'})"
    return CaseVerdict(0.0, f"{message}: {item.hint}" if item.hint else message, notes)


def judge_loss(item, inputs, result, expected, mistaken, source) -> CaseVerdict:
    """The loss and the gradient of every parameter must match the reference."""
    if result.error is not None:
        return CaseVerdict(0.0, error_problem(result, source))
    problem = array_problem("loss", "a scalar", result, expected["loss"])
    if problem:
        return CaseVerdict(0.0, problem)
    grads = [name for name in expected if name.startswith("grad_")]
    for name in grads:
        label = f"grads['{name.removeprefix('grad_')}']"
        if name not in result.types:
            return CaseVerdict(0.0, f"grads has no entry '{name.removeprefix('grad_')}'")
        shape = f"params['{name.removeprefix('grad_')}'].shape"
        problem = array_problem(name, shape, result, expected[name])
        if problem:
            return CaseVerdict(0.0, problem.replace(f"`{name}`", f"`{label}`"))
    names = ["loss", *grads]
    if all(close(result.arrays[name], expected[name]) for name in names):
        return CaseVerdict(1.0)
    mistake = named_mistake(item, result, mistaken, names)
    if mistake:
        return CaseVerdict(0.0, mistake, mistake=mistake)
    if not close(result.arrays["loss"], expected["loss"]):
        return CaseVerdict(0.0, f"the loss does not match the reference: {item.hint}")
    wrong = [n.removeprefix("grad_") for n in grads if not close(result.arrays[n], expected[n])]
    return CaseVerdict(
        0.0, f"the loss matches, but the gradients of {', '.join(wrong)} do not match the reference"
    )


def meaningful_length(tokens: np.ndarray, end: int = 2) -> int:
    """Number of tokens up to and including the first <END> (all of them if none)."""
    ends = np.flatnonzero(tokens == end)
    return int(ends[0]) + 1 if ends.size else len(tokens)


def equal_captions(got: np.ndarray, want: np.ndarray) -> list[bool]:
    """Per caption: are the tokens equal up to the first <END> of the wanted one?"""
    return [
        np.array_equal(g[: meaningful_length(w)], w[: meaningful_length(w)])
        for g, w in zip(got, want, strict=True)
    ]


def judge_sample(item, inputs, result, expected, mistaken, source) -> CaseVerdict:
    """The fraction of captions whose tokens, up to the reference's first <END>, are equal."""
    if result.error is not None:
        return CaseVerdict(0.0, error_problem(result, source))
    want = expected["captions"]
    problem = array_problem("captions", item.shapes["captions"], result, want, kind="i")
    if problem:
        return CaseVerdict(0.0, problem)
    matches = equal_captions(result.arrays["captions"], want)
    matched = (sum(matches), len(matches))
    if all(matches):
        return CaseVerdict(1.0, matched=matched)
    for mistake, outputs in zip(item.mistakes, mistaken, strict=True):
        if outputs is not None and all(
            equal_captions(result.arrays["captions"], outputs["captions"])
        ):
            return CaseVerdict(
                matched[0] / matched[1], mistake.message, mistake=mistake.message, matched=matched
            )
    return CaseVerdict(matched[0] / matched[1], item.hint, matched=matched)
