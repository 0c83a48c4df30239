"""Public self-check of your RNN and LSTM code, from the terminal, in a few seconds.

    make check                                           # every check
    python -m cs231n.selfcheck --only lstm_step_backward  # one check

Every check prints one line: PASS, FAIL (what is wrong), NOT IMPLEMENTED (the function, or
one it needs, still raises NotImplementedError) or ERROR (the exception your code raised).
A NOTE line after a check never counts against it: float64 results for float32 inputs
(which work but make float32 training slower), or code that works only by accident (a
comparison with `is` against a literal). The exit status is 0 only if every check passes.

The checks are the notebooks' public ones: the classic expected values of the forward
passes and of the captioning loss, numerical gradient checks of every backward pass and of
the model, and a check that sampling is greedy for the scores of your loss (so it waits
for the loss check to pass). The step functions also get a single caption (N = 1) and
large inputs (where a formula with np.exp overflows), the sequence functions and the
model a single caption (N = 1) and a single timestep (T = 1); what each sequence forward
hands its step function is checked (2-D arrays, one row per caption), and no function may
change its inputs (a backward's upstream gradient and cache included). Where your outputs
are those of a classic mistake the grader names, the check names it in the grader's words
(cs231n/known_mistakes.py). The grader runs its own checks on other inputs, so passing
here is necessary, not sufficient.
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

from cs231n import greedy
from cs231n import known_mistakes as known
from cs231n import public_cases as cases
from cs231n.code_habits import Habit, identity_comparisons
from cs231n.fingerprints import matches
from cs231n.gradient_check import eval_numerical_gradient_array, rel_error

PACKAGE = Path(__file__).resolve().parent
STUDENT_FILES = ("cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py")
STUDENT_MODULES = tuple(PACKAGE.parent / relative for relative in STUDENT_FILES)
GRADIENT_TOLERANCE = 1e-5
SEQUENCE_TOLERANCE = 1e-6
# The edge cases of the sequence functions and the model: label -> (N, T).
EDGE_CASES = dict(zip(known.EDGE_CASES, [(1, 4), (3, 1)], strict=True))
# What each layer takes and returns, in order.
ARGUMENTS = {
    "rnn_step_forward": ("x", "prev_h", "Wx", "Wh", "b"),
    "rnn_step_backward": ("dnext_h", "cache"),
    "rnn_forward": ("x", "h0", "Wx", "Wh", "b"),
    "rnn_backward": ("dh", "cache"),
    "word_embedding_forward": ("x", "W"),
    "word_embedding_backward": ("dout", "cache"),
    "lstm_step_forward": ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
    "lstm_step_backward": ("dnext_h", "dnext_c", "cache"),
    "lstm_forward": ("x", "h0", "Wx", "Wh", "b"),
    "lstm_backward": ("dh", "cache"),
}
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
# The graded item whose share of points an input changed in place costs, by function.
GRADED_AS = {"CaptioningRNN.loss": "loss_rnn", "CaptioningRNN.sample": "sample_rnn"}


class CheckFailed(Exception):
    """A check found a wrong result; the message says what is wrong."""


class ValuesDiffer(CheckFailed):
    """The values are wrong, and no classic mistake explains them (the check adds a hint)."""


# ---------------------------------------------------------------------------------------
# Helpers shared by the checks
# ---------------------------------------------------------------------------------------


def layers() -> ModuleType:
    """Your cs231n.rnn_layers, imported inside each check so an import error is one ERROR."""
    return importlib.import_module("cs231n.rnn_layers")


def model_of(case: dict[str, np.ndarray], cell_type: str, dtype: type = np.float64):
    """Your CaptioningRNN with the parameters of a public case (param_<name>) in dtype."""
    module = importlib.import_module("cs231n.classifiers.rnn")
    params = {name[len("param_") :]: v for name, v in case.items() if name.startswith("param_")}
    model = module.CaptioningRNN(
        {str(word): index for index, word in enumerate(case["vocab"])},
        input_dim=params["W_proj"].shape[0],
        wordvec_dim=params["W_embed"].shape[1],
        hidden_dim=params["W_proj"].shape[1],
        cell_type=cell_type,
        dtype=dtype,
    )
    for name, value in params.items():
        model.params[name] = value.astype(dtype)
    return model


def expect_array(name: str, value, shape: tuple) -> None:
    """Fail unless value is a numpy array of the given shape."""
    if not isinstance(value, np.ndarray):
        if value is None:
            raise CheckFailed(known.none_returned(name, str(shape)))
        raise CheckFailed(known.not_an_array(name, type(value).__name__, str(shape)))
    if value.shape != shape:
        raise CheckFailed(known.wrong_shape(name, str(value.shape), str(shape)))


def expect_within(error: float, tolerance: float, where: str = "") -> None:
    """Fail unless error <= tolerance (a NaN error fails too)."""
    if not error <= tolerance:
        suffix = f" in {where}" if where else ""
        raise ValuesDiffer(f"error {error:.1e} > tolerance {tolerance:.0e}{suffix}")


def expect_finite(outputs: dict) -> None:
    """Fail with the overflow words unless every array of outputs is finite."""
    infinite = [
        name
        for name, value in outputs.items()
        if isinstance(value, np.ndarray)
        and value.dtype.kind == "f"
        and not np.isfinite(value).all()
    ]
    if infinite:
        raise CheckFailed(known.overflow(infinite))


def known_mistake(check: str, outputs: dict) -> str | None:
    """The words of the classic mistake whose outputs on this check's inputs these are.

    Inputs:
    - check: The check, whose main case's inputs gave the outputs
    - outputs: What your code returned, named as the grader names it ("loss",
      "grad_W_embed", "next_h", ...)

    Returns:
    - The mistake's words (prefixed by the function it comes from, when that is one the
      checked function calls), or None
    """
    for names, prints, function in known.numbers()["fingerprints"].get(check, []):
        if all(matches(outputs.get(output), print_) for output, print_ in prints.items()):
            words = " or ".join(known.MISTAKES[name] for name in names)
            return words if function == function_of(check) else f"in {function}: {words}"
    return None


def no_known_mistake(check: str, outputs: dict) -> None:
    """Fail, naming it, if the outputs are those of a classic mistake (known_mistake)."""
    words = known_mistake(check, outputs)
    if words:
        raise CheckFailed(words)


def first_row(value: np.ndarray) -> np.ndarray:
    """The first caption's first row of outputs (of a step, or of a sequence's first step)."""
    return value[(0,) * (value.ndim - 1)]


def recognised_forward(forward: str) -> bool:
    """Whether your forward gives, on its classic inputs, the assignment's values or those of
    a classic mistake: a backward is checked against its own forward only then, as the
    grader judges it (any problem running it is the forward's own check's to report)."""
    try:
        out = outputs_of(call_layer(forward, cases.CASES[forward]()))
        right = all(
            rel_error(first_row(out[name]), np.array(row)) <= SEQUENCE_TOLERANCE
            for name, row in CLASSIC[forward].items()
        )
        return right or known_mistake(forward, out) is not None
    except Exception:  # your code may raise anything: its own check says what
        return True


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
            share = known.in_place_share(GRADED_AS.get(function, function))
            raise CheckFailed(known.in_place(function, [name], share))


def call_layer(function: str, inputs: dict, **more) -> dict:
    """Call one of your layers with its arguments taken from inputs (and more); return its
    named outputs.

    Fails if the layer changes one of its input arrays or returns the wrong number of values.
    """
    arguments = {name: ({**inputs, **more})[name] for name in ARGUMENTS[function]}
    with unchanged(function, **arguments):
        result = getattr(layers(), function)(*arguments.values())
    return named(result, OUTPUTS[function], function)


def outputs_of(named_outputs: dict) -> dict:
    """The outputs of a layer but its cache."""
    return {name: value for name, value in named_outputs.items() if name != "cache"}


@contextmanager
def case(label: str):
    """Name the case (e.g. "N = 1"; "" for the ordinary one) in a failure or an error."""
    if not label:
        yield
        return
    try:
        yield
    except CheckFailed as failure:
        raise type(failure)(f"with {label}: {failure}") from failure
    except NotImplementedError:
        raise
    except Exception as error:  # your code may raise anything; outcome() reports it
        error.add_note(CASE_NOTE + label)
        raise


@dataclass
class BadStepCall:
    """A call of a step function with arrays that are not 2-D with one row per caption."""

    caller: str  # the function that made the call, e.g. "rnn_forward"
    message: str  # what it did, in the grader's words


def bad_step_call(step: str, caller: str, args: tuple, kwargs: dict) -> BadStepCall | None:
    """What is wrong with the arrays a step function was handed, or None if nothing is."""
    given = dict(zip(known.STEP_STATES[step], args, strict=False)) | {
        name: kwargs[name] for name in known.STEP_STATES[step] if name in kwargs
    }
    shapes = {name: np.shape(value) for name, value in given.items()}
    rows = {shape[0] for shape in shapes.values() if len(shape) == 2}
    if all(len(shape) == 2 for shape in shapes.values()) and len(rows) == 1:
        return None
    handed = [
        (name, str(shape), known.STEP_STATES[step][name])
        for name, shape in shapes.items()
        if len(shape) != 2 or len(rows) > 1
    ]
    return BadStepCall(caller, known.bad_handoff(caller, step, handed))


@contextmanager
def watching_steps() -> Iterator[list[BadStepCall]]:
    """Record, while the block runs, every call of your step functions with badly shaped
    arrays (your sequence functions and the model call them through cs231n.rnn_layers)."""
    module = layers()
    originals = {step: getattr(module, step) for step in known.STEP_STATES}
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


def pick(inputs: dict, names) -> dict:
    return {name: inputs[name] for name in names}


def loss_value(model, features: np.ndarray, captions: np.ndarray):
    """Your model's loss alone (what the numerical gradient differentiates)."""
    return model.loss(features, captions)[0]


