"""Public self-check of your RNN and LSTM code, from the terminal, in a few seconds.

    make check                                           # every check
    python -m cs231n.selfcheck --only lstm_step_backward  # one check

Every check prints one line: PASS, FAIL (what is wrong), NOT IMPLEMENTED (the function, or
one it needs, still raises NotImplementedError) or ERROR (the exception your code raised).
A NOTE line after a check never counts against it: it says that a function gave float64
results for float32 inputs, which works but makes float32 training run in slower float64.
The exit status is 0 only if every check passes.

The checks are the notebooks' public ones: the classic expected values of the forward
passes and of the captioning loss, numerical gradient checks of every backward pass and of
the model, and a self-consistency check of greedy sampling. The sequence functions and the
model are also run with a single caption (N = 1) and a single timestep (T = 1), what each
sequence forward hands its step function is checked (2-D arrays, one row per caption), and
no function may change its inputs (a backward's upstream gradient and cache included). The
grader runs its own checks on other inputs, so passing here is necessary, not sufficient.
"""

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np

from cs231n.gradient_check import eval_numerical_gradient_array, rel_error

PACKAGE = Path(__file__).resolve().parent
STUDENT_MODULES = (PACKAGE / "rnn_layers.py", PACKAGE / "classifiers" / "rnn.py")
SEED = 231
GRADIENT_TOLERANCE = 1e-5
SEQUENCE_TOLERANCE = 1e-6
NULL, START, END = 0, 1, 2
TINY_VOCAB = {"<NULL>": NULL, "<START>": START, "<END>": END, "cat": 3, "dog": 4, "sat": 5}
# The edge cases every sequence function and the model also get: label -> (N, T).
EDGE_CASES = {"N = 1": (1, 4), "T = 1": (3, 1)}
# What each layer returns, in order.
OUTPUTS = {
    "rnn_step_forward": ("next_h", "cache"),
    "rnn_step_backward": ("dx", "dprev_h", "dWx", "dWh", "db"),
    "rnn_forward": ("h", "cache"),
    "rnn_backward": ("dx", "dh0", "dWx", "dWh", "db"),
    "word_embedding_forward": ("out", "cache"),
    "word_embedding_backward": ("dW",),
    "lstm_step_forward": ("next_h", "next_c", "cache"),
    "lstm_step_backward": ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
    "lstm_forward": ("h", "cache"),
    "lstm_backward": ("dx", "dh0", "dWx", "dWh", "db"),
}
CASE_NOTE = "selfcheck case: "  # how case() labels an exception raised in an edge case
# The array arguments of each step function that have one row per caption.
STEP_STATES = {"rnn_step_forward": ("x", "prev_h"), "lstm_step_forward": ("x", "prev_h", "prev_c")}


class CheckFailed(Exception):
    """A check found a wrong result; the message says what is wrong."""


# ---------------------------------------------------------------------------------------
# Helpers shared by the checks
# ---------------------------------------------------------------------------------------


def layers() -> ModuleType:
    """Your cs231n.rnn_layers, imported inside each check so an import error is one ERROR."""
    return importlib.import_module("cs231n.rnn_layers")


def captioning_rnn(
    word_to_idx: dict,
    cell_type: str,
    input_dim: int,
    wordvec_dim: int,
    hidden_dim: int,
    dtype: type = np.float64,
):
    """A CaptioningRNN from your cs231n.classifiers.rnn (float64 unless dtype says otherwise)."""
    module = importlib.import_module("cs231n.classifiers.rnn")
    return module.CaptioningRNN(
        word_to_idx,
        input_dim=input_dim,
        wordvec_dim=wordvec_dim,
        hidden_dim=hidden_dim,
        cell_type=cell_type,
        dtype=dtype,
    )


def linspace(lo: float, hi: float, *shape: int) -> np.ndarray:
    """np.linspace(lo, hi, num=size).reshape(shape): the inputs of the classic checks."""
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)


