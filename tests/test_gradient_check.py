"""Tests for cs231n.gradient_check."""

import numpy as np
import pytest

from cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)


def test_rel_error_values():
    assert rel_error(1.0, 1.0) == 0.0
    # |1 - 3| / (1 + 3) = 0.5 and 0 for the equal pair; the max is 0.5
    assert rel_error(np.array([2.0, 1.0]), np.array([2.0, 3.0])) == pytest.approx(0.5)
    # denominators below 1e-8 are clamped: 1e-9 / 1e-8 = 0.1
    assert rel_error(0.0, 1e-9) == pytest.approx(0.1)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    # |1e-3| / (1 + 1.001) = 4.9975...e-4
    assert rel_error(1.0, 1.001) == pytest.approx(1e-3 / 2.001)
    assert isinstance(rel_error(np.ones(2), np.ones(2)), float)


def test_numerical_gradient_of_cubic_and_x_restored(capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z**3), x, verbose=False)
    assert grad.shape == (3, 4)
    # centred differences are exact up to h^2 * f''' / 6 = 1e-10 here
    assert rel_error(grad, 3 * x**2) < 1e-7
    assert np.array_equal(x, x_before)
    assert capsys.readouterr().out == ""


def test_numerical_gradient_verbose_prints_every_element(capsys):
    x = np.array([1.0, 2.0])
    eval_numerical_gradient(lambda z: float(z @ z), x)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("(0,)")


def test_numerical_gradient_float32():
    x = np.array([[0.5, -1.25], [2.0, 0.75]], dtype=np.float32)
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z * z), x, verbose=False, h=1e-3)
    assert x.dtype == np.float32
    assert np.array_equal(x, x_before)
    assert rel_error(grad, 2 * x.astype(np.float64)) < 1e-4


def test_x_restored_even_if_f_raises():
    x = np.array([1.0, 2.0, 3.0])

    def f(z):
        if z[1] != 2.0:
            raise RuntimeError("boom")
        return z.sum()

    with pytest.raises(RuntimeError):
        eval_numerical_gradient(f, x, verbose=False)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_integer_input_rejected():
    with pytest.raises(TypeError):
        eval_numerical_gradient(lambda z: z.sum(), np.arange(3), verbose=False)


def test_step_too_small_for_float32_rejected():
    x = np.array([1e4], dtype=np.float32)  # float32 spacing at 1e4 is ~1e-3
    with pytest.raises(ValueError, match="too small"):
        eval_numerical_gradient(lambda z: z.sum(), x, verbose=False, h=1e-5)
    assert x[0] == np.float32(1e4)


def test_numerical_gradient_array_of_matrix_product():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 5))
    df = rng.standard_normal((4, 5))
    x_before = x.copy()
    # f(x) = x @ w, so d(sum(f * df))/dx = df @ w.T
    grad = eval_numerical_gradient_array(lambda z: z @ w, x, df)
    assert rel_error(grad, df @ w.T) < 1e-8
    assert np.array_equal(x, x_before)


def test_numerical_gradient_array_elementwise_float32():
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    df = np.arange(6, dtype=np.float32).reshape(2, 3)
    x_before = x.copy()
    # f(x) = tanh(x): gradient df * (1 - tanh(x)^2)
    grad = eval_numerical_gradient_array(np.tanh, x, df, h=1e-3)
    expected = df * (1 - np.tanh(x.astype(np.float64)) ** 2)
    assert rel_error(grad, expected) < 1e-3
    assert np.array_equal(x, x_before)


def test_numerical_gradient_array_copies_reused_buffer():
    buffer = np.zeros(2)

    def f(z):  # returns the same array object each call
        buffer[:] = 2 * z
        return buffer

    grad = eval_numerical_gradient_array(f, np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(grad, [2.0, 2.0], rtol=1e-9)


def test_grad_check_sparse_correct_and_wrong_gradients(capsys):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 6))
    x_before = x.copy()

    def f(z):
        return np.sum(np.sin(z))

    errors = grad_check_sparse(f, x, np.cos(x), num_checks=7, seed=0)
    assert errors.shape == (7,)
    assert np.all(errors < 1e-7)
    assert np.array_equal(x, x_before)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7
    assert lines[0].startswith("numerical: ") and "relative error: " in lines[0]

    wrong = grad_check_sparse(f, x, np.cos(x) + 1.0, num_checks=7, seed=0)
    assert np.all(wrong > 1e-2)


def test_grad_check_sparse_seed_picks_same_elements(capsys):
    x = np.arange(100, dtype=np.float64).reshape(10, 10) / 10

    def f(z):
        return np.sum(z**2)

    grad_check_sparse(f, x, 2 * x, num_checks=5, seed=42)
    first = capsys.readouterr().out
    grad_check_sparse(f, x, 2 * x, num_checks=5, seed=42)
    assert capsys.readouterr().out == first
