"""The mistakes the checks of this assignment can name, in the words every check uses.

`make check` (cs231n/selfcheck.py), the notebooks' check cells and the grader's hidden
checks describe a mistake with the text written here, so a mistake reads the same
wherever it is found. Each text names a symptom and the rule of the assignment it
breaks; nothing here is an answer or a hidden input.

known_mistakes.json, next to this file, is written by the course's release from the
same mistakes: what each one gives on the inputs of the public checks, so that
`make check` can name it, and the share of an item's points that an input changed in
place costs. This module imports nothing of `cs231n`: the grader loads it from its file.
"""

import json
from functools import cache
from itertools import permutations
from pathlib import Path

NUMBERS = Path(__file__).with_name("known_mistakes.json")
GATES = "ifog"  # the order of the four blocks of an LSTM's activation


def gate_order(order: str) -> str:
    """The name of the mistake of reading the LSTM's gate blocks in another order."""
    return f"gate order {order}"


# Every classic mistake the checks name: a short name, and what the student reads.
MISTAKES = {
    "bias missing": "the bias `b` is not added: next_h = tanh(x @ Wx + prev_h @ Wh + b)",
    "tanh missing": "the tanh is missing: next_h = tanh(x @ Wx + prev_h @ Wh + b)",
    "sigmoid for tanh": "next_h uses the sigmoid; the vanilla RNN uses tanh",
    "tanh derivative of next_h": "the derivative of tanh is 1 - next_h**2, not 1 - next_h",
    "no tanh derivative": "the gradient is not backpropagated through the tanh: "
    "da = dnext_h * (1 - next_h**2)",
    "h0 unused": "h0 is not used: the first step starts from h0",
    "every step from h0": "every step starts from h0: hand each step the hidden state of the "
    "step before",
    "carry not added": "the gradient carried back from step t+1 is not added: each step's "
    "upstream gradient is dh[:, t] + dprev_h",
    "walked forwards": "the timesteps are walked forwards: backpropagate from t = T-1 down to 0",
    "repeated words overwritten": "`dW[x] += dout` keeps only one gradient of a word that "
    "appears several times: use np.add.at(dW, x, dout), which adds them all",
    **{
        gate_order("".join(order)): f"gate order: the four blocks of a are taken as "
        f"{', '.join(order)}; the assignment's order is i, f, o, g (a[:, :H] is i, then f, o, "
        "and a[:, 3H:] is g)"
        for order in permutations(GATES)
        if "".join(order) != GATES
    },
    "sigmoid on g": "g uses the sigmoid: only the i, f and o gates use the sigmoid, g uses tanh",
    "next_h without tanh": "next_h = o * next_c misses the tanh: next_h = o * tanh(next_c)",
    "next_h times f": "next_h multiplies tanh(next_c) by the forget gate: it is the output gate o",
    "next_h times i": "next_h multiplies tanh(next_c) by the input gate: it is the output gate o",
    "next_c path missing": "the gradient that reaches next_c through next_h is missing: "
    "next_c also feeds next_h = o * tanh(next_c), so its total gradient has a second term",
    "tanh derivative of next_c": "the derivative of tanh(next_c) is 1 - tanh(next_c)**2, not "
    "1 - next_c**2",
    "dprev_c without next_h": "dprev_c is the total gradient of next_c times f (dnext_c alone "
    "misses the part that flows through next_h)",
    "c0 is h0": "the first cell state is h0: the initial cell state is zero (np.zeros_like(h0))",
    "cell not carried": "the cell state is not carried: hand each step the next_c of the step "
    "before (the first one is zero)",
    "hidden carry dropped": "the hidden-state gradient carried back from step t+1 is dropped: "
    "each step's dnext_h is dh[:, t] + dprev_h",
    "cell carry dropped": "the cell-state gradient carried back from step t+1 is dropped: each "
    "step's dnext_c is the dprev_c of the step after it",
    "null targets count": "the <NULL> targets count towards the loss: pass mask = "
    "(captions_out != NULL) to temporal_softmax_loss",
    "divided by words": "the loss is divided by the number of words: divide by N, the number "
    "of captions (temporal_softmax_loss already does)",
    "multiplied by N": "the loss is multiplied by N: temporal_softmax_loss already divides by N",
    "targets not shifted": "the targets are not shifted: captions_out = captions[:, 1:] (the "
    "word after each input word)",
    "mask from inputs": "the mask is taken from the inputs: mask = (captions_out != NULL), the "
    "targets",
    "inputs not shifted": "the inputs are not shifted: captions_in = captions[:, :-1] (every "
    "word but the last)",
    "tanh on h0": "h0 has a tanh: the initial hidden state is the plain affine projection of "
    "the features",
    "START in column 0": "<START> is written to column 0: column 0 holds the first generated word",
    "START fed every step": "every step is fed <START>: feed back the word chosen at the step "
    "before",
    "image unused": "the image is not used: h0 is the affine projection of the features",
}