def gaussian(
    rng: np.random.Generator, *shape: int, scale: float = 1.0, dtype: type = np.float64
) -> np.ndarray:
    """Random inputs; a scale of 0.4 keeps tanh and sigmoid away from saturation."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def step_inputs(
    rng: np.random.Generator, cell: str, N: int, D: int, H: int, dtype: type = np.float64
) -> dict[str, np.ndarray]:
    """Random inputs of rnn_step_forward or lstm_step_forward (cell 'rnn' or 'lstm')."""
    k = 4 if cell == "lstm" else 1
    inputs = {"x": gaussian(rng, N, D, dtype=dtype), "prev_h": gaussian(rng, N, H, dtype=dtype)}
    if cell == "lstm":
        inputs["prev_c"] = gaussian(rng, N, H, dtype=dtype)
    return inputs | weights(rng, D, H, k, dtype)


def sequence_inputs(
    rng: np.random.Generator, cell: str, N: int, T: int, D: int, H: int, dtype: type = np.float64
) -> dict[str, np.ndarray]:
    """Random inputs of rnn_forward or lstm_forward (cell 'rnn' or 'lstm')."""
    k = 4 if cell == "lstm" else 1
    inputs = {"x": gaussian(rng, N, T, D, dtype=dtype), "h0": gaussian(rng, N, H, dtype=dtype)}
    return inputs | weights(rng, D, H, k, dtype)


def weights(rng: np.random.Generator, D: int, H: int, k: int, dtype: type) -> dict:
    """Wx (D, kH), Wh (H, kH) and b (kH,), small enough to keep the units unsaturated."""
    return {
        "Wx": gaussian(rng, D, k * H, scale=0.4, dtype=dtype),
        "Wh": gaussian(rng, H, k * H, scale=0.4, dtype=dtype),
        "b": gaussian(rng, k * H, scale=0.4, dtype=dtype),
    }


def expect_array(name: str, value, shape: tuple) -> None:
    """Fail unless value is a numpy array of the given shape."""
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"`{name}` is a {type(value).__name__}; expected a numpy array")
    if value.shape != shape:
        raise CheckFailed(f"`{name}` has shape {value.shape}; expected {shape}")


def expect_within(error: float, tolerance: float, where: str = "") -> None:
    """Fail unless error <= tolerance (a NaN error fails too)."""
    if not error <= tolerance:
        suffix = f" in {where}" if where else ""
        raise CheckFailed(f"error {error:.1e} > tolerance {tolerance:.0e}{suffix}")


def named(result, names: tuple[str, ...], function: str) -> dict:
    """Name the values a function returned, or fail if it returned another number of them."""
    if len(names) == 1:
        return {names[0]: result}
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, tuple) else type(result).__name__
        raise CheckFailed(f"{function} returned {got}; expected a tuple ({', '.join(names)})")
    return dict(zip(names, result, strict=True))


def arrays_in(name: str, value) -> Iterator[tuple[str, np.ndarray]]:
    """Every array in value, looking inside tuples, lists and dicts (a cache), by path."""
    if isinstance(value, np.ndarray):
        yield name, value
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from arrays_in(f"{name}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from arrays_in(f"{name}[{key!r}]", item)


@contextmanager
def unchanged(function: str, **inputs):
    """Fail if the code run inside the block changes an input array (or one in a cache)."""
    arrays = [pair for name, value in inputs.items() for pair in arrays_in(name, value)]
    before = [value.copy() for _, value in arrays]
    yield
    for (name, value), old in zip(arrays, before, strict=True):
        if value.shape != old.shape or not np.array_equal(value, old, equal_nan=True):
            raise CheckFailed(
                f"{function} changed its input `{name}`: compute new arrays instead of "
                "updating inputs in place (e.g. `d = dnext_c + ...`, not `dnext_c += ...`)"
            )


def call_layer(function: str, **inputs) -> dict:
    """Call one of your layers with the inputs in order; return its named outputs.

    Fails if the layer changes one of its input arrays or returns the wrong number of values.
    """
    with unchanged(function, **inputs):
        result = getattr(layers(), function)(*inputs.values())
    return named(result, OUTPUTS[function], function)


@contextmanager
def case(label: str):
    """Name the case (e.g. "N = 1"; "" for the ordinary one) in a failure or an error."""
    if not label:
        yield
        return
    try:
        yield
    except CheckFailed as failure:
        raise CheckFailed(f"with {label}: {failure}") from failure
    except NotImplementedError:
        raise
    except Exception as error:  # your code may raise anything; outcome() reports it
        error.add_note(CASE_NOTE + label)
        raise


@dataclass
class BadStepCall:
    """A call of a step function with arrays that are not 2-D with one row per caption."""

    caller: str  # the function that made the call, e.g. "rnn_forward"
    what: str  # what it did, e.g. "handed rnn_step_forward `x` of shape (5,) and ..."

    @property
    def message(self) -> str:
        return f"{self.caller} {self.what}"


def bad_step_call(step: str, caller: str, args: tuple, kwargs: dict) -> BadStepCall | None:
    """What is wrong with the arrays a step function was handed, or None if nothing is."""
    given = dict(zip(STEP_STATES[step], args, strict=False)) | {
        name: kwargs[name] for name in STEP_STATES[step] if name in kwargs
    }
    shapes = {name: np.shape(value) for name, value in given.items()}
    if (
        all(len(shape) == 2 for shape in shapes.values())
        and len({shape[0] for shape in shapes.values()}) == 1
    ):
        return None
    handed = " and ".join(f"`{name}` of shape {shape}" for name, shape in shapes.items())
    what = (
        f"handed {step} {handed}; every step needs 2-D arrays with one row per caption, "
        "(N, D) and (N, H), also when N = 1"
    )
    if any(len(shape) < 2 for shape in shapes.values()):
        what += " (`.squeeze()` drops the axis of size 1: slice with x[:, t, :] instead)"
    return BadStepCall(caller, what)


@contextmanager
def watching_steps() -> Iterator[list[BadStepCall]]:
    """Record, while the block runs, every call of your step functions with badly shaped
    arrays (your sequence functions and the model call them through cs231n.rnn_layers)."""
    module = layers()
    originals = {step: getattr(module, step) for step in STEP_STATES}
    bad_calls: list[BadStepCall] = []

    def watched(step: str) -> Callable:
        def call(*args, **kwargs):
            caller = sys._getframe(1).f_code.co_name
            bad = bad_step_call(step, caller, args, kwargs)
            if bad is not None:
                bad_calls.append(bad)
            return originals[step](*args, **kwargs)

        return call

    for step in originals:
        setattr(module, step, watched(step))
    try:
        yield bad_calls
    finally:
        for step, original in originals.items():
            setattr(module, step, original)


def check_gradients(
    output: Callable[[], np.ndarray],
    upstream: np.ndarray,
    inputs: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
) -> None:
    """Compare analytic gradients with numerical ones; fail on the largest relative error.

    Inputs:
    - output: Function of no argument recomputing the output from the arrays of inputs
    - upstream: Gradient of the loss with respect to that output
    - inputs: The arrays to differentiate, perturbed in place by the numerical gradient
    - analytic: Your gradients, one per input and in the same order, keyed by their names
    """
    errors = {}
    for x, (grad_name, grad) in zip(inputs.values(), analytic.items(), strict=True):
        expect_array(grad_name, grad, x.shape)
        numerical = eval_numerical_gradient_array(lambda _: output(), x, upstream)
        errors[grad_name] = rel_error(numerical, grad)
    worst = max(errors, key=lambda name: errors[name])
    expect_within(errors[worst], GRADIENT_TOLERANCE, f"`{worst}`")


def tiny_model(cell_type: str, rng: np.random.Generator, scale: float, dtype: type = np.float64):
    """A small CaptioningRNN over TINY_VOCAB with random parameters."""
    model = captioning_rnn(
        TINY_VOCAB, cell_type, input_dim=4, wordvec_dim=5, hidden_dim=6, dtype=dtype
    )
    for name, value in model.params.items():
        model.params[name] = gaussian(rng, *value.shape, scale=scale, dtype=dtype)
    return model


def model_loss(model, features: np.ndarray, captions: np.ndarray) -> dict:
    """Your model's loss and gradients, as {"loss": ..., "grads": ...}."""
    return named(model.loss(features, captions), ("loss", "grads"), "CaptioningRNN.loss")


