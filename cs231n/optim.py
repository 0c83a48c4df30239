"""First-order update rules for training neural networks.

Every rule has the same interface:

    next_w, config = update(w, dw, config)

Inputs:
- w: Array with the current value of one parameter
- dw: Array of the same shape as w, the gradient of the loss with respect to w
- config: Dictionary of hyperparameters (learning rate, momentum, ...) and of any
  state the rule keeps between steps (velocity, moving averages, ...). Missing
  hyperparameters are filled in with defaults; missing state is created lazily
  as zeros shaped like w. Pass None to start from all defaults.

Returns a tuple of:
- next_w: The updated parameter, a new array with the shape and dtype of w
- config: The same dictionary, holding the state to pass to the next call

The input w is never modified. State arrays inside config are updated in place,
so every parameter needs its own config dictionary.

The solver looks rules up by name, so only the names listed in `__all__` are
accepted as `update_rule`.
"""

import math

import numpy as np

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]


def _state(config: dict, key: str, w: np.ndarray) -> np.ndarray:
    """Return the state array config[key], creating it as zeros shaped like w."""
    if config.get(key) is None:
        config[key] = np.zeros_like(w)
    return config[key]


def sgd(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config format:
    - learning_rate: Scalar step size (default 1e-2)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    next_w = np.multiply(dw, -config["learning_rate"], dtype=w.dtype, casting="same_kind")
    next_w += w
    return next_w, config


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: dict | None = None
) -> tuple[np.ndarray, dict]:
    """Stochastic gradient descent with (heavy-ball) momentum.

        v <- momentum * v - learning_rate * dw
        w <- w + v

    config format:
    - learning_rate: Scalar step size (default 1e-2)
    - momentum: Scalar in [0, 1) giving the fraction of the old velocity kept
      at each step (default 0.9); 0 recovers plain SGD
    - velocity: Array shaped like w, the running velocity (default zeros)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = _state(config, "velocity", w)

    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    next_w = w + v
    return next_w, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """RMSProp: scale each step by a moving average of the squared gradient.

        cache <- decay_rate * cache + (1 - decay_rate) * dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:
    - learning_rate: Scalar step size (default 1e-2)
    - decay_rate: Scalar in [0, 1), how much of the old average is kept (default 0.99)
    - epsilon: Small scalar that avoids division by zero (default 1e-8)
    - cache: Array shaped like w, the moving average of dw**2 (default zeros)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = _state(config, "cache", w)
    decay = config["decay_rate"]

    # cache += (1 - decay) * (dw**2 - cache), using one scratch array.
    step = np.multiply(dw, dw, dtype=w.dtype, casting="same_kind")
    step -= cache
    step *= 1 - decay
    cache += step

    # step = -learning_rate * dw / (sqrt(cache) + epsilon), computed in place.
    np.sqrt(cache, out=step)
    step += config["epsilon"]
    np.divide(dw, step, out=step, casting="same_kind")
    step *= -config["learning_rate"]
    step += w
    return step, config


def adam(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """Adam (Kingma and Ba, 2015): moving averages of the gradient and of its square,
    with bias correction.

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * dw
        v <- beta2 * v + (1 - beta2) * dw**2
        m_hat <- m / (1 - beta1**t)
        v_hat <- v / (1 - beta2**t)
        w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    The moments are updated in place and the step allocates a single new array
    (next_w), which keeps the dtype of w: float32 parameters stay float32.

    config format:
    - learning_rate: Scalar step size (default 1e-3)
    - beta1: Decay rate of the moving average of the gradient (default 0.9)
    - beta2: Decay rate of the moving average of the squared gradient (default 0.999)
    - epsilon: Small scalar that avoids division by zero (default 1e-8)
    - m: Array shaped like w, the first moment (default zeros)
    - v: Array shaped like w, the second moment (default zeros)
    - t: Number of steps taken so far (default 0)
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", 0)
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    beta1, beta2 = config["beta1"], config["beta2"]

    config["t"] += 1
    t = config["t"]

    # m += (1 - beta1) * (dw - m); the scratch array later becomes next_w.
    scratch = np.subtract(dw, m, dtype=w.dtype, casting="same_kind")
    scratch *= 1 - beta1
    m += scratch

    # v += (1 - beta2) * (dw**2 - v)
    np.multiply(dw, dw, out=scratch, casting="same_kind")
    scratch -= v
    scratch *= 1 - beta2
    v += scratch

    # next_w = w - lr * m_hat / (sqrt(v_hat) + epsilon), with both bias corrections moved
    # into scalars: w - lr * c / (1 - beta1**t) * m / (sqrt(v) + epsilon * c),
    # c = sqrt(1 - beta2**t). This saves a pass over the array.
    c = math.sqrt(1.0 - beta2**t)
    np.sqrt(v, out=scratch)
    scratch += config["epsilon"] * c
    np.divide(m, scratch, out=scratch)
    scratch *= -config["learning_rate"] * c / (1.0 - beta1**t)
    scratch += w
    return scratch, config