# What to check when a function's values are wrong and no named mistake explains it.
HINTS = {
    "rnn_step_forward": "next_h = tanh(x @ Wx + prev_h @ Wh + b)",
    "rnn_step_backward": "backpropagate through the tanh first (da = dnext_h * (1 - "
    "next_h**2)), then through both matrix products",
    "rnn_forward": "start from h0, and hand each step the hidden state the previous step returned",
    "rnn_backward": "walk the timesteps in reverse and add the gradient carried back from step "
    "t+1 to dh[:, t]",
    "word_embedding_forward": "out[n, t] is the row W[x[n, t]] (one line: W[x])",
    "word_embedding_backward": "a word that appears several times must receive the sum of all "
    "its gradients (np.add.at)",
    "lstm_step_forward": "check the order of the four gate blocks (i, f, o, g), that only g "
    "uses tanh, next_c = f * prev_c + i * g and next_h = o * tanh(next_c)",
    "lstm_step_backward": "next_h depends on next_c: the total gradient of next_c is dnext_c "
    "plus the part that flows through next_h",
    "lstm_forward": "start from h0 and a zero cell state, and hand each step both states the "
    "previous step returned",
    "lstm_backward": "walk the timesteps in reverse and carry both the hidden-state and the "
    "cell-state gradient from step t+1 back to step t",
    "loss": "use captions[:, :-1] as inputs and captions[:, 1:] as targets, mask the <NULL> "
    "targets, and let temporal_softmax_loss divide by N",
    "sample": "start from <START>, take the argmax word at every step, feed it back as the next "
    "input, and write the first generated word to column 0",
}

# The `make check` checks that run each graded item's function, and the cases they run
# besides their main one (a hidden case with the same label is reproduced there).
PUBLIC_CHECKS = {
    "rnn_step_forward": ("rnn_step_forward",),
    "rnn_step_backward": ("rnn_step_backward",),
    "rnn_forward": ("rnn_forward",),
    "rnn_backward": ("rnn_backward",),
    "word_embedding_forward": ("word_embedding_forward",),
    "word_embedding_backward": ("word_embedding_backward",),
    "lstm_step_forward": ("lstm_step_forward",),
    "lstm_step_backward": ("lstm_step_backward",),
    "lstm_forward": ("lstm_forward",),
    "lstm_backward": ("lstm_backward",),
    "loss_rnn": ("loss_rnn", "loss_gradients_rnn"),
    "loss_lstm": ("loss_lstm", "loss_gradients_lstm"),
    "sample_rnn": ("sample_rnn",),
    "sample_lstm": ("sample_lstm",),
    "overfit_rnn": ("loss_gradients_rnn",),
    "overfit_lstm": ("loss_gradients_lstm",),
}
LARGE_INPUTS = "large inputs"
EDGE_CASES = ("N = 1", "T = 1")
PUBLIC_CASES = {
    "rnn_step_forward": ("N = 1", LARGE_INPUTS),
    "rnn_step_backward": ("N = 1", LARGE_INPUTS),
    "lstm_step_forward": ("N = 1", LARGE_INPUTS),
    "lstm_step_backward": ("N = 1", LARGE_INPUTS),
    **{
        f"{cell}_{part}": EDGE_CASES for cell in ("rnn", "lstm") for part in ("forward", "backward")
    },
    "loss_gradients_rnn": EDGE_CASES,
    "loss_gradients_lstm": EDGE_CASES,
    "sample_rnn": ("N = 1", "max_length = 1"),
    "sample_lstm": ("N = 1", "max_length = 1"),
}

