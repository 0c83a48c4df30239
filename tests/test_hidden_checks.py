"""The hidden checks score right and wrong implementations as they deserve."""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import items
from autograder.checks.hidden import HiddenChecks
from autograder.paths import REPO, SOURCE
from autograder.points import ITEMS, POINTS
from autograder.stubs import strip_markers

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
    return checks.grade(package(tmp_path, **kwargs), tmp_path / "work")


def scores(verdicts) -> dict:
    return {item: verdict.score for item, verdict in verdicts.items()}


def full_marks_except(*lost: str) -> dict:
    return {item: 0.0 if item in lost else POINTS[item] for item in ITEMS}


def test_reference_gets_full_marks(checks, tmp_path):
    verdicts = grade(checks, tmp_path)
    assert scores(verdicts) == full_marks_except()
    assert all(v.message == "all hidden checks pass" for v in verdicts.values())


def test_stubs_get_nothing(checks, tmp_path):
    stubs = {"layers": (REPO / LAYERS).read_text(), "model": (REPO / MODEL).read_text()}
    verdicts = grade(checks, tmp_path, **stubs)
    assert scores(verdicts) == full_marks_except(*ITEMS)
    assert {v.message for v in verdicts.values()} == {
        "not implemented yet (raises NotImplementedError)"
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
    assert "`next_c` match" in verdicts["lstm_step_forward"].message
    assert "which gate multiplies tanh(next_c)" in verdicts["lstm_step_forward"].message
    # lstm_forward loops correctly: it keeps its points with the reference step.
    assert verdicts["lstm_forward"].score == POINTS["lstm_forward"]
    assert "reference lstm_step_forward" in verdicts["lstm_forward"].message


def test_in_place_update_of_an_input_is_reported(checks, tmp_path):
    bug = """
_solved_step_backward = lstm_step_backward


def lstm_step_backward(dnext_h, dnext_c, cache):
    result = _solved_step_backward(dnext_h, dnext_c, cache)
    dnext_c += 1.0  # the classic bug: writes into the caller's array
    return result
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["lstm_step_backward"].score == 0
    assert "changed its input `dnext_c`" in verdicts["lstm_step_backward"].message


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
    assert "carry both the hidden-state and the cell-state gradient" in (
        verdicts["lstm_backward"].message
    )
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
    assert "np.add.at" in verdicts["word_embedding_backward"].message


def test_unmasked_loss_is_caught(checks, tmp_path):
    bug = """
_provided_softmax_loss = temporal_softmax_loss


def temporal_softmax_loss(x, y, mask, verbose=False):
    return _provided_softmax_loss(x, y, np.ones_like(mask))
"""
    verdicts = grade(checks, tmp_path, model_extra=bug)
    assert verdicts["loss_rnn"].score == verdicts["loss_lstm"].score == 0
    assert "mask the <NULL> targets" in verdicts["loss_rnn"].message


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
    assert re.search(r"`next_h` has shape \(\d+, \d+\); expected \(N, H\)", message)


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
    assert verdicts["word_embedding_forward"].score == 0
    assert "exit code 3" in verdicts["word_embedding_forward"].message
    others = {k: v for k, v in scores(verdicts).items() if not k.startswith("word_embedding")}
    assert others == {k: v for k, v in full_marks_except().items() if k in others}


def test_an_endless_loop_times_out_alone(checks, tmp_path, monkeypatch):
    for item in items.SECONDS:  # every item that calls the endless function waits this long
        monkeypatch.setitem(items.SECONDS, item, 8.0 if item.startswith("overfit") else 2.0)
    bug = """
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    while True:
        pass
"""
    verdicts = grade(checks, tmp_path, layers_extra=bug)
    assert verdicts["rnn_step_forward"].score == 0
    assert "timed out" in verdicts["rnn_step_forward"].message
    assert verdicts["lstm_step_forward"].score == POINTS["lstm_step_forward"]


def test_syntax_error_in_the_model_keeps_layer_points(checks, tmp_path):
    verdicts = grade(checks, tmp_path, model="def broken(:\n")
    assert verdicts["loss_rnn"].score == 0
    assert "cs231n/classifiers/rnn.py could not be imported: SyntaxError" in (
        verdicts["loss_rnn"].message
    )
    assert verdicts["rnn_backward"].score == POINTS["rnn_backward"]


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
