"""Tests for cs231n.optim and cs231n.captioning_solver."""

import math

import numpy as np
import pytest

from cs231n import optim
from cs231n.captioning_solver import CaptioningSolver

# ---------------------------------------------------------------------------
# Update rules
# ---------------------------------------------------------------------------


def test_sgd_step_and_default_learning_rate():
    w = np.array([1.0, 2.0])
    dw = np.array([0.5, -1.0])
    next_w, config = optim.sgd(w, dw, {"learning_rate": 0.1})
    # 1 - 0.1 * 0.5 = 0.95 ; 2 - 0.1 * (-1) = 2.1
    np.testing.assert_allclose(next_w, [0.95, 2.1], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(w, [1.0, 2.0])  # input untouched

    next_w, config = optim.sgd(w, dw)
    assert config == {"learning_rate": 1e-2}
    np.testing.assert_allclose(next_w, [0.995, 2.01], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps():
    w = np.array([1.0, -1.0])
    dw = np.array([1.0, 2.0])
    config = {"learning_rate": 0.1, "momentum": 0.5}
    # step 1: v = 0.5 * 0 - 0.1 * dw = [-0.1, -0.2]; w = [0.9, -1.2]
    w1, config = optim.sgd_momentum(w, dw, config)
    np.testing.assert_allclose(config["velocity"], [-0.1, -0.2], atol=1e-15)
    np.testing.assert_allclose(w1, [0.9, -1.2], atol=1e-15)
    # step 2: v = 0.5 * [-0.1, -0.2] - 0.1 * dw = [-0.15, -0.3]; w = [0.75, -1.5]
    w2, config = optim.sgd_momentum(w1, dw, config)
    np.testing.assert_allclose(config["velocity"], [-0.15, -0.3], atol=1e-15)
    np.testing.assert_allclose(w2, [0.75, -1.5], atol=1e-15)


def test_sgd_momentum_defaults():
    _, config = optim.sgd_momentum(np.zeros(3), np.ones(3))
    assert config["learning_rate"] == 1e-2
    assert config["momentum"] == 0.9
    np.testing.assert_allclose(config["velocity"], [-1e-2] * 3)


def test_rmsprop_first_step():
    w = np.array([1.0, 1.0, 1.0])
    dw = np.array([2.0, -0.5, 0.0])
    next_w, config = optim.rmsprop(w, dw)
    # Defaults: lr 1e-2, decay 0.99, eps 1e-8.
    # cache = 0.01 * dw^2 = [0.04, 0.0025, 0]; sqrt(cache) = [0.2, 0.05, 0]
    # step = 1e-2 * dw / (sqrt(cache) + 1e-8) = [0.02 / 0.20000001, -0.005 / 0.05000001, 0]
    np.testing.assert_allclose(config["cache"], [0.04, 0.0025, 0.0], rtol=1e-14)
    expected = [1 - 0.02 / 0.20000001, 1 + 0.005 / 0.05000001, 1.0]
    np.testing.assert_allclose(next_w, expected, rtol=1e-14)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)


def test_adam_first_step_explicit_numbers():
    w = np.array([1.0, -2.0, 0.5])
    dw = np.array([0.2, -0.4, 0.0])
    next_w, config = optim.adam(w, dw)
    # t = 1; m = 0.1 * dw = [0.02, -0.04, 0]; v = 0.001 * dw^2 = [4e-5, 1.6e-4, 0]
    # m_hat = m / 0.1 = dw; v_hat = v / 0.001 = dw^2; sqrt(v_hat) = |dw|
    # next_w = w - 1e-3 * dw / (|dw| + 1e-8)
    #        = [1 - 1e-3 * 0.2 / 0.20000001, -2 + 1e-3 * 0.4 / 0.40000001, 0.5]
    assert config["t"] == 1
    np.testing.assert_allclose(config["m"], [0.02, -0.04, 0.0], rtol=1e-14)
    np.testing.assert_allclose(config["v"], [4e-5, 1.6e-4, 0.0], rtol=1e-12)
    expected = [1 - 1e-3 * 0.2 / 0.20000001, -2 + 1e-3 * 0.4 / 0.40000001, 0.5]
    np.testing.assert_allclose(next_w, expected, rtol=1e-14)
    assert next_w[0] == pytest.approx(0.99900000005, abs=1e-13)


def test_adam_second_step_matches_formula():
    w = np.array([1.0])
    config = {"learning_rate": 1e-3}
    w1, config = optim.adam(w, np.array([0.2]), config)
    w2, config = optim.adam(w1, np.array([0.1]), config)
    # t = 2: m = 0.9 * 0.02 + 0.1 * 0.1 = 0.028 ; v = 0.999 * 4e-5 + 0.001 * 0.01 = 4.996e-5
    # m_hat = 0.028 / (1 - 0.81) = 0.147368... ; v_hat = 4.996e-5 / (1 - 0.998001) = 0.0249925...
    # step = 1e-3 * m_hat / (sqrt(v_hat) + 1e-8) = 9.3218...e-4
    assert config["t"] == 2
    assert config["m"][0] == pytest.approx(0.028, rel=1e-13)
    assert config["v"][0] == pytest.approx(4.996e-5, rel=1e-12)
    m_hat = 0.028 / (1 - 0.9**2)
    v_hat = 4.996e-5 / (1 - 0.999**2)
    step = 1e-3 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert step == pytest.approx(9.3218e-4, rel=1e-4)
    assert w2[0] == pytest.approx(w1[0] - step, rel=1e-13)


def test_adam_continues_from_given_t():
    w, dw = np.array([0.0]), np.array([1.0])
    m, v = np.array([0.5]), np.array([0.25])
    next_w, config = optim.adam(w, dw, {"t": 4, "m": m, "v": v})
    # t = 5; m = 0.45 + 0.1 = 0.55; v = 0.24975 + 0.001 = 0.25075
    assert config["t"] == 5
    assert config["m"][0] == pytest.approx(0.55, rel=1e-14)
    assert config["v"][0] == pytest.approx(0.25075, rel=1e-14)
    m_hat = 0.55 / (1 - 0.9**5)
    v_hat = 0.25075 / (1 - 0.999**5)
    assert next_w[0] == pytest.approx(-1e-3 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-13)


@pytest.mark.parametrize("rule", optim.__all__)
def test_rules_keep_float32_and_leave_w_untouched(rule):
    update = getattr(optim, rule)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 5)).astype(np.float32)
    w_before = w.copy()
    config = None
    for _ in range(3):
        dw = rng.standard_normal((4, 5))  # float64 gradient on purpose
        next_w, config = update(w, dw, config)
        assert next_w.dtype == np.float32
        assert next_w is not w
        np.testing.assert_array_equal(w, w_before)
    for key in ("velocity", "cache", "m", "v"):
        if key in config:
            assert config[key].dtype == np.float32