# The arguments of each step function that hold one row per caption, and their shapes: what
# a sequence forward must hand its step.
STEP_STATES = {
    "rnn_step_forward": {"x": "(N, D)", "prev_h": "(N, H)"},
    "lstm_step_forward": {"x": "(N, D)", "prev_h": "(N, H)", "prev_c": "(N, H)"},
}

# How to avoid changing each input in place, by name.
IN_PLACE_FIXES = {
    "dnext_c": "write `dc = dnext_c + ...` instead of `dnext_c += ...`",
    "dnext_h": "write `da = dnext_h * ...` instead of `dnext_h *= ...` (or `da = dnext_h; "
    "da *= ...`, the same array)",
    "dh": "write `dnext_h = dh[:, t] + dprev_h` instead of `dh[:, t] += dprev_h`",
}


def not_implemented(function: str) -> str:
    """A function that still raises NotImplementedError."""
    return f"not implemented yet ({function} raises NotImplementedError)"


def not_returned(name: str) -> str:
    return f"`{name}` was not returned"


def none_returned(name: str, shape: str) -> str:
    return f"`{name}` is None (not computed yet?); expected an array of shape {shape}"


def not_an_array(name: str, kind: str, shape: str) -> str:
    return f"`{name}` is a {kind}; expected a numpy array of shape {shape}"


def wrong_shape(name: str, got: str, expected: str) -> str:
    """An output of another shape: got and expected as symbols, e.g. "(H, N)" and "(N, H)"."""
    return f"`{name}` has shape {got}; expected {expected}"


def wrong_kind(name: str, dtype: str, integer: bool = False) -> str:
    """An output of another kind of dtype than a float (or, for captions, an integer) one."""
    return f"`{name}` has dtype {dtype}; expected {'an integer' if integer else 'a float'} array"


def not_finite(name: str) -> str:
    return f"`{name}` contains NaN or inf"


def overflow(names: list[str]) -> str:
    """Non-finite outputs for large pre-activations, where the assignment's are finite."""
    return (
        f"{quoted(names)} {'contains' if len(names) == 1 else 'contain'} NaN or inf: a "
        "formula with np.exp overflows (np.exp(100.0) is inf in float32, and inf / inf is "
        "NaN); use `np.tanh` and the provided `sigmoid`, which never overflow"
    )


def unknown_forward(forward: str, backward: str) -> str:
    """A backward right for its own forward only, where that forward is no known mistake."""
    return (
        f"your {forward} differs from the assignment's, but not by a known classic mistake: "
        f"{backward} is judged against the assignment's {forward} only, so fix {forward} first"
    )


def overflowed_forward(forward: str) -> str:
    """A backward not judged where its own forward overflows (that is charged at the forward)."""
    return (
        f"for large inputs your {forward} overflows (charged there), so this backward is judged "
        "on the other inputs only"
    )


def float64_results(names: list[str]) -> str:
    """Float64 outputs for float32 inputs: a note, never a failure."""
    return (
        f"{quoted(names)} came back float64 for float32 inputs (no points lost): create new "
        "arrays with the input's dtype, e.g. `np.zeros((N, H), dtype=x.dtype)`; float64 layers "
        "make float32 training about twice as slow"
    )


def float64_handoff(function: str, step: str, first: list[str], later: list[str]) -> str:
    """A sequence forward that hands its step float64 states for float32 inputs.

    Inputs:
    - function, step: The sequence forward and its step function
    - first: The states that are float64 at the first step (made before the loop)
    - later: Those float64 only from the second step on (kept between steps)
    """
    if "prev_c" in first:
        cause = (
            "the zero initial cell state is made without a dtype: create it with h0's dtype "
            "(`np.zeros_like(h0)`)"
        )
    elif first:
        verb = "is" if len(first) == 1 else "are"
        cause = f"{quoted(first)} of the first step {verb} made without x's dtype"
    else:
        cause = (
            "from the second step on: an array made without a dtype keeps the states between "
            "steps (e.g. `h = np.zeros((N, T, H))`), or the step returns float64"
        )
    if first and later:
        cause += f"; every step after the first inherits it ({quoted(later)})"
    names = quoted(list(dict.fromkeys(first + later)))
    return f"{function} hands {step} float64 {names} for float32 inputs (no points lost): {cause}"