def greedy_mismatches(model, features: np.ndarray, captions: np.ndarray, cell_type: str) -> int:
    """How many captions are not greedy decodings, each compared up to its first <END>.

    Replays the decoding with your own step functions, feeding back your caption's words,
    and checks that every word is the argmax of the scores at its step.
    """
    p, rnn_layers = model.params, layers()
    hidden = features @ p["W_proj"] + p["b_proj"]
    cell = np.zeros(hidden.shape)
    fed_back = np.full(len(features), START)
    live = np.ones(len(features), dtype=bool)
    wrong = np.zeros(len(features), dtype=bool)
    for column in captions.T:
        embedded = p["W_embed"][fed_back]
        if cell_type == "lstm":
            hidden, cell, _ = rnn_layers.lstm_step_forward(
                embedded, hidden, cell, p["Wx"], p["Wh"], p["b"]
            )
        else:
            hidden, _ = rnn_layers.rnn_step_forward(embedded, hidden, p["Wx"], p["Wh"], p["b"])
        best = np.argmax(hidden @ p["W_vocab"] + p["b_vocab"], axis=1)
        wrong |= live & (column != best)
        live &= column != END
        fed_back = column
    return int(wrong.sum())


# ---------------------------------------------------------------------------------------
# The checks: each returns None if it passes and raises CheckFailed if it does not
# ---------------------------------------------------------------------------------------


