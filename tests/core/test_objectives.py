"""The full-batch objectives L-BFGS minimises, and the exact two-class reduction."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import central_differences
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from softmax_cli.core.trainer.block_sums import softmax_regression_sums
from softmax_cli.core.trainer.mlp import MLP
from softmax_cli.core.trainer.objectives import FullBatch, LinearObjective, full_batch_objective
from softmax_cli.core.trainer.training import Dataset, FitSettings, fit


def two_class_problem(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 3))
    y = (x @ [1.0, -2.0, 0.5] + rng.normal(size=40) > 0).astype(np.intp)
    return x, y, rng.uniform(0.3, 3.0, size=40)


@pytest.mark.parametrize("l2", [0.0, 0.2])
def test_binary_objective_is_the_softmax_objective_at_antisymmetric_weights(l2: float) -> None:
    x, y, w = two_class_problem(0)
    point = np.random.default_rng(1).normal(size=4)
    binary = full_batch_objective(MLP((3, 2)), x, y, w, l2)
    loss, grad = binary(point)
    binary.store(point)
    softmax_loss, _ = FullBatch(binary.model, x, y, w, l2)(binary.model.params)
    assert loss == pytest.approx(softmax_loss, rel=1e-13)
    numeric = central_differences(point, lambda: binary(point)[0])
    np.testing.assert_allclose(grad, numeric, atol=1e-8)
    # The point is the weight and bias differences of the model it stands for.
    np.testing.assert_allclose(binary.start(), point, rtol=1e-15)


def test_the_objective_is_binary_only_for_two_class_softmax_regression() -> None:
    x, y, _ = two_class_problem(0)
    two = full_batch_objective(MLP((3, 2)), x, y, None, 0.1)
    three = full_batch_objective(MLP((3, 3)), x, y, None, 0.1)
    assert isinstance(two, LinearObjective) and two.binary and two.size == 4
    assert isinstance(three, LinearObjective) and not three.binary and three.size == 12
    assert type(full_batch_objective(MLP((3, 4, 2)), x, y, None, 0.1)) is FullBatch


@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_regression_from_block_sums_is_the_networks_own_objective(weighted: bool) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    w = rng.uniform(0.5, 2.0, size=60) if weighted else None
    point = rng.normal(size=15)
    loss, grad = full_batch_objective(MLP((4, 3)), x, y, w, 0.3)(point)
    reference_loss, reference_grad = FullBatch(MLP((4, 3)), x, y, w, 0.3)(point)
    assert loss == pytest.approx(reference_loss, rel=1e-13)
    np.testing.assert_allclose(grad, reference_grad, rtol=1e-12, atol=1e-15)


def test_block_sums_over_parts_of_the_rows_add_up_to_the_sums_over_all() -> None:
    rng = np.random.default_rng(4)
    x, y, w = rng.normal(size=(50, 4)), rng.integers(0, 3, size=50), rng.uniform(size=50)
    point = rng.normal(size=15)
    whole = softmax_regression_sums(point, x, y, w)
    parts = [slice(0, 7), slice(7, 30), slice(30, 50)]
    sums = [softmax_regression_sums(point, x[p], y[p], w[p]) for p in parts]
    added = sums[0].plus(sums[1]).plus(sums[2])
    assert added.loss == pytest.approx(whole.loss, rel=1e-13)
    np.testing.assert_allclose(added.grad, whole.grad, rtol=1e-12, atol=1e-14)
    assert added.correct == whole.correct


def lbfgs(model: MLP, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, l2: float) -> None:
    empty = np.zeros((0, x.shape[1])), np.zeros(0, dtype=np.intp)
    settings = FitSettings(solver="lbfgs", max_epochs=2000, l2=l2, tolerance=1e-11)
    fit(model, settings, Dataset(x, y, *empty, *empty), np.random.default_rng(0), sample_weight=w)


def test_two_class_fit_reaches_the_full_softmax_problems_optimum() -> None:
    from scipy.optimize import minimize

    x, y, w = two_class_problem(2)
    model = MLP((3, 2))
    lbfgs(model, x, y, w, 0.1)
    # The same problem over all 8 softmax parameters, solved directly.
    reference = MLP((3, 2))
    full = FullBatch(reference, x, y, w, 0.1)
    options = {"gtol": 1e-11, "ftol": 1e-15, "maxiter": 2000}
    minimize(full, full.start(), jac=True, method="L-BFGS-B", options=options)
    np.testing.assert_allclose(model.predict_proba(x), reference.predict_proba(x), atol=1e-7)
    np.testing.assert_allclose(model.weights[0], reference.weights[0], atol=1e-6)


def test_two_class_fit_is_scikit_learns_logistic_regression_at_twice_c() -> None:
    # Ours: mean CE + l2/4 ||w||^2 over the difference; scikit-learn's: C sum CE + ||w||^2/2.
    # They agree at C = 2 / (n l2).
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    model = MLP((30, 2))
    lbfgs(model, x, y.astype(np.intp), None, 1 / len(x))
    reference = LogisticRegression(C=2.0, tol=1e-11, max_iter=5000).fit(x, y)
    np.testing.assert_allclose(model.predict_proba(x), reference.predict_proba(x), atol=1e-6)