def bad_handoff(function: str, step: str, handed: list[tuple[str, str, str]]) -> str:
    """A sequence forward that hands its step function arrays of the wrong shape.

    Inputs:
    - function, step: The sequence forward and its step function
    - handed: (argument, its shape, the expected shape) of each wrong argument
    """
    parts = " and ".join(f"`{name}` of shape {got}" for name, got, _ in handed)
    expected = " and ".join(dict.fromkeys(wanted for _, _, wanted in handed))
    text = (
        f"{function} hands {step} {parts}; every step needs 2-D arrays with one row per "
        f"caption, {expected}, also when N = 1"
    )
    if any("," not in got.strip("()").rstrip(",") for _, got, _ in handed):
        text += " (`.squeeze()` drops the axis of size 1: slice with x[:, t, :] instead)"
    return text


def in_place(function: str, names: list[str], share: float | None = None) -> str:
    """A function that changes some of its inputs in place.

    Inputs:
    - function: The function
    - names: The inputs it changes (an array inside a cache as `cache[k]`)
    - share: The share of the item's points the grader takes off for it, if known
    """
    fixes = [
        IN_PLACE_FIXES.get(name, f"work on a copy of `{name}` or build a new array")
        for name in names
    ]
    text = f"{function} changes its input {', '.join(f'`{n}`' for n in names)} in place: "
    text += "; ".join(fixes)
    if share:
        text += f" (the grader takes {share:.0%} of its points off, even when the values are right)"
    return text


def identity_with_literal(code: str, place: str) -> str:
    """A comparison with `is` against a literal, found in the student's file."""
    return (
        f"`{code}` ({place}) compares with `is` against a literal: it holds only when Python "
        "happens to reuse one object for both (it does for short strings in a notebook, not "
        "for every value); compare values with `==` (`is` only for None, True and False)"
    )


def not_greedy(wrong: int, total: int) -> str:
    return f"{wrong} of {total} captions are not greedy: {HINTS['sample']}"


def greediness_unjudged(reason: str) -> str:
    """Captions that cannot be judged greedy or not: the judge is the student's own loss."""
    return (
        "cannot tell whether the captions are greedy until CaptioningRNN.loss works (your "
        f"loss's scores judge them): {reason}"
    )


def reproduce(checks: tuple[str, ...], label: str | None = None, covered: bool = True) -> str:
    """How to see a failure of the hidden checks with `make check`.

    Inputs:
    - checks: The public checks that run the failing function
    - label: The case that sets the failure apart ("N = 1"), if one does
    - covered: Whether the checks run such a case
    """
    named = " and ".join(f"`{check}`" for check in checks)
    only = f"`python -m cs231n.selfcheck --only {checks[0]}`"
    if label and not covered:
        return f"`make check` runs it in check {named} ({only}), but not with {label}: try that"
    case = f", in its case with {label}" if label else ""
    return f"`make check` shows it: check {named}{case} ({only})"


def quoted(names: list[str]) -> str:
    """`a`, `b` and `c`."""
    words = [f"`{name}`" for name in names]
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)


@cache
def numbers() -> dict:
    """known_mistakes.json: {"fingerprints": {check: [[[mistake, ...], {output:
    fingerprint}], ...]}, "in_place_deduction": {item: share}} (empty if it is missing)."""
    try:
        return json.loads(NUMBERS.read_text())
    except (OSError, ValueError):
        return {"fingerprints": {}, "in_place_deduction": {}}


def in_place_share(item: str) -> float | None:
    """The share of an item's points the grader takes off for an input changed in place."""
    return numbers()["in_place_deduction"].get(item)
