"""Numerical gradients by centred finite differences, for checking backward passes.

The checkers perturb x in place, one element at a time, and always put the
original value back, so x is left bit-for-bit unchanged. The step actually used
is the difference between the two perturbed values as stored in x's dtype, which
keeps float32 inputs honest (x + h is rounded in float32). Gradients are returned
in float64.
"""

import numpy as np


def _check_floating(x: np.ndarray) -> None:
    """Finite differences need a floating-point array to perturb."""
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x must be a floating-point numpy array, got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}"
        )


def _centred_difference(f, x: np.ndarray, ix: tuple, h: float):
    """Evaluate f at x with x[ix] moved by +h and -h.

    Returns (f(x + h e_ix), f(x - h e_ix), step), where step is the distance
    between the two perturbed values of x[ix] (ValueError if h is too small to
    move x[ix] at all). x is restored before returning, even if f raises. Outputs
    of f are copied, in case f returns a buffer it reuses.
    """
    old = x[ix].copy()
    try:
        x[ix] = old + h
        x_plus = float(x[ix])
        f_plus = np.array(f(x), dtype=np.float64)
        x[ix] = old - h
        x_minus = float(x[ix])
        f_minus = np.array(f(x), dtype=np.float64)
    finally:
        x[ix] = old
    if x_plus == x_minus:
        raise ValueError(f"h={h} is too small to move x{list(ix)}={old} in {x.dtype}")
    return f_plus, f_minus, x_plus - x_minus


def eval_numerical_gradient(f, x: np.ndarray, verbose: bool = True, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: Function taking an array shaped like x and returning a scalar
    - x: Floating-point array at which to evaluate the gradient; modified during
      the call and restored exactly
    - verbose: If True, print the index and gradient of every element
    - h: Half the finite-difference step

    Returns:
    - grad: float64 array shaped like x, grad[i] ~= df/dx[i]
    """
    _check_floating(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        f_plus, f_minus, step = _centred_difference(f, x, ix, h)
        grad[ix] = (f_plus - f_minus) / step
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x: np.ndarray, df: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of an array-valued function f, contracted with df.

    Computes d(sum(f(x) * df)) / dx, i.e. the gradient a backward pass returns
    for x when it receives the upstream gradient df.

    Inputs:
    - f: Function taking an array shaped like x and returning an array shaped like df
    - x: Floating-point array at which to evaluate the gradient; modified during
      the call and restored exactly
    - df: Upstream gradient, shaped like the output of f
    - h: Half the finite-difference step

    Returns:
    - grad: float64 array shaped like x
    """
    _check_floating(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        f_plus, f_minus, step = _centred_difference(f, x, ix, h)
        grad[ix] = np.sum((f_plus - f_minus) * df) / step
    return grad


def grad_check_sparse(
    f,
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    seed: int | None = None,
) -> np.ndarray:
    """Compare an analytic gradient with numerical ones at a few random elements.

    Prints one line per checked element with the numerical and analytic values
    and their relative error.

    Inputs:
    - f: Function taking an array shaped like x and returning a scalar
    - x: Floating-point array at which the gradient was computed; modified during
      the call and restored exactly
    - analytic_grad: Array shaped like x, the gradient to check
    - num_checks: Number of random elements (drawn with replacement) to check
    - h: Half the finite-difference step
    - seed: Seed for choosing the elements; None gives different elements each call

    Returns:
    - rel_errors: float64 array (num_checks,) of the relative errors
    """
    _check_floating(x)
    rng = np.random.default_rng(seed)
    rel_errors = np.zeros(num_checks)
    for i in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        f_plus, f_minus, step = _centred_difference(f, x, ix, h)
        numerical = float((f_plus - f_minus) / step)
        analytic = float(analytic_grad[ix])
        rel_errors[i] = rel_error(numerical, analytic)
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {rel_errors[i]:e}")
    return rel_errors


def rel_error(x, y) -> float:
    """Largest elementwise relative error between x and y.

    Inputs:
    - x, y: Arrays (or scalars) of broadcastable shapes

    Returns:
    - max(|x - y| / max(1e-8, |x| + |y|)) as a Python float
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
