"""How one case of an item is judged: a score in [0, 1], what is wrong, and notes.

Every judgement takes the item, the hidden case (its inputs and labels), what the
sandbox returned, the reference's outputs, the outputs of the item's classic mistakes
on the same inputs, and the student's source lines; it returns a CaseVerdict. When the
outputs are wrong and equal those of a classic mistake, the verdict names that mistake.
Its signature says what the mistake is, so that the same mistake found by two items
that run the same code is charged once (checks/verdicts.py).
"""

from dataclasses import dataclass

import numpy as np

from autograder.checks.cases import Case
from autograder.checks.compare import array_problem, close, dtype_note, error_problem
from autograder.checks.item import KNOWN, Item
from autograder.checks.shapes import in_symbols, sizes_of
from autograder.sandbox.results import CaseResult

# The shape of every parameter of CaptioningRNN, in symbols ({k}: 4 for an LSTM, else 1).
PARAMETERS = {
    "W_embed": "(V, W)",
    "W_proj": "(D, H)",
    "b_proj": "(H,)",
    "Wx": "(W, {k}H)",
    "Wh": "(H, {k}H)",
    "b": "({k}H,)",
    "W_vocab": "(H, V)",
    "b_vocab": "(V,)",
}


@dataclass(frozen=True)
class CaseVerdict:
    """The judgement of one case.

    - score: In [0, 1]
    - problem: What is wrong, for the student ("" when right)
    - notes: Remarks that cost nothing (e.g. float64 outputs for float32 inputs)
    - mistake: The message of the classic mistake the outputs matched, if any
    - matched: For sampling, (captions that earn credit, captions counted, captions)
    - signature: What the mistake is, beyond its words: the same signature in two items
      that run the same student code is one mistake (a named mistake, an exception at
      one line of the student's file, or one symptom in the same case); None for wrong
      values that could come from anywhere
    """

    score: float
    problem: str = ""
    notes: tuple[str, ...] = ()
    mistake: str | None = None
    matched: tuple[int, int, int] | None = None
    signature: tuple | None = None


def failed(problem: str, case: Case, result: CaseResult, **fields) -> CaseVerdict:
    """A case that fails before any value is compared: an exception or a wrong form.

    Its signature is the exception's type and the line of the student's file that raised
    it, whatever its message said (code that is not written yet, raising
    NotImplementedError, has none: missing code is no shared mistake), or else the symptom
    and the case's shape.
    """
    if result.error is not None and result.error.startswith("NotImplementedError"):
        signature = None
    elif result.error is not None and result.where is not None:
        kind = result.error.split(":", 1)[0]
        signature = ("raised", kind, result.where["file"], result.where["line"])
    else:
        signature = ("symptom", case.shape, problem)
    return CaseVerdict(0.0, problem, signature=signature, **fields)


def named(message: str, notes: tuple[str, ...] = (), score: float = 0.0, **fields) -> CaseVerdict:
    """A case whose outputs are a classic mistake's."""
    signature = ("mistake", message)
    return CaseVerdict(score, message, notes, mistake=message, signature=signature, **fields)


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
    sizes = {"N": N, "D": D, "H": H}
    wanted = {"(N, D)": (N, D), "(N, H)": (N, H)}
    widened: dict[str, int] = {}  # float64 state for float32 inputs -> first call handing it
    for number, call in enumerate(calls):
        handed = [
            (name, in_symbols(got, sizes, shape), shape)
            for (name, shape), (got, _) in zip(KNOWN.STEP_STATES[spy].items(), call, strict=False)
            if got is not None and got != wanted[shape]
        ]
        if handed:
            return KNOWN.bad_handoff(function, spy, handed), None
        for (name, _), (got, dtype) in zip(KNOWN.STEP_STATES[spy].items(), call, strict=False):
            if got is not None and inputs["x"].dtype == np.float32 and dtype == "float64":
                widened.setdefault(name, number)
    if not widened:
        return None, None
    first = [name for name, number in widened.items() if number == 0]
    later = [name for name, number in widened.items() if number > 0]
    return None, KNOWN.float64_handoff(function, spy, first, later)