def model_loss(model, features: np.ndarray, captions: np.ndarray) -> dict:
    """Your model's loss and gradients, as {"loss": ..., "grads": ...}."""
    return named(model.loss(features, captions), ("loss", "grads"), "CaptioningRNN.loss")


# ---------------------------------------------------------------------------------------
# The checks: each returns None if it passes and raises CheckFailed if it does not
# ---------------------------------------------------------------------------------------

# The first row of the classic outputs of each forward check.
CLASSIC = {
    "rnn_step_forward": {"next_h": [-0.58172089, -0.50182032, -0.41232771, -0.31410098]},
    "lstm_step_forward": {
        "next_c": [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
        "next_h": [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
    },
    "rnn_forward": {"h": [-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251]},
    "lstm_forward": {"h": [0.01764008, 0.01823233, 0.01882671, 0.0194232]},
}


def check_step_forward(cell: str) -> None:
    """The classic outputs of one RNN or LSTM step, then one caption and large inputs."""
    function = f"{cell}_step_forward"
    inputs = cases.CASES[function]()
    out = outputs_of(call_layer(function, inputs))
    N, H = inputs["prev_h"].shape
    for name in out:
        expect_array(name, out[name], (N, H))
    no_known_mistake(function, out)
    for name, expected in CLASSIC[function].items():
        expect_within(rel_error(out[name][0], np.array(expected)), 1e-7, f"`{name}`")
    with case("N = 1"):
        first = inputs | {name: inputs[name][:1] for name in known.STEP_STATES[function]}
        alone = outputs_of(call_layer(function, first))
        for name in out:
            expect_array(name, alone[name], (1, H))
            expect_within(rel_error(alone[name], out[name][:1]), SEQUENCE_TOLERANCE, f"`{name}`")
    with case(known.LARGE_INPUTS), np.errstate(all="ignore"):  # overflow is what it looks for
        expect_finite(outputs_of(call_layer(function, cases.large_step_inputs(cell))))


def backward_on_its_forward(forward: str, backward: str, inputs: dict, label: str):
    """The student's backward on the cache of their forward, and the forward's arguments.

    On the main case (no label) a backward whose outputs are a classic mistake's says so.

    Returns a tuple of:
    - grads: The backward's outputs, by name
    - arguments: The forward's arguments, by name
    """
    out = call_layer(forward, inputs)
    grads = outputs_of(call_layer(backward, inputs, cache=out["cache"]))
    if not label:
        no_known_mistake(backward, grads)
    return grads, pick(inputs, ARGUMENTS[forward])


def check_step_backward(cell: str) -> None:
    """Numerical gradients of one RNN or LSTM step (an LSTM's through next_h and next_c),
    also with one caption; with large inputs, finite gradients."""
    forward, backward = f"{cell}_step_forward", f"{cell}_step_backward"
    for label, N in {"": 4, "N = 1": 1}.items():
        inputs = cases.step_backward(cell, N=N, seed=cases.SEED + len(label))
        with case(label):
            grads, arguments = backward_on_its_forward(forward, backward, inputs, label)
            upstream = [inputs[name] for name in ARGUMENTS[backward] if name != "cache"]

            def all_states(arguments=arguments) -> np.ndarray:
                """The step's outputs side by side: one numerical gradient covers them all."""
                return np.concatenate(getattr(layers(), forward)(*arguments.values())[:-1], axis=1)

            check_gradients(all_states, np.concatenate(upstream, axis=1), arguments, grads)
            if not label and not recognised_forward(forward):
                raise CheckFailed(known.unknown_forward(forward, backward))
    with case(known.LARGE_INPUTS), np.errstate(all="ignore"):  # overflow is what it looks for
        large = cases.large_step_inputs(cell)
        out = call_layer(forward, large)
        if all(np.isfinite(v).all() for v in outputs_of(out).values()):  # else: the forward's
            expect_finite(outputs_of(call_layer(backward, large, cache=out["cache"])))


def check_sequence_forward(cell: str) -> None:
    """The classic first hidden state of an RNN or LSTM over a sequence, then the edge cases."""
    function = f"{cell}_forward"
    inputs = cases.CASES[function]()
    N, T, _ = inputs["x"].shape
    H = inputs["h0"].shape[1]
    h = call_layer(function, inputs)["h"]
    expect_array("h", h, (N, T, H))
    no_known_mistake(function, {"h": h})
    expect_within(rel_error(h[0, 0], np.array(CLASSIC[function]["h"])), SEQUENCE_TOLERANCE)
    check_forward_edge_cases(cell)


def check_forward_edge_cases(cell: str) -> None:
    """With N = 1 and with T = 1, a sequence forward gives the first caption / timestep of
    what it gives on a larger batch of the same inputs."""
    forward, (N, T, D, H) = f"{cell}_forward", (3, 4, 5, 6)
    inputs = cases.sequence_inputs(np.random.default_rng(cases.SEED), cell, N, T, D, H)
    h = call_layer(forward, inputs)["h"]
    expect_array("h", h, (N, T, H))
    for label, (n, t) in EDGE_CASES.items():
        with case(label):
            part = inputs | {"x": inputs["x"][:n, :t], "h0": inputs["h0"][:n]}
            h_part = call_layer(forward, part)["h"]
            expect_array("h", h_part, (n, t, H))
            where = f"`h` against the same inputs in a batch of {N} captions of {T} timesteps"
            expect_within(rel_error(h_part, h[:n, :t]), SEQUENCE_TOLERANCE, where)


def check_sequence_backward(cell: str) -> None:
    """Numerical gradients of an RNN or LSTM over a sequence, also with N = 1 and T = 1."""
    forward, backward = f"{cell}_forward", f"{cell}_backward"
    for label, (N, T) in {"": (3, 4), **EDGE_CASES}.items():
        inputs = cases.sequence_backward(cell, N, T, seed=cases.SEED + len(label))
        with case(label):
            grads, arguments = backward_on_its_forward(forward, backward, inputs, label)
            check_gradients(
                lambda arguments=arguments: getattr(layers(), forward)(*arguments.values())[0],
                inputs["dh"],
                arguments,
                grads,
            )
            if not label and not recognised_forward(forward):
                raise CheckFailed(known.unknown_forward(forward, backward))


def check_word_embedding_forward() -> None:
    """Each word index picks its row of W."""
    inputs = cases.embedding_forward()
    words, W = inputs["x"], inputs["W"]
    out = call_layer("word_embedding_forward", inputs)["out"]
    expect_array("out", out, (*words.shape, W.shape[1]))
    expect_within(rel_error(out, W.round(8)[words]), 1e-7)


def check_word_embedding_backward() -> None:
    """Numerical gradient of the embedding, with a repeated word."""
    inputs = cases.embedding_backward()
    words, W = inputs["x"], inputs["W"]
    forward = call_layer("word_embedding_forward", inputs)
    grads = outputs_of(call_layer("word_embedding_backward", inputs, cache=forward["cache"]))
    no_known_mistake("word_embedding_backward", grads)
    check_gradients(
        lambda: layers().word_embedding_forward(words, W)[0], inputs["dout"], {"W": W}, grads
    )


EXPECTED_LOSS = {"rnn": 9.83235591003, "lstm": 9.82445935443}


def check_loss(cell_type: str) -> None:
    """The classic captioning loss of a model whose parameters are all linspace."""
    inputs = cases.classic_loss(cell_type)
    model = model_of(inputs, cell_type)
    features, captions = inputs["features"], inputs["captions"]
    with unchanged("CaptioningRNN.loss", features=features, captions=captions):
        loss = model_loss(model, features, captions)["loss"]
    no_known_mistake(f"loss_{cell_type}", {"loss": np.asarray(loss, dtype=np.float64)})
    expect_within(abs(float(loss) - EXPECTED_LOSS[cell_type]), 1e-8)


def check_loss_gradients(cell_type: str) -> None:
    """Numerical gradients of the loss for every parameter of a tiny model, for captions
    of 4 words (one of them padded), then with N = 1 and with T = 1."""
    for label, (N, T) in {"": (3, 4), **EDGE_CASES}.items():
        inputs = cases.loss_gradients(cell_type, N, T, seed=cases.SEED + len(label))
        model = model_of(inputs, cell_type)
        features, captions = inputs["features"], inputs["captions"]
        with case(label):
            with unchanged("CaptioningRNN.loss", features=features, captions=captions):
                result = model_loss(model, features, captions)
            grads = result["grads"]
            if not label and isinstance(grads, dict):
                found = {f"grad_{name}": value for name, value in grads.items()}
                found["loss"] = np.asarray(result["loss"], dtype=np.float64)
                no_known_mistake(f"loss_gradients_{cell_type}", found)
            missing = sorted(set(model.params) - set(grads))
            if missing:
                raise CheckFailed(f"grads has no entry {', '.join(map(repr, missing))}")
            analytic = {f"grads['{name}']": grads[name] for name in model.params}
            check_gradients(
                partial(loss_value, model, features, captions),
                np.array(1.0),
                model.params,
                analytic,
            )


SAMPLE_CASES = {"": (5, 7), "N = 1": (1, 7), "max_length = 1": (5, 1)}


def check_sample(cell_type: str) -> None:
    """Shape, dtype and greediness of the captions a tiny model samples, also for one
    image (N = 1) and for captions of one word (max_length = 1); captions that follow a
    classic sampling mistake are named."""
    for label, (N, max_length) in SAMPLE_CASES.items():
        inputs = cases.sampling(cell_type, N, max_length, seed=cases.SAMPLE_SEED + len(label))
        model, features = model_of(inputs, cell_type), inputs["features"]
        with case(label):
            with unchanged("CaptioningRNN.sample", features=features):
                captions = model.sample(features, max_length=max_length)
            expect_array("captions", captions, (N, max_length))
            if captions.dtype.kind not in "iu":
                raise CheckFailed(known.wrong_kind("captions", str(captions.dtype), integer=True))
            try:
                wrong = greediness(model, features, captions)
            except greedy.Unjudged as reason:
                raise CheckFailed(str(reason)) from reason
            if wrong:
                raise CheckFailed(wrong)


def greediness(model, features: np.ndarray, captions: np.ndarray) -> str | None:
    """What keeps a model's captions from being its greedy decodings, judged with the
    scores of your loss once the loss passes its check (cs231n/greedy.py).

    Inputs:
    - model: Your CaptioningRNN
    - features: The image features it sampled from, of shape (N, D)
    - captions: Its integer captions, of shape (N, T)

    Returns:
    - None if they are greedy; else the classic mistake they follow or how many are not
      greedy, in the words of cs231n/known_mistakes.py

    Raises greedy.Unjudged, saying why in those words, when your loss fails its check or
    cannot score the captions.
    """
    loss_check = f"loss_{model.cell_type}"
    loss_status = outcome(loss_check)
    if loss_status != "PASS":
        raise greedy.Unjudged(
            known.greediness_unjudged(f"make check's {loss_check} is {loss_status}")
        )
    try:
        wrong = greedy.mismatches(model, features, captions)
        mistake = greedy.named_mistake(model, features, captions) if wrong else None
    except greedy.Unjudged as reason:
        raise greedy.Unjudged(known.greediness_unjudged(str(reason))) from reason
    if not wrong:
        return None
    return known.MISTAKES[mistake] if mistake else known.not_greedy(wrong, len(captions))


# name (for --only) -> check; model checks are named after the method and the cell type
CHECKS: dict[str, Callable[[], None]] = {
    "rnn_step_forward": partial(check_step_forward, "rnn"),
    "rnn_step_backward": partial(check_step_backward, "rnn"),
    "rnn_forward": partial(check_sequence_forward, "rnn"),
    "rnn_backward": partial(check_sequence_backward, "rnn"),
    "word_embedding_forward": check_word_embedding_forward,
    "word_embedding_backward": check_word_embedding_backward,
    "lstm_step_forward": partial(check_step_forward, "lstm"),
    "lstm_step_backward": partial(check_step_backward, "lstm"),
    "lstm_forward": partial(check_sequence_forward, "lstm"),
    "lstm_backward": partial(check_sequence_backward, "lstm"),
    "loss_rnn": partial(check_loss, "rnn"),
    "loss_lstm": partial(check_loss, "lstm"),
    "loss_gradients_rnn": partial(check_loss_gradients, "rnn"),
    "loss_gradients_lstm": partial(check_loss_gradients, "lstm"),
    "sample_rnn": partial(check_sample, "rnn"),
    "sample_lstm": partial(check_sample, "lstm"),
}


def function_of(check: str) -> str:
    """The function of yours a check is about ("loss" and "sample" for the model's)."""
    return next((method for method in ("loss", "sample") if check.startswith(method)), check)


# ---------------------------------------------------------------------------------------
# Notes: float64 results for float32 inputs, habits that work by accident
# ---------------------------------------------------------------------------------------


def float32_layer_results(function: str) -> dict:
    """What a layer returns for float32 inputs (a backward: after its float32 forward).

    Inputs:
    - function: A key of OUTPUTS

    Returns:
    - {output name: value} of every output but the cache
    """
    rng = np.random.default_rng(cases.SEED)
    forward = function.replace("backward", "forward")
    cell = "lstm" if forward.startswith("lstm") else "rnn"
    if forward == "word_embedding_forward":
        W = cases.gaussian(rng, 4, 3, dtype=np.float32)
        inputs = {"x": np.array([[0, 3, 1], [2, 1, 0]]), "W": W}
    elif "step" in forward:
        inputs = cases.step_inputs(rng, cell, N=2, D=3, H=4, dtype=np.float32)
    else:
        inputs = cases.sequence_inputs(rng, cell, N=2, T=3, D=3, H=4, dtype=np.float32)
    out = call_layer(forward, inputs)
    if function != forward:
        upstream = {
            f"d{name}": cases.gaussian(rng, *np.shape(value), dtype=np.float32)
            for name, value in outputs_of(out).items()
        }
        out = call_layer(function, upstream, cache=out["cache"])
    return outputs_of(out)


def float32_model_gradients(cell_type: str) -> dict:
    """The gradients of a tiny float32 model's loss, as {"grads['W_embed']": ..., ...}."""
    inputs = cases.loss_gradients(cell_type)
    model = model_of(inputs, cell_type, dtype=np.float32)
    features = inputs["features"].astype(np.float32)
    grads = model_loss(model, features, inputs["captions"])["grads"]
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
        output
        for output, value in results.items()
        if isinstance(value, np.ndarray) and value.dtype == np.float64
    ]
    return f"NOTE ({known.float64_results(wide)})" if wide else None


def habits() -> list[Habit]:
    """Every comparison with `is` against a literal in your two files."""
    return [
        habit
        for relative, path in zip(STUDENT_FILES, STUDENT_MODULES, strict=True)
        if path.is_file()
        for habit in identity_comparisons(path.read_text(errors="replace"), relative)
    ]


def habit_notes(selected: list[str]) -> dict[str, list[str]]:
    """NOTE lines on code that works only by accident, under the first selected check of
    the function that holds it (one line per comparison, its lines together)."""
    lines: dict[tuple[str, str, str], list[int]] = {}
    for habit in habits():
        lines.setdefault((habit.function, habit.code, habit.file), []).append(habit.line)
    notes: dict[str, list[str]] = {}
    for (function, code, file), numbers in lines.items():
        check = next((c for c in selected if function_of(c) == function), None)
        if check is not None:
            where = " and ".join(map(str, numbers))
            place = f"line{'s' * (len(numbers) > 1)} {where} of {file}"
            notes.setdefault(check, []).append(f"NOTE ({known.identity_with_literal(code, place)})")
    return notes


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
    return f"; this comes from {bad_calls[0].message}" if bad_calls else ""


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
    except ValuesDiffer as failure:
        return f"FAIL ({failure}: {known.HINTS[function_of(name)]}{cause(bad_calls)})"
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
    habit_lines = habit_notes(selected)
    passed = notes = 0
    for name in selected:
        result = outcome(name)
        passed += result == "PASS"
        print(f"{name:<{width}}  {result}", flush=True)
        note = None if result.startswith("NOT IMPLEMENTED") else float64_note(name)
        for line in [note] * (note is not None) + habit_lines.get(name, []):
            notes += 1
            print(f"{name:<{width}}  {line}", flush=True)
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
