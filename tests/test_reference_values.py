"""The reference solution reproduces the classic public values (SPEC.md section 2)."""

import numpy as np
import pytest

from cs231n.classifiers.rnn import CaptioningRNN
from cs231n.gradient_check import rel_error
from cs231n.rnn_layers import (
    lstm_forward,
    lstm_step_forward,
    rnn_forward,
    rnn_step_forward,
    word_embedding_forward,
)


def linspace_array(lo: float, hi: float, shape: tuple) -> np.ndarray:
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)


def test_rnn_step_forward_classic_value():
    N, D, H = 3, 10, 4
    next_h, _ = rnn_step_forward(
        linspace_array(-0.4, 0.7, (N, D)),
        linspace_array(-0.2, 0.5, (N, H)),
        linspace_array(-0.1, 0.9, (D, H)),
        linspace_array(-0.3, 0.7, (H, H)),
        linspace_array(-0.2, 0.4, (H,)),
    )
    expected = np.array([-0.58172089, -0.50182032, -0.41232771, -0.31410098])
    assert next_h.shape == (N, H)
    assert rel_error(next_h[0], expected) < 1e-7


def test_rnn_forward_classic_value():
    N, T, D, H = 2, 3, 4, 5
    h, _ = rnn_forward(
        linspace_array(-0.1, 0.3, (N, T, D)),
        linspace_array(-0.3, 0.1, (N, H)),
        linspace_array(-0.2, 0.4, (D, H)),
        linspace_array(-0.4, 0.1, (H, H)),
        linspace_array(-0.7, 0.1, (H,)),
    )
    expected = np.array([-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251])
    assert h.shape == (N, T, H)
    assert rel_error(h[0, 0], expected) < 1e-6


def test_word_embedding_forward_classic_value():
    V, D = 5, 3
    x = np.array([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = linspace_array(0, 1, (V, D))
    out, _ = word_embedding_forward(x, W)
    expected_rows = np.round(W, 8)  # the classic expected array is printed to 8 places
    assert out.shape == (2, 4, D)
    assert rel_error(out, expected_rows[x]) < 1e-7


def test_lstm_step_forward_classic_values():
    N, D, H = 3, 4, 5
    next_h, next_c, _ = lstm_step_forward(
        linspace_array(-0.4, 1.2, (N, D)),
        linspace_array(-0.3, 0.7, (N, H)),
        linspace_array(-0.4, 0.9, (N, H)),
        linspace_array(-2.1, 1.3, (D, 4 * H)),
        linspace_array(-0.7, 2.2, (H, 4 * H)),
        linspace_array(0.3, 0.7, (4 * H,)),
    )
    expected_h = np.array([0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904])
    expected_c = np.array([0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407])
    assert rel_error(next_h[0], expected_h) < 1e-7
    assert rel_error(next_c[0], expected_c) < 1e-7


def test_lstm_forward_classic_value():
    N, D, H, T = 2, 5, 4, 3
    h, _ = lstm_forward(
        linspace_array(-0.4, 0.6, (N, T, D)),
        linspace_array(-0.4, 0.8, (N, H)),
        linspace_array(-0.2, 0.9, (D, 4 * H)),
        linspace_array(-0.3, 0.6, (H, 4 * H)),
        linspace_array(0.2, 0.7, (4 * H,)),
    )
    expected = np.array([0.01764008, 0.01823233, 0.01882671, 0.0194232])
    assert rel_error(h[0, 0], expected) < 1e-6


@pytest.mark.parametrize(
    "cell_type, feature_range, expected_loss",
    [("rnn", (-1.5, 0.3), 9.83235591003), ("lstm", (-0.5, 1.7), 9.82445935443)],
)
def test_captioning_loss_classic_value(cell_type, feature_range, expected_loss):
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    V, T = len(word_to_idx), 13
    model = CaptioningRNN(
        word_to_idx,
        input_dim=D,
        wordvec_dim=W,
        hidden_dim=H,
        cell_type=cell_type,
        dtype=np.float64,
    )
    for name, value in model.params.items():
        model.params[name] = linspace_array(-1.4, 1.3, value.shape)
    features = linspace_array(*feature_range, (N, D))
    captions = (np.arange(N * T) % V).reshape(N, T)
    loss, grads = model.loss(features, captions)
    assert abs(loss - expected_loss) < 1e-8
    assert set(grads) == set(model.params)