def judge_outputs(item, case, result, expected, mistaken, source) -> CaseVerdict:
    """Every named float output must match the reference (a layer, forward or backward).

    Outputs that are NaN or inf for large inputs, where the reference's are finite, are
    the overflow of a formula written with np.exp, a mistake named here.
    """
    if result.error is not None:
        return failed(error_problem(result, source), case, result)
    names = list(item.shapes)
    sizes = sizes_of(item.shapes, expected)
    for name in names:
        problem = array_problem(
            name, item.shapes[name], result, expected[name], sizes, finite=False
        )
        if problem:
            return failed(problem, case, result)
    infinite = [name for name in names if not np.all(np.isfinite(result.arrays[name]))]
    if infinite and KNOWN.LARGE_INPUTS in case.labels:
        forward = item.options.get("forward")
        if forward and any(
            not np.all(np.isfinite(value))
            for key, value in result.arrays.items()
            if key.startswith("forward.")
        ):  # its own forward overflowed (charged at the forward): nothing to judge here
            return CaseVerdict(1.0, notes=(KNOWN.overflowed_forward(forward["function"]),))
        return named(KNOWN.overflow(infinite))
    if infinite:
        return failed(KNOWN.not_finite(infinite[0]), case, result)
    notes = [dtype_note(names, result, expected)]
    spy = item.options.get("spy")
    if spy is not None:
        problem, note = handed_problem(item.function, spy, case.inputs, result)
        notes.append(note)
        if problem:
            return failed(problem, case, result, notes=tuple(filter(None, notes)))
    notes = tuple(filter(None, notes))
    wrong = [name for name in names if not close(result.arrays[name], expected[name])]
    if not wrong:
        return CaseVerdict(1.0, notes=notes)
    mistake = named_mistake(item, result, mistaken, names)
    if mistake:
        return named(mistake, notes)
    right = [name for name in names if name not in wrong]
    message = f"{KNOWN.quoted(wrong)} {'does' if len(wrong) == 1 else 'do'} not match the reference"
    if right:
        message += f" ({KNOWN.quoted(right)} {'matches' if len(right) == 1 else 'match'})"
    return CaseVerdict(0.0, f"{message}: {item.hint}" if item.hint else message, notes)


def judge_loss(item, case, result, expected, mistaken, source) -> CaseVerdict:
    """The loss and the gradient of every parameter must match the reference."""
    if result.error is not None:
        return failed(error_problem(result, source), case, result)
    problem = array_problem("loss", "a scalar", result, expected["loss"], {})
    if problem:
        return failed(problem, case, result)
    gates = 4 if item.options["cell_type"] == "lstm" else 1
    shapes = {
        f"grad_{name}": shape.format(k="" if gates == 1 else gates)
        for name, shape in PARAMETERS.items()
    }
    sizes = sizes_of(shapes, expected)
    grads = [name for name in expected if name.startswith("grad_")]
    for name in grads:
        parameter = name.removeprefix("grad_")
        if name not in result.types:
            return failed(f"grads has no entry '{parameter}'", case, result)
        problem = array_problem(name, shapes[name], result, expected[name], sizes)
        if problem:
            return failed(problem.replace(f"`{name}`", f"`grads['{parameter}']`"), case, result)
    names = ["loss", *grads]
    if all(close(result.arrays[name], expected[name]) for name in names):
        return CaseVerdict(1.0)
    mistake = named_mistake(item, result, mistaken, names)
    if mistake:
        return named(mistake)
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


def trivially_written(want: np.ndarray, mistaken: list[dict | None]) -> list[bool]:
    """Per expected caption: does a sampler that skips part of the work write it too?

    Such samplers are a constant caption (one token repeated) and the item's classic
    mistakes, which include feeding <START> at every step and ignoring the recurrence or
    the image: a caption one of them writes matches by coincidence as often as by work.
    """
    constant = [
        bool(np.all(w[: meaningful_length(w)] == w[0])) for w in want
    ]  # one token repeated up to the first <END>
    written = [
        equal_captions(outputs["captions"], want) for outputs in mistaken if outputs is not None
    ]
    return [c or any(rows[k] for rows in written) for k, c in enumerate(constant)]


def judge_sample(item, case, result, expected, mistaken, source) -> CaseVerdict:
    """Captions must equal the reference's up to its first <END>; partial credit counts a
    caption only where no trivial sampler writes it too (every wrong caption counts).

    The verdict's matched is (captions right and not trivially written, captions that
    count: those not trivially written and those that are wrong, captions); a case that
    raises or returns no readable captions has all its captions wrong.
    """
    want = expected["captions"]
    all_wrong = (0, len(want), len(want))
    if result.error is not None:
        return failed(error_problem(result, source), case, result, matched=all_wrong)
    sizes = sizes_of(item.shapes, expected)
    problem = array_problem("captions", item.shapes["captions"], result, want, sizes, kind="i")
    if problem:
        return failed(problem, case, result, matched=all_wrong)
    matches = equal_captions(result.arrays["captions"], want)
    trivial = trivially_written(want, mistaken)
    credited = sum(m and not t for m, t in zip(matches, trivial, strict=True))
    counted = sum(not (m and t) for m, t in zip(matches, trivial, strict=True))
    matched = (credited, counted, len(want))
    if all(matches):
        return CaseVerdict(1.0, matched=matched)
    score = credited / counted
    for mistake, outputs in zip(item.mistakes, mistaken, strict=True):
        if outputs is not None and all(
            equal_captions(result.arrays["captions"], outputs["captions"])
        ):
            return named(mistake.message, score=score, matched=matched)
    return CaseVerdict(score, item.hint, matched=matched)
