"""The reference backward passes agree with numerical gradients and leave inputs alone."""

import numpy as np
import pytest

from cs231n import rnn_layers as layers
from cs231n.classifiers.rnn import CaptioningRNN
from cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)

GRAD_TOLERANCE = 1e-5


def check_layer(forward, backward, inputs: dict, n_outputs: int, seed: int):
    """Compare backward(dout, cache) with numerical gradients of every input.

    forward takes **inputs and returns n_outputs arrays then a cache; backward gets
    one upstream gradient per output. The inputs must come back unmodified.
    """
    rng = np.random.default_rng(seed)
    *outputs, cache = forward(**inputs)
    douts = [rng.standard_normal(out.shape) for out in outputs]
    originals = {name: value.copy() for name, value in inputs.items()}
    douts_before = [d.copy() for d in douts]
    analytic = backward(*douts, cache)
    for name, value in inputs.items():
        np.testing.assert_array_equal(
            value, originals[name], err_msg=f"forward/backward changed {name}"
        )
    for d, before in zip(douts, douts_before, strict=True):
        np.testing.assert_array_equal(d, before, err_msg="backward changed its upstream gradient")

    for name, grad in zip(inputs, analytic, strict=True):

        def f(_, name=name):
            return np.concatenate([o.ravel() for o in forward(**inputs)[:n_outputs]])

        numeric = eval_numerical_gradient_array(
            f, inputs[name], np.concatenate([d.ravel() for d in douts])
        )
        assert grad.shape == inputs[name].shape, name
        assert rel_error(grad, numeric) < GRAD_TOLERANCE, name


@pytest.mark.parametrize("N, D, H", [(4, 5, 6), (1, 3, 7)])
def test_rnn_step_backward(N, D, H):
    rng = np.random.default_rng(231 + N)
    inputs = dict(
        x=rng.standard_normal((N, D)),
        prev_h=rng.standard_normal((N, H)),
        Wx=0.4 * rng.standard_normal((D, H)),
        Wh=0.4 * rng.standard_normal((H, H)),
        b=0.4 * rng.standard_normal(H),
    )
    check_layer(layers.rnn_step_forward, layers.rnn_step_backward, inputs, 1, seed=N)


@pytest.mark.parametrize("N, T, D, H", [(2, 7, 3, 5), (3, 1, 4, 2)])
def test_rnn_backward(N, T, D, H):
    rng = np.random.default_rng(231 + T)
    inputs = dict(
        x=rng.standard_normal((N, T, D)),
        h0=rng.standard_normal((N, H)),
        Wx=0.4 * rng.standard_normal((D, H)),
        Wh=0.4 * rng.standard_normal((H, H)),
        b=0.4 * rng.standard_normal(H),
    )
    check_layer(layers.rnn_forward, layers.rnn_backward, inputs, 1, seed=T)


@pytest.mark.parametrize("N, D, H", [(3, 4, 5), (1, 6, 3)])
def test_lstm_step_backward(N, D, H):
    rng = np.random.default_rng(231 + D)
    inputs = dict(
        x=rng.standard_normal((N, D)),
        prev_h=rng.standard_normal((N, H)),
        prev_c=rng.standard_normal((N, H)),
        Wx=0.4 * rng.standard_normal((D, 4 * H)),
        Wh=0.4 * rng.standard_normal((H, 4 * H)),
        b=0.4 * rng.standard_normal(4 * H),
    )
    check_layer(layers.lstm_step_forward, layers.lstm_step_backward, inputs, 2, seed=D)


@pytest.mark.parametrize("N, T, D, H", [(2, 6, 3, 4), (1, 1, 5, 3)])
def test_lstm_backward(N, T, D, H):
    rng = np.random.default_rng(231 + T)
    inputs = dict(
        x=rng.standard_normal((N, T, D)),
        h0=rng.standard_normal((N, H)),
        Wx=0.4 * rng.standard_normal((D, 4 * H)),
        Wh=0.4 * rng.standard_normal((H, 4 * H)),
        b=0.4 * rng.standard_normal(4 * H),
    )
    check_layer(layers.lstm_forward, layers.lstm_backward, inputs, 1, seed=T)


