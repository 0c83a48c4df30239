"""The hidden checks score right and wrong implementations as they deserve."""

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import items as declared
from autograder.checks import probes
from autograder.checks.hidden import HiddenChecks
from autograder.checks.item import KNOWN
from autograder.checks.items.loss import LAYERS as LOSS_LAYERS
from autograder.checks.verdicts import shown
from autograder.paths import REPO, SOURCE
from autograder.points import IN_PLACE_DEDUCTION, ITEMS, POINTS
from autograder.reference import reference_modules
from autograder.release.stubs import strip_markers
from autograder.sandbox import run
from autograder.sandbox.isolation import level
from autograder.sandbox.limits import Limits

LAYERS, MODEL = "cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"
SOLVED = {rel: strip_markers((SOURCE / rel).read_text()) for rel in (LAYERS, MODEL)}


def tiny_dataset(num_images: int = 50) -> dict:
    """Random features and distinct random captions: enough to test overfitting."""
    rng = np.random.default_rng(0)
    captions = np.zeros((2 * num_images, 17), dtype=np.int32)
    captions[:, 0] = 1
    for row in captions:
        length = rng.integers(3, 9)
        row[1 : length + 1] = rng.integers(4, 12, size=length)
        row[length + 1] = 2
    return {
        "train_captions": captions,
        "train_image_idxs": np.repeat(np.arange(num_images), 2).astype(np.int32),
        "train_features": rng.standard_normal((num_images, 512)).astype(np.float32),
        "idx_to_word": ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"w{i}" for i in range(8)],
    }


@pytest.fixture(scope="module")
def checks() -> HiddenChecks:
    return HiddenChecks(tiny_dataset())


