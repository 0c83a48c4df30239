"""Provided layers: affine, sigmoid, temporal affine and the temporal softmax loss.

These are complete; the captioning model in `cs231n/classifiers/rnn.py` builds on them.
"""

import numpy as np


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Fully connected layer, forward pass.

    Inputs:
    - x: Input data, of shape (N, D)
    - w: Weights, of shape (D, M)
    - b: Biases, of shape (M,)

    Returns a tuple of:
    - out: Output, of shape (N, M)
    - cache: (x, w) for the backward pass
    """
    out = x @ w
    out += b
    return out, (x, w)


def affine_backward(dout: np.ndarray, cache: tuple):
    """Fully connected layer, backward pass.

    Inputs:
    - dout: Upstream gradient, of shape (N, M)
    - cache: (x, w) from affine_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic sigmoid, elementwise.

    Uses sigmoid(x) = (1 + tanh(x / 2)) / 2, which never overflows and needs no
    branches on the sign of x.

    Inputs:
    - x: Array of any shape

    Returns:
    - Array of the same shape and dtype, with values in [0, 1]
    """
    out = np.tanh(x * 0.5)
    out += 1.0
    out *= 0.5
    return out


def temporal_affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Affine layer applied at every timestep of a sequence.

    Inputs:
    - x: Input data, of shape (N, T, D)
    - w: Weights, of shape (D, M)
    - b: Biases, of shape (M,)

    Returns a tuple of:
    - out: Output, of shape (N, T, M)
    - cache: (x, w) for the backward pass
    """
    N, T, D = x.shape
    out = x.reshape(N * T, D) @ w
    out += b
    return out.reshape(N, T, -1), (x, w)


def temporal_affine_backward(dout: np.ndarray, cache: tuple):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dout: Upstream gradient, of shape (N, T, M)
    - cache: (x, w) from temporal_affine_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, T, D)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w = cache
    N, T, D = x.shape
    dout2d = dout.reshape(N * T, -1)
    dx = (dout2d @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout2d
    db = dout2d.sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x: np.ndarray, y: np.ndarray, mask: np.ndarray, verbose: bool = False):
    """Softmax cross-entropy summed over every unmasked timestep, divided by N.

    The loss is divided by the minibatch size N, not by the number of unmasked
    timesteps; the gradient is scaled the same way.

    Inputs:
    - x: Scores, of shape (N, T, V)
    - y: Ground-truth indices, of shape (N, T), each in 0 <= y[i, t] < V
    - mask: Boolean array of shape (N, T); mask[i, t] says whether the score
      x[i, t] counts towards the loss
    - verbose: If True, print the shape of dx

    Returns a tuple of:
    - loss: Scalar loss
    - dx: Gradient of the loss with respect to x, of shape (N, T, V)
    """
    N, T, V = x.shape
    rows = np.arange(N * T)
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)

    # Softmax of every row, shifted by the row's maximum so that exp cannot overflow.
    probs = x_flat - x_flat.max(axis=1, keepdims=True)
    shifted_true = probs[rows, y_flat]
    np.exp(probs, out=probs)
    sums = probs.sum(axis=1)
    loss = -np.sum(mask_flat * (shifted_true - np.log(sums))) / N

    # dx = weight * (probs / sums - one_hot(y)) with weight = mask / N, in two passes;
    # the weights take x's dtype so that float32 scores stay float32.
    weights = (mask_flat / N).astype(x.dtype)
    probs *= (weights / sums)[:, None]
    probs[rows, y_flat] -= weights
    dx = probs.reshape(N, T, V)
    if verbose:
        print("dx: ", dx.shape)
    return loss, dx
