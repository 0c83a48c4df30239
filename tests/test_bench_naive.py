"""The baselines of `make bench` compute what the reference computes.

A speed comparison is only honest if the naive NumPy model (bench/naive_lstm.py)
and the PyTorch one (bench/torch_lstm.py, skipped without torch) do the same work
as the reference, so both are checked against it here on small float64 shapes. The
grading benchmarks are checked to start.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.naive_lstm import (
    naive_adam,
    naive_adam_config,
    naive_captioning_loss,
    naive_lstm_backward,
    naive_lstm_forward,
    naive_sigmoid,
    naive_training_step,
)
from bench.torch_lstm import TorchCaptioner, torch_lstm_pass
from cs231n.classifiers.rnn import CaptioningRNN
from cs231n.layers import sigmoid
from cs231n.optim import adam
from cs231n.rnn_layers import lstm_backward, lstm_forward

N, T, D, W, H = 4, 5, 7, 3, 6
WORDS = ["<NULL>", "<START>", "<END>", "a", "cat", "on", "red", "mat"]


def small_problem(seed: int) -> tuple[CaptioningRNN, np.ndarray, np.ndarray]:
    """A float64 LSTM model with nonzero biases, image features and padded captions."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    model = CaptioningRNN({w: i for i, w in enumerate(WORDS)}, D, W, H, "lstm", np.float64)
    for name in ("b_proj", "b", "b_vocab"):
        model.params[name] = 0.3 * rng.standard_normal(model.params[name].shape)
    features = rng.standard_normal((N, D))
    captions = rng.integers(3, len(WORDS), size=(N, T + 1))
    captions[:, 0] = 1
    captions[1, 3:] = 0  # <NULL> targets that must not count
    captions[2, 4], captions[2, 5:] = 2, 0
    return model, features, captions


def reference_step(model: CaptioningRNN, configs: dict, features, captions) -> float:
    """One training step of the reference: loss, gradients, Adam on every parameter."""
    loss, grads = model.loss(features, captions)
    for name, w in model.params.items():
        model.params[name], configs[name] = adam(w, grads[name], configs[name])
    return loss


def test_naive_sigmoid_matches_reference_without_overflow():
    for dtype in (np.float32, np.float64):
        x = np.array([-1e4, -90.0, -30.0, -1.0, 0.0, 0.5, 30.0, 90.0, 1e4], dtype=dtype)
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            out = naive_sigmoid(x)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, sigmoid(x), rtol=1e-6, atol=1e-12)


def test_naive_lstm_matches_reference():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, W))
    h0 = rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((W, 4 * H)), rng.standard_normal((H, 4 * H))
    b = rng.standard_normal(4 * H)
    dh = rng.standard_normal((N, T, H))
    inputs = [x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy()]

    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    naive_h, naive_cache = naive_lstm_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(naive_h, h, rtol=1e-12, atol=1e-14)
    grads = lstm_backward(dh, cache)
    naive_grads = naive_lstm_backward(dh, naive_cache)
    for naive_grad, grad in zip(naive_grads, grads, strict=True):
        assert naive_grad.shape == grad.shape
        np.testing.assert_allclose(naive_grad, grad, rtol=1e-10, atol=1e-12)
    for before, after in zip(inputs, [x, h0, Wx, Wh, b], strict=True):
        np.testing.assert_array_equal(after, before)


def test_naive_loss_and_training_steps_match_reference():
    model, features, captions = small_problem(seed=1)
    params = {name: w.copy() for name, w in model.params.items()}

    loss, grads = model.loss(features, captions)
    naive_loss, naive_grads = naive_captioning_loss(params, features, captions, null_idx=0)
    assert naive_loss == pytest.approx(loss, rel=1e-12)
    assert naive_grads.keys() == grads.keys()
    for name, grad in grads.items():
        np.testing.assert_allclose(naive_grads[name], grad, rtol=1e-9, atol=1e-12, err_msg=name)

    configs = {name: {} for name in params}
    naive_configs = {name: naive_adam_config() for name in params}
    for _ in range(3):
        loss = reference_step(model, configs, features, captions)
        naive_loss = naive_training_step(params, naive_configs, features, captions, null_idx=0)
        assert naive_loss == pytest.approx(loss, rel=1e-12)
    for name, w in model.params.items():
        np.testing.assert_allclose(params[name], w, rtol=1e-9, atol=1e-12, err_msg=name)


def test_naive_adam_matches_reference_and_keeps_float32():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    config, naive_config = {}, naive_adam_config()
    next_w, naive_next_w = w, w
    for _ in range(3):
        dw = rng.standard_normal((3, 4)).astype(np.float32)
        next_w, config = adam(next_w, dw, config)
        naive_next_w, naive_config = naive_adam(naive_next_w, dw, naive_config)
    assert naive_next_w.dtype == np.float32
    np.testing.assert_allclose(naive_next_w, next_w, rtol=1e-6)


def test_torch_baseline_matches_reference():
    torch = pytest.importorskip("torch")
    model, features, captions = small_problem(seed=3)
    P = model.params
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal((N, T, W)), rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    _, cache = lstm_forward(x, h0, P["Wx"], P["Wh"], P["b"])
    dWx = lstm_backward(dh, cache)[2]
    np.testing.assert_allclose(torch_lstm_pass(torch, x, h0, P["Wx"], P["Wh"], P["b"], dh)(), dWx)

    torch_model = TorchCaptioner(torch, P, null_idx=0)
    configs = {name: {} for name in P}
    for _ in range(3):
        loss = reference_step(model, configs, features, captions)
        assert torch_model.train_step(features, captions) == pytest.approx(loss, rel=1e-10)


BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", ["bench_grade.py", "bench_similarity.py"])
def test_the_grading_benchmarks_start(script):
    """`make bench-grade` and `make bench-similarity` import the kit and the corpus: a move in
    either must not leave them unable to start."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage" in done.stdout, done.stderr[-500:]