def check_rnn_step_forward() -> None:
    """The classic next_h of one RNN step."""
    N, D, H = 3, 10, 4
    out = call_layer(
        "rnn_step_forward",
        x=linspace(-0.4, 0.7, N, D),
        prev_h=linspace(-0.2, 0.5, N, H),
        Wx=linspace(-0.1, 0.9, D, H),
        Wh=linspace(-0.3, 0.7, H, H),
        b=linspace(-0.2, 0.4, H),
    )
    expect_array("next_h", out["next_h"], (N, H))
    expected = np.array([-0.58172089, -0.50182032, -0.41232771, -0.31410098])
    expect_within(rel_error(out["next_h"][0], expected), 1e-7)


def check_step_backward(cell: str) -> None:
    """Numerical gradients of one RNN or LSTM step (an LSTM's through next_h and next_c)."""
    rng = np.random.default_rng(SEED)
    forward, backward = f"{cell}_step_forward", f"{cell}_step_backward"
    inputs = step_inputs(rng, cell, N=4, D=5, H=6)
    out = call_layer(forward, **inputs)
    states = [name for name in OUTPUTS[forward] if name != "cache"]
    upstream = {f"d{name}": gaussian(rng, *out[name].shape) for name in states}
    grads = call_layer(backward, **upstream, cache=out["cache"])

    def all_states() -> np.ndarray:
        """The step's outputs side by side, so one numerical gradient covers them all."""
        return np.concatenate(getattr(layers(), forward)(*inputs.values())[:-1], axis=1)

    check_gradients(all_states, np.concatenate(list(upstream.values()), axis=1), inputs, grads)


def check_rnn_forward() -> None:
    """The classic first hidden state of an RNN over a sequence, then the edge cases."""
    N, T, D, H = 2, 3, 4, 5
    out = call_layer(
        "rnn_forward",
        x=linspace(-0.1, 0.3, N, T, D),
        h0=linspace(-0.3, 0.1, N, H),
        Wx=linspace(-0.2, 0.4, D, H),
        Wh=linspace(-0.4, 0.1, H, H),
        b=linspace(-0.7, 0.1, H),
    )
    expect_array("h", out["h"], (N, T, H))
    expected = np.array([-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251])
    expect_within(rel_error(out["h"][0, 0], expected), SEQUENCE_TOLERANCE)
    check_forward_edge_cases("rnn")


