"""Recurrent layers for image captioning: vanilla RNN, LSTM and word embeddings.

Every forward function returns its output and a cache; the matching backward
function takes the upstream gradient and that cache. Backward functions must not
modify their inputs. Keep the input's dtype: create new arrays with it (np.zeros((N, H),
dtype=x.dtype)), since an array made without a dtype is float64 and silently turns float32
training into slower float64. The provided layers of `cs231n.layers` are re-exported here so
that `from cs231n.rnn_layers import *` gives a notebook everything it needs.
"""

import numpy as np

from cs231n.layers import (  # noqa: F401  (re-exported for the notebooks)
    affine_backward,
    affine_forward,
    sigmoid,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)


def rnn_step_forward(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple]:
    """One timestep of a vanilla RNN with a tanh activation.

    next_h = tanh(x Wx + prev_h Wh + b)

    Inputs:
    - x: Input data for this timestep, of shape (N, D)
    - prev_h: Hidden state from the previous timestep, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, H)
    - Wh: Hidden-to-hidden weights, of shape (H, H)
    - b: Biases, of shape (H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - cache: Whatever rnn_step_backward needs
    """
    next_h, cache = None, None
    # TODO: compute next_h and store what the backward pass needs in cache.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return next_h, cache


def rnn_step_backward(dnext_h: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """Backward pass of rnn_step_forward.

    Inputs:
    - dnext_h: Gradient of the loss with respect to next_h, of shape (N, H)
    - cache: Cache from rnn_step_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dprev_h: Gradient with respect to prev_h, of shape (N, H)
    - dWx: Gradient with respect to Wx, of shape (D, H)
    - dWh: Gradient with respect to Wh, of shape (H, H)
    - db: Gradient with respect to b, of shape (H,)
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # TODO: backpropagate through the tanh, then through both matrix products.
    # Hint: the derivative of tanh(a) is 1 - tanh(a)**2.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """A vanilla RNN over a whole sequence of T timesteps.

    Inputs:
    - x: Input data for the whole sequence, of shape (N, T, D)
    - h0: Initial hidden state, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, H)
    - Wh: Hidden-to-hidden weights, of shape (H, H)
    - b: Biases, of shape (H,)

    Returns a tuple of:
    - h: Hidden states for every timestep, of shape (N, T, H)
    - cache: Whatever rnn_backward needs
    """
    h, cache = None, None
    # TODO: loop over the timesteps, calling rnn_step_forward at each one. Hand it x[:, t, :]
    # of shape (N, D), also when N = 1 (no .squeeze()); create h with x's dtype.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        cache.append(step_cache)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return h, cache


def rnn_backward(dh: np.ndarray, cache: list) -> tuple[np.ndarray, ...]:
    """Backward pass of rnn_forward.

    Inputs:
    - dh: Upstream gradients of every hidden state, of shape (N, T, H). These are
      only the gradients from the layers above (e.g. the scores); the gradient
      flowing back from timestep t+1 to t is yours to add.
    - cache: Cache from rnn_forward

    Returns a tuple of:
    - dx: Gradient with respect to the inputs, of shape (N, T, D)
    - dh0: Gradient with respect to the initial hidden state, of shape (N, H)
    - dWx: Gradient with respect to Wx, of shape (D, H)
    - dWh: Gradient with respect to Wh, of shape (H, H)
    - db: Gradient with respect to b, of shape (H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: walk the timesteps backwards, calling rnn_step_backward at each one. Create the
    # gradient arrays with dh's dtype; dh[:, t] + dprev_h is a new array, dh[:, t] += ... is not.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    x_first, _, Wx, Wh, _ = cache[0]
    dx = np.empty((N, T, x_first.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=Wh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dh0, dWx, dWh, db


def word_embedding_forward(x: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Look up a vector for every word index.

    Inputs:
    - x: Integer array of shape (N, T) of word indices, each in 0 <= x < V
    - W: Word vectors, of shape (V, D)

    Returns a tuple of:
    - out: Word vectors of the inputs, of shape (N, T, D)
    - cache: Whatever word_embedding_backward needs
    """
    out, cache = None, None
    # TODO: one line of NumPy indexing does it.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    out = W[x]
    cache = (x, W.shape)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def word_embedding_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of word_embedding_forward.

    A word that appears several times in x receives the sum of all its gradients.

    Inputs:
    - dout: Upstream gradients, of shape (N, T, D)
    - cache: Cache from word_embedding_forward

    Returns:
    - dW: Gradient with respect to the word vectors, of shape (V, D)
    """
    dW = None
    # TODO: accumulate dout into the rows of dW; np.add.at handles repeated indices.
    # Create dW with dout's dtype.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    x, W_shape = cache
    dW = np.zeros(W_shape, dtype=dout.dtype)
    np.add.at(dW, x.reshape(-1), dout.reshape(-1, W_shape[1]))
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dW


def lstm_step_forward(
    x: np.ndarray,
    prev_h: np.ndarray,
    prev_c: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One timestep of an LSTM.

    The activation a = x Wx + prev_h Wh + b, of shape (N, 4H), is split into four
    H-wide blocks in the order i, f, o, g: the input, forget and output gates use
    the sigmoid, the block g uses tanh. Then next_c = f * prev_c + i * g and
    next_h = o * tanh(next_c).

    Inputs:
    - x: Input data for this timestep, of shape (N, D)
    - prev_h: Previous hidden state, of shape (N, H)
    - prev_c: Previous cell state, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, 4H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4H)
    - b: Biases, of shape (4H,)

    Returns a tuple of:
    - next_h: Next hidden state, of shape (N, H)
    - next_c: Next cell state, of shape (N, H)
    - cache: Whatever lstm_step_backward needs
    """
    next_h, next_c, cache = None, None, None
    # TODO: compute the gates, next_c and next_h. Use the provided `sigmoid`.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    H = prev_h.shape[1]
    a = x @ Wx
    a += prev_h @ Wh
    a += b
    gates = sigmoid(a[:, : 3 * H])
    i, f, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H :]
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return next_h, next_c, cache


def lstm_step_backward(
    dnext_h: np.ndarray, dnext_c: np.ndarray, cache: tuple
) -> tuple[np.ndarray, ...]:
    """Backward pass of lstm_step_forward.

    Inputs:
    - dnext_h: Gradient with respect to next_h, of shape (N, H)
    - dnext_c: Gradient with respect to next_c, of shape (N, H)
    - cache: Cache from lstm_step_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dprev_h: Gradient with respect to prev_h, of shape (N, H)
    - dprev_c: Gradient with respect to prev_c, of shape (N, H)
    - dWx: Gradient with respect to Wx, of shape (D, 4H)
    - dWh: Gradient with respect to Wh, of shape (H, 4H)
    - db: Gradient with respect to b, of shape (4H,)
    """
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    # TODO: next_h depends on next_c, so the total gradient of next_c has two parts.
    # Careful: `dnext_c += ...` would change the caller's array.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * prev_c * f * (1 - f),
            dnext_h * tanh_c * o * (1 - o),
            dc * i * (1 - g * g),
        ],
        axis=1,
    )
    dprev_c = dc * f
    # dx = da @ Wx.T and dprev_h = da @ Wh.T, written as transposes so that numpy returns
    # them column-major: OpenBLAS computes these N-row products faster into that layout.
    dx = (Wx @ da.T).T
    dprev_h = (Wh @ da.T).T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """An LSTM over a whole sequence of T timesteps; the initial cell state is zero.

    Inputs:
    - x: Input data for the whole sequence, of shape (N, T, D)
    - h0: Initial hidden state, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, 4H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4H)
    - b: Biases, of shape (4H,)

    Returns a tuple of:
    - h: Hidden states for every timestep, of shape (N, T, H)
    - cache: Whatever lstm_backward needs
    """
    h, cache = None, None
    # TODO: loop over the timesteps, calling lstm_step_forward at each one, with x[:, t, :]
    # of shape (N, D) also when N = 1; the zero cell state and h take h0's and x's dtype.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    cache = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        cache.append(step_cache)
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return h, cache


def lstm_backward(dh: np.ndarray, cache: list) -> tuple[np.ndarray, ...]:
    """Backward pass of lstm_forward.

    Inputs:
    - dh: Upstream gradients of every hidden state, of shape (N, T, H) (only the
      gradients from the layers above, as in rnn_backward)
    - cache: Cache from lstm_forward

    Returns a tuple of:
    - dx: Gradient with respect to the inputs, of shape (N, T, D)
    - dh0: Gradient with respect to the initial hidden state, of shape (N, H)
    - dWx: Gradient with respect to Wx, of shape (D, 4H)
    - dWh: Gradient with respect to Wh, of shape (H, 4H)
    - db: Gradient with respect to b, of shape (4H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # TODO: walk the timesteps backwards, calling lstm_step_backward at each one.
    # Both the hidden and the cell state carry a gradient from t+1 back to t. Create the
    # gradient arrays with dh's dtype.
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    x_first, _, _, Wx, Wh = cache[0][:5]
    dx = np.empty((N, T, x_first.shape[1]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=Wh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dprev_h, dprev_c, cache[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h
    ### END SOLUTION
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dh0, dWx, dWh, db
