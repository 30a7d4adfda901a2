"""The training engine: the penalised, weighted objective, both solvers, early stopping."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_differences
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from softmax_cli.core.trainer.mlp import MLP, parameter_count
from softmax_cli.core.trainer.training import (
    Dataset,
    EpochStats,
    FitSettings,
    fit,
    still_falling,
)

EMPTY = np.zeros((0, 4)), np.zeros(0, dtype=np.intp)


def objective(model: MLP, x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> float:
    """The objective written out directly: weighted mean cross-entropy plus the penalty."""
    logits = model.logits(x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    data = -np.sum(w * log_probs[np.arange(len(y)), y]) / len(y)
    penalty = 0.5 * l2 * sum(float(np.sum(weight**2)) for weight in model.weights)
    return float(data + penalty)


@pytest.mark.parametrize("layer_sizes", [(4, 3), (4, 6, 3), (3, 5, 4, 2)])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_weighted_penalised_gradient_matches_finite_differences(
    layer_sizes: tuple[int, ...], l2: float
) -> None:
    rng = np.random.default_rng(len(layer_sizes))
    model = MLP(layer_sizes, rng.normal(scale=0.7, size=parameter_count(layer_sizes)))
    x = rng.normal(size=(11, layer_sizes[0]))
    y = rng.integers(0, layer_sizes[-1], size=11)
    w = rng.uniform(0.2, 3.0, size=11)
    loss, _ = model.loss_and_gradient(x, y, w, l2)
    assert loss == pytest.approx(objective(model, x, y, w, l2), rel=1e-13)
    analytic = model.grads.copy()
    numeric = central_differences(model.params, lambda: objective(model, x, y, w, l2))
    relative = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert relative < 1e-7


def iris() -> tuple[np.ndarray, np.ndarray]:
    features, targets = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(features), targets.astype(np.intp)


def test_lbfgs_finds_scikit_learns_logistic_regression() -> None:
    x, y = iris()
    model = MLP((4, 3))
    settings = FitSettings(solver="lbfgs", max_epochs=1000, l2=1 / len(x), tolerance=1e-10)
    fit(model, settings, Dataset(x, y, *EMPTY, *EMPTY), np.random.default_rng(0))
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(x, y)
    np.testing.assert_allclose(model.predict_proba(x), reference.predict_proba(x), atol=1e-6)


def test_class_weights_match_scikit_learns_balanced_weights() -> None:
    x, y = iris()
    keep = np.r_[0:50, 50:70, 100:150]  # classes of 50, 20 and 50 rows
    x, y = x[keep], y[keep]
    counts = np.bincount(y)
    weights = (len(y) / (3 * counts))[y]
    model = MLP((4, 3))
    settings = FitSettings(solver="lbfgs", max_epochs=1000, l2=1 / len(x), tolerance=1e-10)
    fit(
        model,
        settings,
        Dataset(x, y, *EMPTY, *EMPTY),
        np.random.default_rng(0),
        sample_weight=weights,
    )
    reference = LogisticRegression(class_weight="balanced", tol=1e-10, max_iter=1000).fit(x, y)
    np.testing.assert_allclose(model.predict_proba(x), reference.predict_proba(x), atol=1e-6)


def test_lbfgs_and_adam_reach_the_same_optimum_on_a_convex_problem() -> None:
    x, y = iris()
    data = Dataset(x, y, *EMPTY, *EMPTY)
    l2 = 0.05  # strongly convex: one optimum
    lbfgs = MLP((4, 3))
    fit(
        lbfgs,
        FitSettings("lbfgs", max_epochs=1000, l2=l2, tolerance=1e-12),
        data,
        np.random.default_rng(0),
    )
    adam = MLP((4, 3))
    settings = FitSettings("adam", max_epochs=4000, batch_size=len(x), lr=0.01, l2=l2)
    fit(adam, settings, data, np.random.default_rng(0))
    loss_lbfgs, _ = lbfgs.loss_and_gradient(x, y, None, l2)
    loss_adam, _ = adam.loss_and_gradient(x, y, None, l2)
    assert loss_adam == pytest.approx(loss_lbfgs, abs=1e-7)
    np.testing.assert_allclose(adam.weights[0], lbfgs.weights[0], atol=2e-3)
    # Unpenalised biases are unique only up to a shared shift, which softmax ignores.
    centred = [b.biases[0] - b.biases[0].mean() for b in (adam, lbfgs)]
    np.testing.assert_allclose(*centred, atol=2e-3)
    np.testing.assert_allclose(adam.predict_proba(x), lbfgs.predict_proba(x), atol=1e-4)


def overfitting_data() -> Dataset:
    """Few noisy training rows and a large network: validation loss turns up early."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(60, 4))
    y = (x[:, 0] + rng.normal(scale=1.5, size=60) > 0).astype(np.intp)
    return Dataset(x[:30], y[:30], x[30:], y[30:], *EMPTY)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_early_stopping_restores_the_best_epoch(solver: str) -> None:
    data = overfitting_data()
    model = MLP.initialized((4, 64, 2), np.random.default_rng(0))
    params_after: dict[int, np.ndarray] = {}

    def remember(stats: EpochStats) -> None:
        params_after[stats.epoch] = model.params.copy()

    settings = FitSettings(solver, max_epochs=500, batch_size=8, lr=0.01, patience=5)
    result = fit(model, settings, data, np.random.default_rng(0), on_epoch=remember)
    val_losses = [s.val_loss for s in result.history]
    best = int(np.argmin(val_losses)) + 1
    assert result.best_epoch == best
    assert len(result.history) == best + 5 < 500, "it stopped 5 epochs after the best one"
    np.testing.assert_array_equal(model.params, params_after[best])


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_same_seed_same_fit(solver: str) -> None:
    data = overfitting_data()
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(7)
        model = MLP.initialized((4, 8, 2), rng)
        settings = FitSettings(solver, max_epochs=20, batch_size=4, l2=0.01, patience=3)
        history = fit(model, settings, data, rng).history
        runs.append((model.params, [s._replace(seconds=0.0) for s in history]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_without_validation_rows_there_is_no_early_stopping() -> None:
    x, y = iris()
    settings = FitSettings("adam", max_epochs=7, batch_size=50, patience=1)
    result = fit(MLP((4, 3)), settings, Dataset(x, y, *EMPTY, *EMPTY), np.random.default_rng(0))
    assert (len(result.history), result.best_epoch) == (7, None)
    assert all(s.val_loss is None for s in result.history)


@given(
    st.lists(st.floats(0.0, 10.0), min_size=2, max_size=40),
    st.floats(0.0, 1.0),
)
def test_still_falling_is_a_new_best_by_more_than_the_tolerance_lately(
    objectives: list[float], tolerance: float
) -> None:
    """Brute force against the definition: some of the last ten epochs beat every epoch
    before them (the first, in a short run) by more than ``tolerance``."""
    split = max(1, len(objectives) - 10)
    expected = any(value < min(objectives[:split]) - tolerance for value in objectives[split:])
    assert still_falling(objectives, tolerance) is expected


def test_adam_run_out_while_falling_has_not_converged() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 3))
    targets = (features @ np.array([2.0, -1.0, 0.5]) > 0).astype(np.int64)
    data = Dataset(features, targets, features[:0], targets[:0], features[:0], targets[:0])
    for epochs, lr, expected in ((5, 0.001, False), (300, 0.05, True)):
        settings = FitSettings("adam", epochs, batch_size=20, lr=lr, l2=0.05)
        result = fit(MLP((3, 2)), settings, data, np.random.default_rng(1))
        assert (result.converged, result.iterations) == (expected, epochs)
