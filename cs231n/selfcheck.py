"""Public self-check of your RNN and LSTM code, from the terminal, in a few seconds.

    python -m cs231n.selfcheck                          # every check
    python -m cs231n.selfcheck --only lstm_step_backward

Every check prints one line: PASS, FAIL (what is wrong), NOT IMPLEMENTED (the function, or
one it needs, still raises NotImplementedError) or ERROR (the exception your code raised).
The exit status is 0 only if every check passes.

The checks are the notebooks' public ones: the classic expected values of the forward
passes and of the captioning loss, numerical gradient checks of every backward pass and of
the model, and a self-consistency check of greedy sampling. The grader runs its own checks
on other inputs, so passing here is necessary, not sufficient.
"""

import argparse
import importlib
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np

from cs231n.gradient_check import eval_numerical_gradient_array, rel_error

PACKAGE = Path(__file__).resolve().parent
STUDENT_MODULES = (PACKAGE / "rnn_layers.py", PACKAGE / "classifiers" / "rnn.py")
SEED = 231
GRADIENT_TOLERANCE = 1e-5
NULL, START, END = 0, 1, 2
TINY_VOCAB = {"<NULL>": NULL, "<START>": START, "<END>": END, "cat": 3, "dog": 4, "sat": 5}


class CheckFailed(Exception):
    """A check found a wrong result; the message says what is wrong."""


# ---------------------------------------------------------------------------------------
# Helpers shared by the checks
# ---------------------------------------------------------------------------------------


def layers() -> ModuleType:
    """Your cs231n.rnn_layers, imported inside each check so an import error is one ERROR."""
    return importlib.import_module("cs231n.rnn_layers")


def captioning_rnn(
    word_to_idx: dict, cell_type: str, input_dim: int, wordvec_dim: int, hidden_dim: int
):
    """A float64 CaptioningRNN from your cs231n.classifiers.rnn."""
    module = importlib.import_module("cs231n.classifiers.rnn")
    return module.CaptioningRNN(
        word_to_idx,
        input_dim=input_dim,
        wordvec_dim=wordvec_dim,
        hidden_dim=hidden_dim,
        cell_type=cell_type,
        dtype=np.float64,
    )


def linspace(lo: float, hi: float, *shape: int) -> np.ndarray:
    """np.linspace(lo, hi, num=size).reshape(shape): the inputs of the classic checks."""
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)