def check_forward_edge_cases(cell: str) -> None:
    """With N = 1 and with T = 1, a sequence forward gives the first caption / timestep of
    what it gives on a larger batch of the same inputs."""
    rng = np.random.default_rng(SEED)
    forward, (N, T, D, H) = f"{cell}_forward", (3, 4, 5, 6)
    inputs = sequence_inputs(rng, cell, N, T, D, H)
    h = call_layer(forward, **inputs)["h"]
    expect_array("h", h, (N, T, H))
    for label, (n, t) in EDGE_CASES.items():
        with case(label):
            part = inputs | {"x": inputs["x"][:n, :t], "h0": inputs["h0"][:n]}
            h_part = call_layer(forward, **part)["h"]
            expect_array("h", h_part, (n, t, H))
            where = f"`h` against the same inputs in a batch of {N} captions of {T} timesteps"
            expect_within(rel_error(h_part, h[:n, :t]), SEQUENCE_TOLERANCE, where)


def check_sequence_backward(cell: str) -> None:
    """Numerical gradients of an RNN or LSTM over a sequence, also with N = 1 and T = 1."""
    rng = np.random.default_rng(SEED)
    forward, backward = f"{cell}_forward", f"{cell}_backward"
    for label, (N, T) in {"": (3, 4), **EDGE_CASES}.items():
        inputs = sequence_inputs(rng, cell, N, T, D=5, H=6)
        dh = gaussian(rng, N, T, 6)
        with case(label):
            out = call_layer(forward, **inputs)
            grads = call_layer(backward, dh=dh, cache=out["cache"])
            check_gradients(
                lambda inputs=inputs: getattr(layers(), forward)(*inputs.values())[0],
                dh,
                inputs,
                grads,
            )