@pytest.mark.parametrize("rule", optim.__all__)
def test_rules_float32_agree_with_float64(rule):
    update = getattr(optim, rule)
    rng = np.random.default_rng(1)
    w64 = rng.standard_normal(50)
    w32 = w64.astype(np.float32)
    c64, c32 = None, None
    for _ in range(5):
        dw = rng.standard_normal(50)
        w64, c64 = update(w64, dw, c64)
        w32, c32 = update(w32, dw.astype(np.float32), c32)
    np.testing.assert_allclose(w32, w64, rtol=1e-5, atol=1e-6)


def test_rules_minimise_a_quadratic():
    target = np.array([3.0, -1.0])
    for rule, lr in [("sgd", 0.1), ("sgd_momentum", 0.05), ("rmsprop", 0.01), ("adam", 0.05)]:
        w, config = np.zeros(2), {"learning_rate": lr}
        for _ in range(1000):
            w, config = getattr(optim, rule)(w, w - target, config)
        np.testing.assert_allclose(w, target, atol=0.05, err_msg=rule)


# ---------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------


class QuadraticModel:
    """Fake model: loss = 0.5 * mean_i ||W - features_i||^2 + 0.5 * ||b||^2."""

    def __init__(self, dim=3):
        self.params = {"W": np.full(dim, 5.0), "b": np.ones(2)}
        self.seen_batch_shapes = []

    def loss(self, features, captions):
        self.seen_batch_shapes.append((features.shape, captions.shape))
        diff = self.params["W"] - features
        loss = 0.5 * np.mean(np.sum(diff**2, axis=1)) + 0.5 * np.sum(self.params["b"] ** 2)
        return loss, {"W": diff.mean(axis=0), "b": self.params["b"].copy()}