def gaussian(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Random float64 inputs; a scale of 0.4 keeps tanh and sigmoid away from saturation."""
    return scale * rng.standard_normal(shape)


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


@contextmanager
def unchanged(function: str, **inputs):
    """Fail if the code run inside the block changes any of the given input arrays."""
    arrays = {name: value for name, value in inputs.items() if isinstance(value, np.ndarray)}
    before = {name: value.copy() for name, value in arrays.items()}
    yield
    changed = [name for name, value in arrays.items() if not np.array_equal(value, before[name])]
    if changed:
        raise CheckFailed(
            f"{function} changed its input `{changed[0]}`: compute new arrays instead of "
            "updating inputs in place (e.g. `d = dnext_c + ...`, not `dnext_c += ...`)"
        )


def call_layer(function: str, returns: tuple[str, ...], **inputs) -> dict:
    """Call one of your layers with the inputs in order; return its named outputs.

    Fails if the layer changes one of its input arrays or returns the wrong number of values.
    """
    with unchanged(function, **inputs):
        result = getattr(layers(), function)(*inputs.values())
    return named(result, returns, function)


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


def tiny_model(cell_type: str, rng: np.random.Generator, scale: float):
    """A small float64 CaptioningRNN over TINY_VOCAB with random parameters."""
    model = captioning_rnn(TINY_VOCAB, cell_type, input_dim=4, wordvec_dim=5, hidden_dim=6)
    for name, value in model.params.items():
        model.params[name] = gaussian(rng, *value.shape, scale=scale)
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
        ("next_h", "cache"),
        x=linspace(-0.4, 0.7, N, D),
        prev_h=linspace(-0.2, 0.5, N, H),
        Wx=linspace(-0.1, 0.9, D, H),
        Wh=linspace(-0.3, 0.7, H, H),
        b=linspace(-0.2, 0.4, H),
    )
    expect_array("next_h", out["next_h"], (N, H))
    expected = np.array([-0.58172089, -0.50182032, -0.41232771, -0.31410098])
    expect_within(rel_error(out["next_h"][0], expected), 1e-7)


def check_rnn_step_backward() -> None:
    """Numerical gradients of one RNN step."""
    rng = np.random.default_rng(SEED)
    N, D, H = 4, 5, 6
    inputs = {
        "x": gaussian(rng, N, D),
        "prev_h": gaussian(rng, N, H),
        "Wx": gaussian(rng, D, H, scale=0.4),
        "Wh": gaussian(rng, H, H, scale=0.4),
        "b": gaussian(rng, H, scale=0.4),
    }
    dnext_h = gaussian(rng, N, H)
    forward = call_layer("rnn_step_forward", ("next_h", "cache"), **inputs)
    grads = call_layer(
        "rnn_step_backward",
        ("dx", "dprev_h", "dWx", "dWh", "db"),
        dnext_h=dnext_h,
        cache=forward["cache"],
    )
    check_gradients(lambda: layers().rnn_step_forward(*inputs.values())[0], dnext_h, inputs, grads)


def check_rnn_forward() -> None:
    """The classic first hidden state of an RNN over a sequence."""
    N, T, D, H = 2, 3, 4, 5
    out = call_layer(
        "rnn_forward",
        ("h", "cache"),
        x=linspace(-0.1, 0.3, N, T, D),
        h0=linspace(-0.3, 0.1, N, H),
        Wx=linspace(-0.2, 0.4, D, H),
        Wh=linspace(-0.4, 0.1, H, H),
        b=linspace(-0.7, 0.1, H),
    )
    expect_array("h", out["h"], (N, T, H))
    expected = np.array([-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251])
    expect_within(rel_error(out["h"][0, 0], expected), 1e-6)


def check_rnn_backward() -> None:
    """Numerical gradients of an RNN over a sequence."""
    rng = np.random.default_rng(SEED)
    N, T, D, H = 3, 4, 5, 6
    inputs = {
        "x": gaussian(rng, N, T, D),
        "h0": gaussian(rng, N, H),
        "Wx": gaussian(rng, D, H, scale=0.4),
        "Wh": gaussian(rng, H, H, scale=0.4),
        "b": gaussian(rng, H, scale=0.4),
    }
    dh = gaussian(rng, N, T, H)
    forward = call_layer("rnn_forward", ("h", "cache"), **inputs)
    grads = call_layer(
        "rnn_backward", ("dx", "dh0", "dWx", "dWh", "db"), dh=dh, cache=forward["cache"]
    )
    check_gradients(lambda: layers().rnn_forward(*inputs.values())[0], dh, inputs, grads)


def check_word_embedding_forward() -> None:
    """Each word index picks its row of W."""
    V, D = 5, 3
    words = np.array([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = linspace(0, 1, V, D)
    out = call_layer("word_embedding_forward", ("out", "cache"), x=words, W=W)
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
    forward = call_layer("word_embedding_forward", ("out", "cache"), x=words, W=W)
    grads = call_layer("word_embedding_backward", ("dW",), dout=dout, cache=forward["cache"])
    check_gradients(lambda: layers().word_embedding_forward(words, W)[0], dout, {"W": W}, grads)


def check_lstm_step_forward() -> None:
    """The classic next_h and next_c of one LSTM step."""
    N, D, H = 3, 4, 5
    out = call_layer(
        "lstm_step_forward",
        ("next_h", "next_c", "cache"),
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


def check_lstm_step_backward() -> None:
    """Numerical gradients of one LSTM step, through both next_h and next_c."""
    rng = np.random.default_rng(SEED)
    N, D, H = 4, 5, 6
    inputs = {
        "x": gaussian(rng, N, D),
        "prev_h": gaussian(rng, N, H),
        "prev_c": gaussian(rng, N, H),
        "Wx": gaussian(rng, D, 4 * H, scale=0.4),
        "Wh": gaussian(rng, H, 4 * H, scale=0.4),
        "b": gaussian(rng, 4 * H, scale=0.4),
    }
    dnext_h, dnext_c = gaussian(rng, N, H), gaussian(rng, N, H)
    forward = call_layer("lstm_step_forward", ("next_h", "next_c", "cache"), **inputs)
    grads = call_layer(
        "lstm_step_backward",
        ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
        dnext_h=dnext_h,
        dnext_c=dnext_c,
        cache=forward["cache"],
    )

    def both_states() -> np.ndarray:
        """next_h and next_c side by side, so one numerical gradient covers both."""
        next_h, next_c, _ = layers().lstm_step_forward(*inputs.values())
        return np.concatenate([next_h, next_c], axis=1)

    check_gradients(both_states, np.concatenate([dnext_h, dnext_c], axis=1), inputs, grads)


def check_lstm_forward() -> None:
    """The classic first hidden state of an LSTM over a sequence."""
    N, D, H, T = 2, 5, 4, 3
    out = call_layer(
        "lstm_forward",
        ("h", "cache"),
        x=linspace(-0.4, 0.6, N, T, D),
        h0=linspace(-0.4, 0.8, N, H),
        Wx=linspace(-0.2, 0.9, D, 4 * H),
        Wh=linspace(-0.3, 0.6, H, 4 * H),
        b=linspace(0.2, 0.7, 4 * H),
    )
    expect_array("h", out["h"], (N, T, H))
    expected = np.array([0.01764008, 0.01823233, 0.01882671, 0.0194232])
    expect_within(rel_error(out["h"][0, 0], expected), 1e-6)


def check_lstm_backward() -> None:
    """Numerical gradients of an LSTM over a sequence."""
    rng = np.random.default_rng(SEED)
    N, T, D, H = 3, 4, 5, 6
    inputs = {
        "x": gaussian(rng, N, T, D),
        "h0": gaussian(rng, N, H),
        "Wx": gaussian(rng, D, 4 * H, scale=0.4),
        "Wh": gaussian(rng, H, 4 * H, scale=0.4),
        "b": gaussian(rng, 4 * H, scale=0.4),
    }
    dh = gaussian(rng, N, T, H)
    forward = call_layer("lstm_forward", ("h", "cache"), **inputs)
    grads = call_layer(
        "lstm_backward", ("dx", "dh0", "dWx", "dWh", "db"), dh=dh, cache=forward["cache"]
    )
    check_gradients(lambda: layers().lstm_forward(*inputs.values())[0], dh, inputs, grads)


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
    """Numerical gradients of the loss for every parameter of a tiny model."""
    rng = np.random.default_rng(SEED)
    model = tiny_model(cell_type, rng, scale=0.4)
    N, T = 3, 4
    features = gaussian(rng, N, model.params["W_proj"].shape[0])
    captions = rng.integers(START, len(TINY_VOCAB), size=(N, T + 1))
    captions[0, -2:] = NULL  # padding, which the loss must ignore
    grads = model_loss(model, features, captions)["grads"]
    missing = sorted(set(model.params) - set(grads))
    if missing:
        raise CheckFailed(f"grads has no entry {', '.join(map(repr, missing))}")
    analytic = {f"grads['{name}']": grads[name] for name in model.params}
    check_gradients(
        lambda: model.loss(features, captions)[0], np.array(1.0), model.params, analytic
    )


def check_sample(cell_type: str) -> None:
    """Shape, dtype and greediness of the captions a tiny model samples."""
    rng = np.random.default_rng(SEED)
    model = tiny_model(cell_type, rng, scale=0.7)
    N, max_length = 5, 7
    features = gaussian(rng, N, model.params["W_proj"].shape[0])
    captions = model.sample(features, max_length=max_length)
    expect_array("captions", captions, (N, max_length))
    if captions.dtype.kind not in "iu":
        raise CheckFailed(f"`captions` has dtype {captions.dtype}; expected an integer array")
    wrong = greedy_mismatches(model, features, captions, cell_type)
    if wrong:
        raise CheckFailed(
            f"{wrong} of {N} captions are not greedy: start from <START>, take the argmax word "
            "at every step, feed it back as the next input, write the first word to column 0"
        )


# name (for --only) -> check; model checks are named after the method and the cell type
CHECKS: dict[str, Callable[[], None]] = {
    "rnn_step_forward": check_rnn_step_forward,
    "rnn_step_backward": check_rnn_step_backward,
    "rnn_forward": check_rnn_forward,
    "rnn_backward": check_rnn_backward,
    "word_embedding_forward": check_word_embedding_forward,
    "word_embedding_backward": check_word_embedding_backward,
    "lstm_step_forward": check_lstm_step_forward,
    "lstm_step_backward": check_lstm_step_backward,
    "lstm_forward": check_lstm_forward,
    "lstm_backward": check_lstm_backward,
    "loss_rnn": partial(check_loss, "rnn", (-1.5, 0.3), 9.83235591003),
    "loss_lstm": partial(check_loss, "lstm", (-0.5, 1.7), 9.82445935443),
    "loss_gradients_rnn": partial(check_loss_gradients, "rnn"),
    "loss_gradients_lstm": partial(check_loss_gradients, "lstm"),
    "sample_rnn": partial(check_sample, "rnn"),
    "sample_lstm": partial(check_sample, "lstm"),
}


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


def outcome(name: str) -> str:
    """Run one check.

    Inputs:
    - name: The check's name in CHECKS

    Returns:
    - "PASS", "FAIL (what is wrong)", "ERROR (the exception)" or "NOT IMPLEMENTED", followed
      by "(in FUNCTION)" when the function that raised NotImplementedError is not `name`
    """
    try:
        CHECKS[name]()
    except CheckFailed as failure:
        return f"FAIL ({failure})"
    except NotImplementedError as error:
        frame = innermost_student_frame(error)
        if frame is None or frame[0] == name:
            return "NOT IMPLEMENTED"
        return f"NOT IMPLEMENTED (in {frame[0]})"
    except Exception as error:  # your code may raise anything; the other checks still run
        message = (str(error).splitlines() or [""])[0][:200]
        frame = innermost_student_frame(error)
        where = f" at {frame[1]}:{frame[2]}" if frame else ""
        return f"ERROR ({type(error).__name__}: {message}{where})"
    return "PASS"


def main(argv: list[str] | None = None) -> int:
    """Run the checks and print one line each and a count.

    Inputs:
    - argv: Command-line arguments (sys.argv[1:] if None)

    Returns:
    - Exit status: 0 if every selected check passes, else 1
    """
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.selfcheck",
        description="Public checks of cs231n/rnn_layers.py and cs231n/classifiers/rnn.py.",
    )
    parser.add_argument(
        "--only", metavar="NAME", choices=CHECKS, help=f"run one check: {', '.join(CHECKS)}"
    )
    args = parser.parse_args(argv)
    selected = [args.only] if args.only else list(CHECKS)

    print(f"Checking {PACKAGE}")
    width = max(map(len, selected))
    passed = 0
    for name in selected:
        result = outcome(name)
        passed += result == "PASS"
        print(f"{name:<{width}}  {result}", flush=True)
    print(f"{passed} of {len(selected)} checks passed")
    return 0 if passed == len(selected) else 1


if __name__ == "__main__":
    raise SystemExit(main())