def test_word_embedding_backward_accumulates_repeated_words():
    rng = np.random.default_rng(231)
    N, T, V, D = 3, 5, 4, 6
    x = rng.integers(V, size=(N, T))
    x[0, :] = 2  # one word many times
    W = rng.standard_normal((V, D))
    out, cache = layers.word_embedding_forward(x, W)
    dout = rng.standard_normal(out.shape)
    dW = layers.word_embedding_backward(dout, cache)

    def f(W_):
        return layers.word_embedding_forward(x, W_)[0]

    numeric = eval_numerical_gradient_array(f, W, dout)
    assert rel_error(dW, numeric) < GRAD_TOLERANCE
    expected_row_2 = dout[x == 2].sum(axis=0)
    np.testing.assert_allclose(dW[2], expected_row_2)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_captioning_model_gradients(cell_type):
    np.random.seed(231)
    N, D, W, H, T = 3, 5, 4, 6, 4
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3, "dog": 4, "sat": 5}
    V = len(word_to_idx)
    captions = np.random.randint(V, size=(N, T + 1))
    captions[0, 3:] = 0  # some masked positions
    features = np.random.randn(N, D)
    model = CaptioningRNN(
        word_to_idx,
        input_dim=D,
        wordvec_dim=W,
        hidden_dim=H,
        cell_type=cell_type,
        dtype=np.float64,
    )
    for name, value in model.params.items():  # O(1) weights: gradients well above round-off
        model.params[name] = 0.5 * np.random.randn(*value.shape)
    loss, grads = model.loss(features, captions)
    assert np.isfinite(loss)
    for name in sorted(model.params):

        def f(_):
            return model.loss(features, captions)[0]

        numeric = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        assert grads[name].shape == model.params[name].shape, name
        assert grads[name].dtype == model.params[name].dtype, name
        assert rel_error(grads[name], numeric) < GRAD_TOLERANCE, name


def test_loss_divides_by_batch_size_not_token_count():
    """Doubling the padding of a batch must not change its loss."""
    np.random.seed(0)
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3}
    model = CaptioningRNN(word_to_idx, input_dim=3, wordvec_dim=2, hidden_dim=4, dtype=np.float64)
    features = np.random.randn(2, 3)
    short = np.array([[1, 3, 2], [1, 3, 2]])
    padded = np.array([[1, 3, 2, 0, 0], [1, 3, 2, 0, 0]])
    assert abs(model.loss(features, short)[0] - model.loss(features, padded)[0]) < 1e-12


def test_invalid_cell_type_raises():
    with pytest.raises(ValueError, match="cell_type"):
        CaptioningRNN({"<NULL>": 0}, cell_type="gru")


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_sample_is_greedy_and_starts_from_start_token(cell_type):
    np.random.seed(1)
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
    model = CaptioningRNN(
        word_to_idx, input_dim=3, wordvec_dim=4, hidden_dim=5, cell_type=cell_type
    )
    features = np.random.randn(2, 3).astype(np.float32)
    captions = model.sample(features, max_length=6)
    assert captions.shape == (2, 6)
    assert np.issubdtype(captions.dtype, np.integer)

    # Replay greedy decoding by hand from the public pieces.
    p = model.params
    h = features @ p["W_proj"] + p["b_proj"]
    c = np.zeros_like(h)
    word = np.full(2, 1)
    for t in range(6):
        x = p["W_embed"][word]
        if cell_type == "rnn":
            h, _ = layers.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = layers.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        word = (h @ p["W_vocab"] + p["b_vocab"]).argmax(axis=1)
        np.testing.assert_array_equal(captions[:, t], word)
