"""A naive, student-style LSTM captioning model: the slow baseline of bench_lstm.py.

This is written the way a first working solution of the assignment often looks:
a sigmoid with boolean masks, four separate matrix products per gate and input,
copies of every array that goes into a cache, per-timestep Python loops,
np.append / np.stack to collect per-step results, and an Adam that allocates a
new array for every intermediate value. It computes the same numbers as the
reference (tests/test_bench_naive.py checks that), only more slowly.

The parameters are a dict with the keys of CaptioningRNN.params (W_proj, b_proj,
W_embed, Wx, Wh, b, W_vocab, b_vocab); gates are in the order i, f, o, g.
"""

import numpy as np

GATES = ("i", "f", "o", "g")


def naive_sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, kept from overflowing with a boolean mask on the sign of x.

    Inputs:
    - x: Array of any shape

    Returns:
    - out: Array of the same shape and dtype as x
    """
    out = np.zeros_like(x)
    positive = x >= 0
    negative = ~positive
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    exp_x = np.exp(x[negative])
    out[negative] = exp_x / (1 + exp_x)
    return out


def split_gates(W: np.ndarray) -> list[np.ndarray]:
    """Copy the four H-wide gate blocks out of the last axis of W.

    Inputs:
    - W: Array of shape (..., 4H), blocks in the order i, f, o, g

    Returns:
    - List of four arrays of shape (..., H)
    """
    H = W.shape[-1] // 4
    return [W[..., k * H : (k + 1) * H].copy() for k in range(4)]


def naive_lstm_step_forward(
    x: np.ndarray,
    prev_h: np.ndarray,
    prev_c: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """One LSTM timestep, one gate at a time.

    Inputs:
    - x: Input data, of shape (N, D)
    - prev_h, prev_c: Previous hidden and cell states, of shape (N, H)
    - Wx: Input-to-hidden weights, of shape (D, 4H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4H)
    - b: Biases, of shape (4H,)

    Returns a tuple of:
    - next_h, next_c: Next hidden and cell states, of shape (N, H)
    - cache: Dict for naive_lstm_step_backward
    """
    cache = {"x": x.copy(), "prev_h": prev_h.copy(), "prev_c": prev_c.copy()}
    cache["Wx"], cache["Wh"] = split_gates(Wx), split_gates(Wh)
    biases = split_gates(b)
    for k, gate in enumerate(GATES):
        a = np.dot(x, cache["Wx"][k]) + np.dot(prev_h, cache["Wh"][k]) + biases[k]
        cache[gate] = np.tanh(a) if gate == "g" else naive_sigmoid(a)
    next_c = cache["f"] * prev_c + cache["i"] * cache["g"]
    next_h = cache["o"] * np.tanh(next_c)
    cache["next_c"] = next_c.copy()
    return next_h, next_c, cache


def naive_lstm_step_backward(
    dnext_h: np.ndarray, dnext_c: np.ndarray, cache: dict
) -> tuple[np.ndarray, ...]:
    """Backward pass of naive_lstm_step_forward.

    Inputs:
    - dnext_h, dnext_c: Gradients of next_h and next_c, of shape (N, H)
    - cache: Cache from naive_lstm_step_forward

    Returns a tuple of:
    - dx: Gradient of x, of shape (N, D)
    - dprev_h, dprev_c: Gradients of prev_h and prev_c, of shape (N, H)
    - dWx: Gradient of Wx, of shape (D, 4H)
    - dWh: Gradient of Wh, of shape (H, 4H)
    - db: Gradient of b, of shape (4H,)
    """
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tanh_c = np.tanh(cache["next_c"])
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = {
        "i": dc * g * i * (1 - i),
        "f": dc * cache["prev_c"] * f * (1 - f),
        "o": dnext_h * tanh_c * o * (1 - o),
        "g": dc * i * (1 - g**2),
    }
    dx = np.zeros_like(cache["x"])
    dprev_h = np.zeros_like(cache["prev_h"])
    dWx, dWh, db = [], [], []
    for k, gate in enumerate(GATES):
        dx = dx + np.dot(da[gate], cache["Wx"][k].T)
        dprev_h = dprev_h + np.dot(da[gate], cache["Wh"][k].T)
        dWx.append(np.dot(cache["x"].T, da[gate]))
        dWh.append(np.dot(cache["prev_h"].T, da[gate]))
        db.append(np.sum(da[gate], axis=0))
    dprev_c = dc * f
    return dx, dprev_h, dprev_c, np.hstack(dWx), np.hstack(dWh), np.hstack(db)


def naive_lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """An LSTM over T timesteps, starting from a zero cell state.

    Inputs:
    - x: Input data, of shape (N, T, D)
    - h0: Initial hidden state, of shape (N, H)
    - Wx, Wh, b: Weights and biases, as in naive_lstm_step_forward

    Returns a tuple of:
    - h: Hidden states, of shape (N, T, H)
    - cache: List of the step caches
    """
    prev_h, prev_c = h0.copy(), np.zeros_like(h0)
    hs, cache = [], []
    for t in range(x.shape[1]):
        prev_h, prev_c, step_cache = naive_lstm_step_forward(
            x[:, t, :].copy(), prev_h, prev_c, Wx, Wh, b
        )
        hs.append(prev_h)
        cache.append(step_cache)
    return np.stack(hs, axis=1), cache


def naive_lstm_backward(dh: np.ndarray, cache: list) -> tuple[np.ndarray, ...]:
    """Backward pass of naive_lstm_forward.

    Inputs:
    - dh: Upstream gradients of the hidden states, of shape (N, T, H)
    - cache: Cache from naive_lstm_forward

    Returns a tuple of:
    - dx: Gradient of x, of shape (N, T, D)
    - dh0: Gradient of h0, of shape (N, H)
    - dWx, dWh, db: Gradients of the weights and biases
    """
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, 0, D), dtype=dh.dtype)
    dWx, dWh, db = 0, 0, 0
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = naive_lstm_step_backward(
            dh[:, t, :] + dprev_h, dprev_c, cache[t]
        )
        dx = np.append(dx_t[:, np.newaxis, :], dx, axis=1)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


def naive_captioning_loss(
    params: dict, features: np.ndarray, captions: np.ndarray, null_idx: int
) -> tuple[float, dict]:
    """Loss and gradients of the LSTM captioning model, one timestep at a time.

    Inputs:
    - params: Dict of parameters, keys as in CaptioningRNN.params
    - features: Image features, of shape (N, D)
    - captions: Integer array of shape (N, T + 1)
    - null_idx: Index of the <NULL> word, whose targets do not count

    Returns a tuple of:
    - loss: Softmax loss summed over unmasked timesteps, divided by N
    - grads: Dict of gradients, same keys as params
    """
    N, T = captions.shape[0], captions.shape[1] - 1
    h0 = np.dot(features, params["W_proj"]) + params["b_proj"]
    x = np.zeros((N, T, params["W_embed"].shape[1]), dtype=params["W_embed"].dtype)
    for t in range(T):
        x[:, t, :] = params["W_embed"][captions[:, t]]
    h, lstm_cache = naive_lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"])

    loss = 0.0
    grads = {name: np.zeros_like(params[name]) for name in ("W_vocab", "b_vocab")}
    dh = np.zeros_like(h)
    for t in range(T):
        scores = np.dot(h[:, t, :], params["W_vocab"]) + params["b_vocab"]
        scores = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        target = captions[:, t + 1]
        mask = (target != null_idx).astype(scores.dtype)
        loss -= np.sum(mask * np.log(probs[np.arange(N), target])) / N
        dscores = probs.copy()
        dscores[np.arange(N), target] -= 1
        dscores = dscores * mask[:, np.newaxis] / N
        grads["W_vocab"] += np.dot(h[:, t, :].T, dscores)
        grads["b_vocab"] = grads["b_vocab"] + np.sum(dscores, axis=0)
        dh[:, t, :] = np.dot(dscores, params["W_vocab"].T)

    dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = naive_lstm_backward(dh, lstm_cache)
    grads["W_embed"] = np.zeros_like(params["W_embed"])
    for t in range(T):
        np.add.at(grads["W_embed"], captions[:, t], dx[:, t, :])
    grads["W_proj"] = np.dot(features.T, dh0)
    grads["b_proj"] = np.sum(dh0, axis=0)
    return loss, grads


def naive_adam(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    """Adam with bias correction, a new array for every intermediate result.

    Inputs:
    - w: Parameter, any shape
    - dw: Gradient of the loss with respect to w, same shape
    - config: Dict with learning_rate, beta1, beta2, epsilon and the state m, v, t
      (start with m = v = None and t = 0)

    Returns a tuple of:
    - next_w: Updated parameter, same shape and dtype as w
    - config: The same dict with updated m, v and t
    """
    if config["m"] is None:
        config["m"], config["v"] = np.zeros_like(w), np.zeros_like(w)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] = config["t"] + 1
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * (dw**2)
    m_hat = config["m"] / (1 - beta1 ** config["t"])
    v_hat = config["v"] / (1 - beta2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config


def naive_adam_config(learning_rate: float = 1e-3) -> dict:
    """A fresh naive_adam config with the default hyperparameters of cs231n.optim.adam."""
    return {
        "learning_rate": learning_rate,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "m": None,
        "v": None,
        "t": 0,
    }


def naive_training_step(
    params: dict, configs: dict, features: np.ndarray, captions: np.ndarray, null_idx: int
) -> float:
    """One training step: loss, gradients and an Adam update of every parameter.

    Inputs:
    - params: Dict of parameters, updated in place (each entry is replaced)
    - configs: Dict of naive_adam configs, one per parameter name
    - features, captions, null_idx: As in naive_captioning_loss

    Returns:
    - loss: The loss before the update
    """
    loss, grads = naive_captioning_loss(params, features, captions, null_idx)
    for name in params:
        params[name], configs[name] = naive_adam(params[name], grads[name], configs[name])
    return loss