def check_word_embedding_forward() -> None:
    """Each word index picks its row of W."""
    V, D = 5, 3
    words = np.array([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = linspace(0, 1, V, D)
    out = call_layer("word_embedding_forward", x=words, W=W)
    expect_array("out", out["out"], (*words.shape, D))
    expect_within(rel_error(out["out"], W.round(8)[words]), 1e-7)


def check_word_embedding_backward() -> None:
    """Numerical gradient of the embedding, with a repeated word."""
    rng = np.random.default_rng(SEED)
    N, T, V, D = 2, 5, 4, 3
    words = rng.integers(V, size=(N, T))
    words[0, :3] = 1  # a word that appears several times
    W = gaussian(rng, V, D)
    dout = gaussian(rng, N, T, D)
    forward = call_layer("word_embedding_forward", x=words, W=W)
    grads = call_layer("word_embedding_backward", dout=dout, cache=forward["cache"])
    check_gradients(lambda: layers().word_embedding_forward(words, W)[0], dout, {"W": W}, grads)


def check_lstm_step_forward() -> None:
    """The classic next_h and next_c of one LSTM step."""
    N, D, H = 3, 4, 5
    out = call_layer(
        "lstm_step_forward",
        x=linspace(-0.4, 1.2, N, D),
        prev_h=linspace(-0.3, 0.7, N, H),
        prev_c=linspace(-0.4, 0.9, N, H),
        Wx=linspace(-2.1, 1.3, D, 4 * H),
        Wh=linspace(-0.7, 2.2, H, 4 * H),
        b=linspace(0.3, 0.7, 4 * H),
    )
    expect_array("next_h", out["next_h"], (N, H))
    expect_array("next_c", out["next_c"], (N, H))
    expected_h = np.array([0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904])
    expected_c = np.array([0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407])
    expect_within(rel_error(out["next_c"][0], expected_c), 1e-7, "`next_c`")
    expect_within(rel_error(out["next_h"][0], expected_h), 1e-7, "`next_h`")


def check_lstm_forward() -> None:
    """The classic first hidden state of an LSTM over a sequence, then the edge cases."""
    N, D, H, T = 2, 5, 4, 3
    out = call_layer(
        "lstm_forward",
        x=linspace(-0.4, 0.6, N, T, D),
        h0=linspace(-0.4, 0.8, N, H),
        Wx=linspace(-0.2, 0.9, D, 4 * H),
        Wh=linspace(-0.3, 0.6, H, 4 * H),
        b=linspace(0.2, 0.7, 4 * H),
    )
    expect_array("h", out["h"], (N, T, H))
    expected = np.array([0.01764008, 0.01823233, 0.01882671, 0.0194232])
    expect_within(rel_error(out["h"][0, 0], expected), SEQUENCE_TOLERANCE)
    check_forward_edge_cases("lstm")


def check_loss(cell_type: str, features_range: tuple[float, float], expected: float) -> None:
    """The classic captioning loss of a model whose parameters are all linspace."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    model = captioning_rnn(word_to_idx, cell_type, input_dim=D, wordvec_dim=W, hidden_dim=H)
    for name, value in model.params.items():
        model.params[name] = linspace(-1.4, 1.3, *value.shape)
    features = linspace(*features_range, N, D)
    captions = (np.arange(N * T) % len(word_to_idx)).reshape(N, T)
    with unchanged("CaptioningRNN.loss", features=features, captions=captions):
        loss = model_loss(model, features, captions)["loss"]
    expect_within(abs(float(loss) - expected), 1e-8)


def check_loss_gradients(cell_type: str) -> None:
    """Numerical gradients of the loss for every parameter of a tiny model, for captions
    of 4 words (one of them padded), then with N = 1 and with T = 1."""
    rng = np.random.default_rng(SEED)
    model = tiny_model(cell_type, rng, scale=0.4)
    for label, (N, T) in {"": (3, 4), **EDGE_CASES}.items():
        features = gaussian(rng, N, model.params["W_proj"].shape[0])
        captions = rng.integers(START, len(TINY_VOCAB), size=(N, T + 1))
        if N > 1:  # padding, which the loss must ignore (a whole caption's when T = 1)
            captions[0, -min(T, 2) :] = NULL
        with case(label):
            with unchanged("CaptioningRNN.loss", features=features, captions=captions):
                grads = model_loss(model, features, captions)["grads"]
            missing = sorted(set(model.params) - set(grads))
            if missing:
                raise CheckFailed(f"grads has no entry {', '.join(map(repr, missing))}")
            analytic = {f"grads['{name}']": grads[name] for name in model.params}
            check_gradients(
                lambda features=features, captions=captions: model.loss(features, captions)[0],
                np.array(1.0),
                model.params,
                analytic,
            )


def check_sample(cell_type: str) -> None:
    """Shape, dtype and greediness of the captions a tiny model samples, also for one
    image (N = 1) and for captions of one word (max_length = 1)."""
    rng = np.random.default_rng(SEED)
    model = tiny_model(cell_type, rng, scale=0.7)
    for label, (N, max_length) in {"": (5, 7), "N = 1": (1, 7), "max_length = 1": (5, 1)}.items():
        features = gaussian(rng, N, model.params["W_proj"].shape[0])
        with case(label):
            with unchanged("CaptioningRNN.sample", features=features):
                captions = model.sample(features, max_length=max_length)
            expect_array("captions", captions, (N, max_length))
            if captions.dtype.kind not in "iu":
                raise CheckFailed(
                    f"`captions` has dtype {captions.dtype}; expected an integer array"
                )
            wrong = greedy_mismatches(model, features, captions, cell_type)
            if wrong:
                raise CheckFailed(
                    f"{wrong} of {N} captions are not greedy: start from <START>, take the "
                    "argmax word at every step, feed it back as the next input, write the "
                    "first word to column 0"
                )


# name (for --only) -> check; model checks are named after the method and the cell type
CHECKS: dict[str, Callable[[], None]] = {
    "rnn_step_forward": check_rnn_step_forward,
    "rnn_step_backward": partial(check_step_backward, "rnn"),
    "rnn_forward": check_rnn_forward,
    "rnn_backward": partial(check_sequence_backward, "rnn"),
    "word_embedding_forward": check_word_embedding_forward,
    "word_embedding_backward": check_word_embedding_backward,
    "lstm_step_forward": check_lstm_step_forward,
    "lstm_step_backward": partial(check_step_backward, "lstm"),
    "lstm_forward": check_lstm_forward,
    "lstm_backward": partial(check_sequence_backward, "lstm"),
    "loss_rnn": partial(check_loss, "rnn", (-1.5, 0.3), 9.83235591003),
    "loss_lstm": partial(check_loss, "lstm", (-0.5, 1.7), 9.82445935443),
    "loss_gradients_rnn": partial(check_loss_gradients, "rnn"),
    "loss_gradients_lstm": partial(check_loss_gradients, "lstm"),
    "sample_rnn": partial(check_sample, "rnn"),
    "sample_lstm": partial(check_sample, "lstm"),
}


# ---------------------------------------------------------------------------------------
# Notes: float64 results for float32 inputs
# ---------------------------------------------------------------------------------------


def float32_layer_results(function: str) -> dict:
    """What a layer returns for float32 inputs (a backward: after its float32 forward).

    Inputs:
    - function: A key of OUTPUTS

    Returns:
    - {output name: value} of every output but the cache
    """
    rng = np.random.default_rng(SEED)
    forward = function.replace("backward", "forward")
    if forward == "word_embedding_forward":
        inputs = {"x": np.array([[0, 3, 1], [2, 1, 0]]), "W": gaussian(rng, 4, 3, dtype=np.float32)}
    elif "step" in forward:
        inputs = step_inputs(rng, cell_of(forward), N=2, D=3, H=4, dtype=np.float32)
    else:
        inputs = sequence_inputs(rng, cell_of(forward), N=2, T=3, D=3, H=4, dtype=np.float32)
    out = call_layer(forward, **inputs)
    if function != forward:
        upstream = {
            f"d{name}": gaussian(rng, *np.shape(value), dtype=np.float32)
            for name, value in out.items()
            if name != "cache"
        }
        out = call_layer(function, **upstream, cache=out["cache"])
    return {name: value for name, value in out.items() if name != "cache"}


def cell_of(function: str) -> str:
    """'lstm' for an LSTM layer, else 'rnn'."""
    return "lstm" if function.startswith("lstm") else "rnn"


def float32_model_gradients(cell_type: str) -> dict:
    """The gradients of a tiny float32 model's loss, as {"grads['W_embed']": ..., ...}."""
    rng = np.random.default_rng(SEED)
    model = tiny_model(cell_type, rng, scale=0.4, dtype=np.float32)
    features = gaussian(rng, 3, model.params["W_proj"].shape[0], dtype=np.float32)
    captions = rng.integers(START, len(TINY_VOCAB), size=(3, 5))
    grads = model_loss(model, features, captions)["grads"]
    return {f"grads['{name}']": value for name, value in grads.items()}


# check name -> what its function returns for float32 inputs
FLOAT32_RESULTS: dict[str, Callable[[], dict]] = {
    **{name: partial(float32_layer_results, name) for name in OUTPUTS},
    "loss_gradients_rnn": partial(float32_model_gradients, "rnn"),
    "loss_gradients_lstm": partial(float32_model_gradients, "lstm"),
}


def float64_note(name: str) -> str | None:
    """A note if the check's function gives float64 arrays for float32 inputs, else None.

    The note is advice, never a failure: any problem running the function is the check's
    to report, so it gives no note.
    """
    if name not in FLOAT32_RESULTS:
        return None
    try:
        results = FLOAT32_RESULTS[name]()
    except Exception:  # the check itself reports what is wrong with the function
        return None
    wide = [
        f"`{output}`"
        for output, value in results.items()
        if isinstance(value, np.ndarray) and value.dtype == np.float64
    ]
    if not wide:
        return None
    return (
        f"NOTE ({', '.join(wide)} float64 for float32 inputs: give new arrays the input's "
        "dtype, e.g. np.zeros((N, H), dtype=x.dtype), or float32 training runs in slower "
        "float64)"
    )


# ---------------------------------------------------------------------------------------
# Running the checks
# ---------------------------------------------------------------------------------------


def innermost_student_frame(error: BaseException) -> tuple[str, str, int] | None:
    """(function qualname, file name, line) where your code raised error, or None."""
    found = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        if Path(frame.f_code.co_filename).resolve() in STUDENT_MODULES:
            found = (frame.f_code.co_qualname, Path(frame.f_code.co_filename).name, line)
    return found


def cause(bad_calls: list[BadStepCall]) -> str:
    """The text explaining a failure by a badly shaped step call, or "" if there was none."""
    if not bad_calls:
        return ""
    return f"; this comes from {bad_calls[0].caller}, which {bad_calls[0].what}"


def outcome(name: str) -> str:
    """Run one check.

    A check of a sequence forward also fails when that forward handed its step function
    badly shaped arrays; any other check that fails says so when that was the cause.

    Inputs:
    - name: The check's name in CHECKS

    Returns:
    - "PASS", "FAIL (what is wrong)", "ERROR (the exception)" or "NOT IMPLEMENTED", followed
      by "(in FUNCTION)" when the function that raised NotImplementedError is not `name`
    """
    bad_calls: list[BadStepCall] = []
    try:
        with watching_steps() as bad_calls:
            CHECKS[name]()
    except CheckFailed as failure:
        return f"FAIL ({failure}{cause(bad_calls)})"
    except NotImplementedError as error:
        frame = innermost_student_frame(error)
        if frame is None or frame[0] == name:
            return "NOT IMPLEMENTED"
        return f"NOT IMPLEMENTED (in {frame[0]})"
    except Exception as error:  # your code may raise anything; the other checks still run
        message = (str(error).splitlines() or [""])[0][:200]
        frame = innermost_student_frame(error)
        where = f" at {frame[1]}:{frame[2]}" if frame else ""
        labels = [
            note[len(CASE_NOTE) :]
            for note in getattr(error, "__notes__", [])
            if note.startswith(CASE_NOTE)
        ]
        within = f"with {labels[-1]}: " if labels else ""
        return f"ERROR ({within}{type(error).__name__}: {message}{where}{cause(bad_calls)})"
    own = [bad for bad in bad_calls if bad.caller == name]
    if own:
        return f"FAIL ({own[0].message})"
    return "PASS"


def run_checks(*names: str) -> int:
    """Run the named checks (all of them if none is named), printing a line for each.

    Inputs:
    - names: Keys of CHECKS

    Returns:
    - How many of them passed
    """
    selected = list(names) or list(CHECKS)
    width = max(map(len, selected))
    passed = notes = 0
    for name in selected:
        result = outcome(name)
        passed += result == "PASS"
        print(f"{name:<{width}}  {result}", flush=True)
        note = None if result.startswith("NOT IMPLEMENTED") else float64_note(name)
        if note:
            notes += 1
            print(f"{name:<{width}}  {note}", flush=True)
    noted = f" ({notes} note{'s' * (notes != 1)})" if notes else ""
    print(f"{passed} of {len(selected)} checks passed{noted}")
    return passed


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print one line each and a count.

    Inputs:
    - argv: Command-line arguments (sys.argv[1:] if None)

    Returns:
    - Exit status: 0 if every selected check passes, else 1
    """
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.selfcheck",
        description="The public checks that `make check` runs on cs231n/rnn_layers.py and "
        "cs231n/classifiers/rnn.py.",
    )
    parser.add_argument(
        "--only", metavar="NAME", choices=CHECKS, help=f"run one check: {', '.join(CHECKS)}"
    )
    args = parser.parse_args(argv)
    selected = [args.only] if args.only else list(CHECKS)

    print(f"Checking {PACKAGE}")
    passed = run_checks(*selected)
    return 0 if passed == len(selected) else 1


if __name__ == "__main__":
    raise SystemExit(main())