def fake_data(num_train=50, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    num_images = 20
    return {
        "train_captions": rng.integers(0, 10, size=(num_train, 17), dtype=np.int32),
        "train_image_idxs": rng.integers(0, num_images, size=num_train, dtype=np.int32),
        "train_features": rng.standard_normal((num_images, dim)).astype(np.float32),
        "train_urls": np.array([f"shapes://train2014/{i}" for i in range(num_images)]),
    }


def test_solver_decreases_loss_and_counts_iterations(capsys):
    model = QuadraticModel()
    solver = CaptioningSolver(
        model,
        fake_data(num_train=50),
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        batch_size=10,
        num_epochs=3,
        print_every=5,
    )
    solver.train()
    # 50 // 10 = 5 iterations per epoch, 3 epochs.
    assert solver.iterations_run == 15
    assert len(solver.loss_history) == 15
    assert all(isinstance(x, float) for x in solver.loss_history)
    assert solver.epoch == 3
    assert solver.loss_history[-1] < 0.3 * solver.loss_history[0]
    assert model.seen_batch_shapes[0] == ((10, 3), (10, 17))

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(")")[0] for line in lines] == [
        "(Iteration 1 / 15",
        "(Iteration 6 / 15",
        "(Iteration 11 / 15",
    ]
    assert lines[0] == f"(Iteration 1 / 15) loss: {solver.loss_history[0]:f}"


def test_solver_verbose_false_prints_nothing(capsys):
    solver = CaptioningSolver(
        QuadraticModel(), fake_data(), batch_size=10, num_epochs=1, verbose=False
    )
    solver.train()
    assert capsys.readouterr().out == ""


def test_solver_at_least_one_iteration_per_epoch():
    solver = CaptioningSolver(
        QuadraticModel(), fake_data(num_train=7), batch_size=100, num_epochs=4, verbose=False
    )
    solver.train()
    assert solver.iterations_run == 4
    assert solver.epoch == 4


def test_solver_lr_decay_per_epoch_and_separate_configs():
    optim_config = {"learning_rate": 0.01}
    solver = CaptioningSolver(
        QuadraticModel(),
        fake_data(num_train=50),
        update_rule="adam",
        optim_config=optim_config,
        lr_decay=0.5,
        batch_size=10,
        num_epochs=3,
        verbose=False,
    )
    solver.train()
    for name in ("W", "b"):
        assert solver.optim_configs[name]["learning_rate"] == pytest.approx(0.01 * 0.5**3)
        assert solver.optim_configs[name]["t"] == 15
    assert solver.optim_configs["W"]["m"].shape == (3,)
    assert solver.optim_configs["b"]["m"].shape == (2,)
    assert optim_config == {"learning_rate": 0.01}  # caller's dict not touched


def test_solver_default_update_rule_is_sgd():
    solver = CaptioningSolver(QuadraticModel(), fake_data())
    assert solver.update_rule is optim.sgd
    assert (solver.batch_size, solver.num_epochs, solver.print_every) == (100, 10, 10)
    assert solver.lr_decay == 1.0 and solver.verbose is True
    assert solver.loss_history == [] and solver.epoch == 0


def test_solver_rejects_unknown_kwarg():
    with pytest.raises(ValueError, match="learning_rate"):
        CaptioningSolver(QuadraticModel(), fake_data(), learning_rate=0.1)


@pytest.mark.parametrize("rule", ["adagrad", "np", "math", "_state"])
def test_solver_rejects_unknown_update_rule(rule):
    with pytest.raises(ValueError, match=rule):
        CaptioningSolver(QuadraticModel(), fake_data(), update_rule=rule)


def test_solver_seed_reproducible():
    def run(seed):
        solver = CaptioningSolver(
            QuadraticModel(),
            fake_data(),
            update_rule="sgd_momentum",
            batch_size=5,
            num_epochs=2,
            verbose=False,
            seed=seed,
        )
        solver.train()
        return solver.loss_history

    first, second, other = run(123), run(123), run(7)
    assert first == second
    assert first != other


def test_solver_num_iterations_replaces_the_epochs_and_still_decays(capsys):
    solver = CaptioningSolver(
        QuadraticModel(),
        fake_data(num_train=50),
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        lr_decay=0.5,
        batch_size=10,
        num_epochs=100,
        num_iterations=12,
        print_every=5,
    )
    solver.train()
    # 5 iterations per epoch: 12 iterations are 2 full epochs and 2 of a third.
    assert solver.iterations_run == len(solver.loss_history) == 12
    assert solver.epoch == 2
    assert solver.optim_configs["W"]["learning_rate"] == pytest.approx(0.1 * 0.5**2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(")")[0] for line in lines] == [
        "(Iteration 1 / 12",
        "(Iteration 6 / 12",
        "(Iteration 11 / 12",
    ]