def package(tmp_path: Path, layers_extra: str = "", model_extra: str = "", **files) -> Path:
    """A student package: the release's provided files, solved modules plus overrides."""
    root = tmp_path / "package"
    shutil.copytree(REPO / "cs231n", root / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    (root / LAYERS).write_text(files.get("layers", SOLVED[LAYERS] + layers_extra))
    (root / MODEL).write_text(files.get("model", SOLVED[MODEL] + model_extra))
    return root


def grade(checks, tmp_path, **kwargs) -> dict:
    return checks.grade(package(tmp_path, **kwargs), tmp_path / "work").verdicts


def scores(verdicts) -> dict:
    return {item: verdict.score for item, verdict in verdicts.items()}


def full_marks_except(*lost: str) -> dict:
    return {item: 0.0 if item in lost else POINTS[item] for item in ITEMS}


def test_reference_gets_full_marks(checks, tmp_path):
    graded = checks.grade(package(tmp_path), tmp_path / "work")
    assert scores(graded.verdicts) == full_marks_except()
    assert all(v.message == "all hidden checks pass" for v in graded.verdicts.values())
    assert graded.import_stopped is None


def test_modules_whose_import_kills_the_sandbox_cost_everything_and_say_so(checks, tmp_path):
    exits = "\nimport os\nos._exit(0)\n"
    graded = checks.grade(package(tmp_path, model_extra=exits), tmp_path / "work")
    assert graded.import_stopped == "your code exited while its modules were being imported"
    assert scores(graded.verdicts) == full_marks_except(*ITEMS)
    assert {v.message for v in graded.verdicts.values()} == {graded.import_stopped}
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["own"]  # no retries


def test_stubs_get_nothing_and_each_item_names_its_function(checks, tmp_path):
    stubs = {"layers": (REPO / LAYERS).read_text(), "model": (REPO / MODEL).read_text()}
    verdicts = grade(checks, tmp_path, **stubs)
    assert scores(verdicts) == full_marks_except(*ITEMS)
    for name, verdict in verdicts.items():
        function = declared.ITEMS[name].function
        shown = f"CaptioningRNN.{function}" if function in ("loss", "sample") else function
        assert verdict.message == f"not implemented yet ({shown} raises NotImplementedError)"


def without_raises(relative: str) -> str:
    """A release module whose stubs no longer raise: each returns what its template sets
    (None; the loss 0.0 with no gradients; captions all <NULL>)."""
    return (REPO / relative).read_text().replace("raise NotImplementedError()", "pass")


def test_the_starter_code_without_its_raises_earns_nothing(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers=without_raises(LAYERS), model=without_raises(MODEL))
    assert scores(verdicts) == full_marks_except(*ITEMS)
    assert "grads has no entry" in verdicts["loss_rnn"].message
    assert "0% of the hidden captions match greedy decoding" in verdicts["sample_rnn"].message
    for cell in ("rnn", "lstm"):  # never retried with the reference loss: theirs shows no work
        assert "CaptioningRNN.loss" not in verdicts[f"overfit_{cell}"].message


LOSS_WITHOUT_GRADIENTS = """
_solved_loss = CaptioningRNN.loss


def _loss_value_only(self, features, captions):
    loss, _ = _solved_loss(self, features, captions)
    return loss, {}


CaptioningRNN.loss = _loss_value_only
"""


def test_a_loss_whose_value_is_right_shows_work_for_the_reference_loss_retry(checks, tmp_path):
    verdicts = grade(checks, tmp_path, model_extra=LOSS_WITHOUT_GRADIENTS)
    # The missing gradients are one mistake of the shared loss code, charged at loss_rnn.
    assert scores(verdicts) == full_marks_except("loss_rnn")
    assert "grads has no entry" in verdicts["loss_rnn"].message
    assert verdicts["loss_lstm"].message.startswith("the same mistake as loss_rnn")
    for cell in ("rnn", "lstm"):
        assert "with the reference" in verdicts[f"overfit_{cell}"].message
        assert "CaptioningRNN.loss in place of yours" in verdicts[f"overfit_{cell}"].message


def test_only_the_overfit_items_retry_with_their_own_function_swapped_in():
    own = {
        name: [plan for plan in item.retries if shown(item.function) in plan]
        for name, item in declared.ITEMS.items()
    }
    assert {name: plans for name, plans in own.items() if plans} == {
        f"overfit_{cell}": [(*LOSS_LAYERS[cell], "CaptioningRNN.loss")] for cell in ("rnn", "lstm")
    }


def test_wrong_gate_on_tanh_c_is_named(checks, tmp_path):
    bug = """
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2*H]), sigmoid(a[:, 2*H:3*H])
    g = np.tanh(a[:, 3*H:])
    next_c = f * prev_c + i * g
    return f * np.tanh(next_c), next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, np.tanh(next_c))
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["lstm_step_forward"].score == 0
    assert KNOWN.MISTAKES["next_h times f"] in verdicts["lstm_step_forward"].message
    # lstm_forward loops correctly: it keeps its points with the reference step.
    assert verdicts["lstm_forward"].score == POINTS["lstm_forward"]
    assert "reference lstm_step_forward" in verdicts["lstm_forward"].message


GATES_IFGO = """
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    return o * np.tanh(next_c), next_c, (x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c = cache
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dc * i * (1 - g**2),
                    dnext_h * tanh_c * o * (1 - o)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""


def test_a_consistent_gate_order_is_charged_once_at_the_forward(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers_extra=GATES_IFGO)
    assert scores(verdicts) == full_marks_except("lstm_step_forward")
    assert KNOWN.MISTAKES["gate order ifgo"] in verdicts["lstm_step_forward"].message
    for backward, forward in (("lstm_step_backward", "lstm_step_forward"),
                              ("lstm_backward", "lstm_forward")):  # fmt: skip
        assert f"derivative of your own {forward}" in verdicts[backward].message
        assert "(charged at lstm_step_forward)" in verdicts[backward].message


SIGMOID_STEP = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = sigmoid(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * next_h * (1 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
"""


def test_a_classic_mistake_of_a_step_credits_both_backwards_as_its_derivative(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers_extra=SIGMOID_STEP)
    assert scores(verdicts) == full_marks_except("rnn_step_forward")
    assert KNOWN.MISTAKES["sigmoid for tanh"] in verdicts["rnn_step_forward"].message
    for backward, forward in (("rnn_step_backward", "rnn_step_forward"),
                              ("rnn_backward", "rnn_forward")):  # fmt: skip
        message = verdicts[backward].message
        assert f"derivative of your own {forward}" in message
        assert "(charged at rnn_step_forward)" in message


TRIVIAL_STEPS = {
    "zeros": """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return np.zeros_like(prev_h), (x, prev_h, Wx, Wh, b)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b = cache
    zeros = np.zeros_like
    return zeros(x), zeros(prev_h), zeros(Wx), zeros(Wh), zeros(b)
""",
    "linear": """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return x @ Wx + prev_h @ Wh + b, (x, prev_h, Wx, Wh, b)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b = cache
    return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(0)
""",
    "no_bias": """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh)
    return next_h, (x, prev_h, Wx, Wh, b, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, b, next_h = cache
    da = dnext_h * (1 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, np.zeros_like(b)
""",
    "sine": """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    return np.sin(a), (x, prev_h, Wx, Wh, a)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, a = cache
    da = dnext_h * np.cos(a)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""",
}
# Why each earns nothing: "linear" and "no_bias" are classic mistakes, but the derivative of
# the one is matrix products alone and the other's has no `db`; zeros and a sine are no
# mistake the grader names.
UNKNOWN_FORWARD = (
    "your rnn_step_forward differs from the assignment's, but not by a known classic mistake: "
    "rnn_step_backward is judged against the assignment's rnn_step_forward only"
)
TRIVIAL_REASONS = {
    "zeros": UNKNOWN_FORWARD,
    "linear": "your forward is linear in",
    "no_bias": "your forward does not depend on all of `b`",
    "sine": UNKNOWN_FORWARD,
}


@pytest.mark.parametrize("kind", TRIVIAL_STEPS)
def test_a_trivial_forward_earns_nothing_for_its_matching_backward(checks, tmp_path, kind):
    verdicts = grade(checks, tmp_path, layers_extra=TRIVIAL_STEPS[kind])
    assert verdicts["rnn_step_forward"].score == 0
    assert verdicts["rnn_step_backward"].score == 0
    assert TRIVIAL_REASONS[kind] in verdicts["rnn_step_backward"].message
    assert "derivative of your own" not in verdicts["rnn_step_backward"].message
    assert verdicts["rnn_forward"].score == POINTS["rnn_forward"]


def test_right_values_with_an_input_changed_in_place_cost_a_deduction(checks, tmp_path):
    bug = """
_solved_step_backward = lstm_step_backward


def lstm_step_backward(dnext_h, dnext_c, cache):
    result = _solved_step_backward(dnext_h, dnext_c, cache)
    dnext_c += 1.0  # the classic bug: writes into the caller's array
    return result
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    kept = (1 - IN_PLACE_DEDUCTION["lstm_step_backward"]) * POINTS["lstm_step_backward"]
    assert verdicts["lstm_step_backward"].score == pytest.approx(kept)
    message = verdicts["lstm_step_backward"].message
    assert "the values are right" in message
    assert KNOWN.in_place("lstm_step_backward", ["dnext_c"]) in message
    assert "`dc = dnext_c + ...` instead of `dnext_c += ...`" in message
    # Inside the student's own lstm_backward the update harms nothing: no second charge.
    assert verdicts["lstm_backward"].score == POINTS["lstm_backward"]


def test_a_squeezed_step_input_is_charged_to_the_forward_only(checks, tmp_path):
    bug = """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :].squeeze(), prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(step_cache)
    return h, cache
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert scores(verdicts) == full_marks_except("rnn_forward")
    message = verdicts["rnn_forward"].message
    assert message.startswith("rnn_forward hands rnn_step_forward `x` of shape (D,); every step")
    assert "(fails when N = 1)" in message and "squeeze" in message
    assert "check `rnn_forward`, in its case with N = 1" in message
    # np.zeros without a dtype: float64 for float32 inputs is a note, not a charge
    assert "came back float64 for float32 inputs (no points lost)" in message


def test_a_backward_that_reads_its_own_cache_is_retried_with_reference_steps(checks, tmp_path):
    own_cache = """
_solved_lstm_step_forward = lstm_step_forward


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    next_h, next_c, cache = _solved_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    return next_h, next_c, {"x": x, "reference": cache}


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache["reference"]
    dc = dnext_c  # the gradient that flows through next_h is missing
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f),
                    dnext_h * tanh_c * o * (1 - o), dc * i * (1 - g * g)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]  # reads the format of its own step cache
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dprev_h, dprev_c = np.zeros((N, H), dh.dtype), np.zeros((N, H), dh.dtype)
    dWx = dWh = db = 0
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""
    verdicts = grade(checks, tmp_path, layers_extra=own_cache)
    assert scores(verdicts) == full_marks_except("lstm_step_backward")
    assert KNOWN.MISTAKES["next_c path missing"] in verdicts["lstm_step_backward"].message
    assert "reference lstm_step_forward, lstm_step_backward" in verdicts["lstm_backward"].message


def test_dropped_carried_gradient_loses_lstm_backward_only(checks, tmp_path):
    bug = """
def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dWx, dWh, db = 0, 0, 0
    dprev_c = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, a, b_, c = lstm_step_backward(dh[:, t], dprev_c, cache[t])
        dWx, dWh, db = dWx + a, dWh + b_, db + c
    return dx, dprev_h, dWx, dWh, db
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["lstm_backward"].score == 0
    assert KNOWN.MISTAKES["hidden carry dropped"] in (verdicts["lstm_backward"].message)
    assert "(fails when T = 1)" not in verdicts["lstm_backward"].message
    # The model's own LSTM path is broken, but the loss is scored with reference layers.
    assert verdicts["loss_lstm"].score == POINTS["loss_lstm"]
    assert scores(verdicts)["lstm_step_backward"] == POINTS["lstm_step_backward"]


def test_embedding_backward_must_accumulate_repeated_words(checks, tmp_path):
    bug = """
def word_embedding_backward(dout, cache):
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    dW[x] += dout
    return dW
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["word_embedding_backward"].score == 0
    message = verdicts["word_embedding_backward"].message
    assert KNOWN.MISTAKES["repeated words overwritten"] in message


def test_a_mistake_of_the_shared_loss_is_charged_once(checks, tmp_path):
    bug = """
_provided_softmax_loss = temporal_softmax_loss


def temporal_softmax_loss(x, y, mask, verbose=False):
    return _provided_softmax_loss(x, y, np.ones_like(mask))
"""
    verdicts = grade(checks, tmp_path, model_extra=bug)
    assert scores(verdicts) == full_marks_except("loss_rnn")
    assert KNOWN.MISTAKES["null targets count"] in verdicts["loss_rnn"].message
    assert verdicts["loss_lstm"].message.startswith("the same mistake as loss_rnn, charged there")


def test_start_in_column_0_is_named_and_charged_once(checks, tmp_path):
    bug = """
_solved_sample = CaptioningRNN.sample


def _sample_with_start(self, features, max_length=30):
    captions = _solved_sample(self, features, max_length)
    captions[:, 1:] = captions[:, :-1].copy()
    captions[:, 0] = self._start
    return captions


CaptioningRNN.sample = _sample_with_start
"""
    verdicts = grade(checks, tmp_path, model_extra=bug)
    assert scores(verdicts) == full_marks_except("sample_rnn")
    assert KNOWN.MISTAKES["START in column 0"] in verdicts["sample_rnn"].message
    assert "same mistake as sample_rnn" in verdicts["sample_lstm"].message


def test_an_exception_names_the_line_and_the_cases_it_concerns(checks, tmp_path):
    bug = """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    steps = [rnn_step_forward(x[:, 0], h0, Wx, Wh, b)]
    for t in range(1, T):
        steps.append(rnn_step_forward(x[:, t], steps[-1][0], Wx, Wh, b))
    h = np.stack([next_h for next_h, _ in steps], axis=1)
    return h, [cache for _, cache in steps] if T > 1 else steps[1]
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    message = verdicts["rnn_forward"].message
    assert verdicts["rnn_forward"].score == 0
    assert message.startswith("raised IndexError: list index out of range (line ")
    assert "of cs231n/rnn_layers.py, in rnn_forward: `return h, [cache for _, cache" in message
    assert message.endswith(
        "(fails when T = 1); `make check` shows it: check `rnn_forward`, in its case with "
        "T = 1 (`python -m cs231n.selfcheck --only rnn_forward`)"
    )
    assert verdicts["rnn_backward"].score == POINTS["rnn_backward"]


def test_a_function_that_returns_none_is_told_so(checks, tmp_path):
    bug = """
def word_embedding_forward(x, W):
    out, cache = None, None
    return out, cache
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["word_embedding_forward"].message.startswith(
        "`out` is None (not computed yet?); expected an array of shape (N, T, D)"
    )


def test_wrong_shape_is_reported_with_its_symbolic_shape(checks, tmp_path):
    bug = """
_solved_step = rnn_step_forward


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h, cache = _solved_step(x, prev_h, Wx, Wh, b)
    return next_h.T, cache
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    message = verdicts["rnn_step_forward"].message
    assert verdicts["rnn_step_forward"].score == 0
    # The same words in every case (no hidden size, no "fails when N = ..."), and how to see it.
    assert message == (
        "`next_h` has shape (H, N); expected (N, H); `make check` shows it: check "
        "`rnn_step_forward` (`python -m cs231n.selfcheck --only rnn_step_forward`)"
    )


def test_sample_not_greedy_gets_partial_or_no_credit(checks, tmp_path):
    bug = """
_solved_sample = CaptioningRNN.sample


def _sample_shifted(self, features, max_length=30):
    captions = _solved_sample(self, features, max_length)
    return np.roll(captions, 1, axis=1)


CaptioningRNN.sample = _sample_shifted
"""
    verdicts = grade(checks, tmp_path, model_extra=bug)
    assert verdicts["sample_rnn"].score < POINTS["sample_rnn"]
    assert "match greedy decoding" in verdicts["sample_rnn"].message


def test_a_crash_costs_only_its_own_item(checks, tmp_path):
    bug = """
import os


def word_embedding_forward(x, W):
    os._exit(3)
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert scores(verdicts) == full_marks_except("word_embedding_forward")
    assert "exit code 3" in verdicts["word_embedding_forward"].message
    # The backward could not get a cache from the crashing forward: judged with the reference's.
    assert "reference word_embedding_forward" in verdicts["word_embedding_backward"].message


def test_an_endless_loop_times_out_alone(checks, tmp_path, monkeypatch):
    for name, item in declared.ITEMS.items():  # each item that calls the loop waits this long
        seconds = 4.0 if name.startswith("overfit") else 1.0
        monkeypatch.setitem(declared.ITEMS, name, dataclasses.replace(item, seconds=seconds))
    bug = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    while True:
        pass
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["rnn_step_forward"].score == 0
    assert "timed out" in verdicts["rnn_step_forward"].message
    assert verdicts["lstm_step_forward"].score == POINTS["lstm_step_forward"]


STOPPING_STEP = {
    "hangs": "\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    while True:\n        pass\n",
    "crashes": "\nimport os\n\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    os._exit(3)\n",
}
# Items that never call rnn_step_forward.
AROUND_THE_STEP = ["word_embedding_forward", "lstm_step_forward", "word_embedding_backward"]


@pytest.mark.parametrize(
    "how, step_at, message, jobs",
    [
        # It had its seconds alone in the sandbox: charged at once, never waited for again.
        ("hangs", 1, "your code timed out after 2 s during this check", ["batch", "resume1"]),
        # A crash after other items is confirmed: the step runs again, first in resume1
        # (where it crashes again, so the items after it go on in resume2).
        ("crashes", 1, "exit code 3", ["batch", "resume1", "resume2"]),
        # A crash as the sandbox's first item needs no confirming: nothing ran before it.
        ("crashes", 0, "exit code 3", ["batch", "resume1"]),
    ],
)
def test_an_item_that_stops_the_sandbox_costs_only_itself(
    checks, tmp_path, how, step_at, message, jobs
):
    names = list(AROUND_THE_STEP)
    names.insert(step_at, "rnn_step_forward")
    tasks = [dataclasses.replace(checks._task(name), seconds=2.0) for name in names]
    package_dir = package(tmp_path, layers_extra=STOPPING_STEP[how])
    results, imported = run.run_items(package_dir, tmp_path / "job", tasks)
    assert imported
    assert isinstance(results["rnn_step_forward"], str) and message in results["rnn_step_forward"]
    for name in AROUND_THE_STEP:  # before it in the batch, and after it, together, resumed
        assert isinstance(results[name], list) and results[name][0].error is None, name
    assert sorted(p.name for p in (tmp_path / "job").iterdir()) == jobs


def test_syntax_error_in_the_model_keeps_layer_points(checks, tmp_path):
    verdicts = grade(checks, tmp_path, model="def broken(:\n")
    assert verdicts["loss_rnn"].score == 0
    assert "cs231n/classifiers/rnn.py could not be imported: SyntaxError" in (
        verdicts["loss_rnn"].message
    )
    assert verdicts["rnn_backward"].score == POINTS["rnn_backward"]
    # No reference function brings the model back: its items are not retried.
    assert not list((tmp_path / "work").glob("retry_*"))


def test_monkeypatched_numpy_does_not_fool_the_grader(checks, tmp_path):
    cheat = (
        "\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
    )
    stub = (REPO / LAYERS).read_text() + cheat
    verdicts = grade(checks, tmp_path, layers=stub, model=(REPO / MODEL).read_text())
    assert sum(scores(verdicts).values()) == 0


def test_messages_leak_no_hidden_values_or_paths(checks, tmp_path):
    bug = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    raise ValueError(f"x was {x[0, 0]!r} and {x.tolist()}")
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    message = verdicts["rnn_step_forward"].message
    assert message.startswith("raised ValueError")
    assert not re.search(r"\d\.\d", message), message
    for verdict in verdicts.values():
        assert str(REPO) not in verdict.message and "Traceback" not in verdict.message
        assert str(tmp_path) not in verdict.message


def test_student_code_has_no_network(checks, tmp_path):
    probe = """
import socket


def word_embedding_forward(x, W):
    connection = socket.socket()
    connection.settimeout(2)
    if connection.connect_ex(("127.0.0.1", 9)) == 101:  # ENETUNREACH: no network at all
        raise OSError("no network")
    raise OSError("network reachable")
"""
    verdicts = grade(checks, tmp_path, layers_extra=probe)
    assert "no network" in verdicts["word_embedding_forward"].message


def test_a_retry_puts_no_reference_code_into_the_students_process(checks, tmp_path):
    probe = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return prev_h, None  # wrong: rnn_forward is retried with the reference step


def rnn_forward(x, h0, Wx, Wh, b):
    import gc
    import sys
    import types

    if np.array_equal(rnn_step_forward(x[:, 0], h0, Wx, Wh, b)[0], h0):  # my own step
        raise ValueError("first run")
    names = {"rnn_step_forward", "rnn_forward", "rnn_step_backward", "lstm_step_forward"}
    mine = {__file__, sys.modules["cs231n.classifiers.rnn"].__file__}
    foreign = sorted({
        f.__code__.co_filename for f in gc.get_objects()
        if isinstance(f, types.FunctionType) and f.__name__ in names
        and f.__code__.co_filename not in mine
        and not f.__code__.co_filename.endswith("/runner.py")  # the stub
    })
    raise ValueError(f"retry foreign {foreign} prerequisites {'prerequisites' in sys.modules}")
"""
    verdicts = grade(checks, tmp_path, layers_extra=probe)
    message = verdicts["rnn_forward"].message
    assert "first run" in message
    assert "tried again with the reference rnn_step_forward" in message
    assert "retry foreign [] prerequisites False" in message


STEP_RETURNS_PREV_H = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return prev_h, None  # wrong: every RNN item that calls it is retried with the reference's
"""


def test_one_round_of_retries_shares_a_sandbox_and_charges_once(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers_extra=STEP_RETURNS_PREV_H)
    assert scores(verdicts) == full_marks_except("rnn_step_forward")
    assert "charged at rnn_step_forward" in verdicts["rnn_forward"].message
    assert sorted(path.name for path in (tmp_path / "work").iterdir()) == ["own", "retry_round0"]


def run_swap_then_own_step(checks, tmp_path) -> tuple[dict, bool]:
    """rnn_forward with the reference step swapped in, then the student's own step."""
    tasks = [checks._task("rnn_forward", ("rnn_step_forward",)), checks._task("rnn_step_forward")]
    return run.run_items(
        package(tmp_path, layers_extra=STEP_RETURNS_PREV_H),
        tmp_path / "job",
        tasks,
        reference_modules(),
    )


def assert_swap_then_own_step(checks, results: dict) -> None:
    forward, step = results["rnn_forward"][0], results["rnn_step_forward"][0]
    assert np.allclose(forward.arrays["h"], checks.expected["rnn_forward"][0]["h"])
    inputs = checks.cases["rnn_step_forward"][0].inputs
    assert np.array_equal(step.arrays["next_h"], inputs["prev_h"])  # the student's own step


def test_a_function_swapped_in_for_one_item_stays_out_of_the_next(checks, tmp_path):
    results, imported = run_swap_then_own_step(checks, tmp_path)
    assert imported
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["batch"]  # nothing ran again
    assert_swap_then_own_step(checks, results)


@pytest.mark.skipif(level() != "jail", reason="RLIMIT_NPROC binds the jail's sandbox user only")
def test_a_retry_needs_no_process_but_the_runner(checks, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "Limits", lambda: Limits(processes=1))  # the runner, no child
    results, _ = run_swap_then_own_step(checks, tmp_path)
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["batch"]
    assert_swap_then_own_step(checks, results)


def test_is_with_a_literal_works_as_in_the_notebook_and_is_noted_once(checks, tmp_path):
    """The sandbox hands student code a notebook's objects (the cell type is an interned
    string), so `self.cell_type is "rnn"` holds as it does there: no points lost, a note at
    the first item of each function that holds it."""
    model = SOLVED[MODEL].replace('self.cell_type == "rnn"', 'self.cell_type is "rnn"')
    forward, backward, sample = [
        n for n, line in enumerate(model.splitlines(), 1) if 'is "rnn"' in line
    ]
    verdicts = grade(checks, tmp_path, model=model)
    assert scores(verdicts) == full_marks_except()
    note = (
        f"`self.cell_type is 'rnn'` (lines {forward} and {backward} of cs231n/classifiers/rnn.py)"
    )
    assert f"{note} compares with `is` against a literal" in verdicts["loss_rnn"].message
    assert f"(line {sample} of cs231n/classifiers/rnn.py) compares with `is`" in (
        verdicts["sample_rnn"].message
    )
    assert (
        "compares with `is`" not in verdicts["loss_lstm"].message + verdicts["overfit_rnn"].message
    )


EXP_SIGMOID = """
def sigmoid(x):
    return {formula}
"""


@pytest.mark.parametrize(
    "formula, overflows",
    [("np.exp(x) / (1 + np.exp(x))", True), ("1 / (1 + np.exp(-x))", False)],
)
def test_an_own_sigmoid_is_charged_only_where_it_overflows(checks, tmp_path, formula, overflows):
    """A sigmoid of the student's own in place of the provided one: inf / inf is NaN for
    large inputs, 1 / (1 + inf) is 0 and right."""
    verdicts = grade(checks, tmp_path, layers_extra=EXP_SIGMOID.format(formula=formula))
    lost = ("lstm_step_forward",) if overflows else ()
    assert scores(verdicts) == full_marks_except(*lost)
    if overflows:
        message = verdicts["lstm_step_forward"].message
        assert (
            "a formula with np.exp overflows" in message and "(fails for large inputs)" in message
        )
        assert "in its case with large inputs" in message
        assert "overflows (charged there)" in verdicts["lstm_step_backward"].message


SAMPLE_SQUEEZED = """
_solved_sample = CaptioningRNN.sample


def _sample_squeezed(self, features, max_length=30):
    return _solved_sample(self, features, max_length).squeeze()


CaptioningRNN.sample = _sample_squeezed
"""


def test_the_same_symptom_of_shared_code_in_the_same_case_is_charged_once(checks, tmp_path):
    verdicts = grade(checks, tmp_path, model_extra=SAMPLE_SQUEEZED)
    assert scores(verdicts) == {**full_marks_except(), "sample_rnn": verdicts["sample_rnn"].score}
    assert 2.5 < verdicts["sample_rnn"].score < POINTS["sample_rnn"]
    message = verdicts["sample_rnn"].message
    assert "`captions` has shape (max_length,); expected (N, max_length) (fails when N = 1)" in (
        message
    )
    assert verdicts["sample_lstm"].message.startswith("the same mistake as sample_rnn, charged")


GRADS_WITHOUT_W_EMBED = """
_solved_loss = CaptioningRNN.loss


def _loss_without_w_embed(self, features, captions):
    loss, grads = _solved_loss(self, features, captions)
    del grads["W_embed"]
    return loss, grads


CaptioningRNN.loss = _loss_without_w_embed
"""


def test_a_symptom_of_shared_code_is_charged_once_where_the_code_works(checks, tmp_path):
    """The loss is right and a gradient is missing in every case: the loss shows work, so
    the same symptom is one mistake. The template's `0.0, {}` shows none and costs both
    items (test_the_starter_code_without_its_raises_earns_nothing)."""
    verdicts = grade(checks, tmp_path, model_extra=GRADS_WITHOUT_W_EMBED)
    assert scores(verdicts) == full_marks_except("loss_rnn")
    assert "grads has no entry 'W_embed'" in verdicts["loss_rnn"].message
    assert verdicts["loss_lstm"].message.startswith("the same mistake as loss_rnn, charged there")


def test_a_coincidence_earns_no_sampling_credit(checks, tmp_path):
    """Feeding <START> at every step writes some hidden captions right by coincidence, but
    every caption it writes right is one a trivial sampler writes: no credit."""
    fed = "x = W_embed[np.full(N, self._start)]"
    bug = SOLVED[MODEL].replace("x = W_embed[words]", fed)
    assert fed in bug
    verdicts = grade(checks, tmp_path, model=bug)
    assert verdicts["sample_rnn"].score == 0.0
    assert KNOWN.MISTAKES["START fed every step"] in verdicts["sample_rnn"].message
    assert verdicts["sample_lstm"].message.startswith("the same mistake as sample_rnn")


def test_a_retry_that_runs_none_of_the_students_code_is_the_overfit_loss_one_only():
    """The rule behind the overfit items' last retry holds for every item: a retry that
    swaps out every student function an item runs can earn it nothing unless the
    student's own function shows work (hidden.HiddenChecks._next_plan gates it)."""
    none_of_theirs = {
        (name, plan)
        for name, item in declared.ITEMS.items()
        for plan in item.retries
        if item.runs_none_of_the_students(plan)
    }
    assert none_of_theirs == {
        (f"overfit_{cell}", (*LOSS_LAYERS[cell], "CaptioningRNN.loss")) for cell in ("rnn", "lstm")
    }


OWN_CACHE_SQUEEZED = """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, cache, prev_h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype), [], h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t, :].squeeze(), prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        cache.append({"step": step_cache, "D": x.shape[2]})
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0]["step"][0].shape[1]), dtype=dh.dtype)
    dWx = dWh = db = 0
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(
            dh[:, t] + dprev_h, cache[t]["step"])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
"""


def test_a_backward_is_judged_on_its_own_forward_with_the_handoff_repaired(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers_extra=OWN_CACHE_SQUEEZED)
    assert scores(verdicts) == full_marks_except("rnn_forward")
    assert verdicts["rnn_backward"].message == (
        "right with your own rnn_forward with its handoff repaired (a 1-D array it handed its "
        "step given back its batch axis) (the mistake is charged at rnn_forward)"
    )
    # A forward whose handoff is right needs no repair: its backward's retries swap in
    # reference functions only.
    wrong_h0 = OWN_CACHE_SQUEEZED.replace("x[:, t, :].squeeze(), prev_h", "x[:, t, :], 0 * prev_h")
    verdicts = grade(checks, tmp_path / "h0", layers_extra=wrong_h0)
    assert "handoff" not in verdicts["rnn_backward"].message


NOTEBOOK_MODEL = """
import sys as _sys

_solved_loss = CaptioningRNN.loss


def _loss_as_in_a_notebook(self, features, captions):
    # What a notebook gives: an interned literal, Python ints, a numpy scalar type.
    assert self.cell_type is _sys.intern(self.cell_type), "a new string"
    assert self.dtype in (np.float32, np.float64) and isinstance(self.dtype, type), self.dtype
    assert type(self.params["W_proj"].shape[0]) is int
    return _solved_loss(self, features, captions)


CaptioningRNN.loss = _loss_as_in_a_notebook
"""
OWN_ARRAYS = """
_solved_forward = rnn_forward


def rnn_forward(x, h0, Wx, Wh, b):
    assert x.flags.owndata and x.flags.writeable, "a view into a message"
    return _solved_forward(x, h0, Wx, Wh, b)
"""


def test_student_code_gets_the_objects_a_notebook_gives_it(checks, tmp_path):
    verdicts = grade(checks, tmp_path, layers_extra=OWN_ARRAYS, model_extra=NOTEBOOK_MODEL)
    assert scores(verdicts) == full_marks_except()


def test_the_sandbox_knows_the_step_states_the_grader_does():
    assert probes.STEP_STATES == {step: len(states) for step, states in KNOWN.STEP_STATES.items()}


def test_an_exception_at_one_line_reads_as_one_problem_whatever_its_message(checks, tmp_path):
    """A message may carry a case's inputs (spelt in letters, no masking catches that):
    the feedback quotes the exception of one case, and says where else it happens."""
    bug = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    if x.shape[0] == 1:
        return np.tanh(x @ Wx + prev_h @ Wh + b), (x, prev_h, Wx, Wh)
    raise ValueError("a batch of width " + "x" * x.shape[1])
"""
    message = grade(checks, tmp_path, layers_extra=bug)["rnn_step_forward"].message
    assert message.count("raised ValueError") == 1 and "a batch of width x" in message
