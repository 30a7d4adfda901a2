"""Cross-entropy in the core: golden values, references, hand-derived cases, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from golden import AIRPLANE_LOSS_4DP, ANIMAL_PROBS_4DP, ANIMAL_SCORES
from helpers import central_differences
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import log_loss

from softmax_cli.core.calculator import losses
from softmax_cli.core.calculator.activations import logsumexp, softmax

AIRPLANE = 3


def test_article_airplane_loss_to_four_decimals() -> None:
    loss = losses.cross_entropy([ANIMAL_SCORES], [AIRPLANE])[0]
    assert round(float(loss), 4) == AIRPLANE_LOSS_4DP
    assert np.round(softmax(ANIMAL_SCORES), 4).tolist() == list(ANIMAL_PROBS_4DP)


def test_article_airplane_loss_against_direct_formula() -> None:
    # Independent: exponentiate, normalise, -log of the target's share, all in Python floats.
    exps = [math.exp(x) for x in ANIMAL_SCORES]
    expected = -math.log(exps[AIRPLANE] / math.fsum(exps))
    loss = losses.cross_entropy([ANIMAL_SCORES], [AIRPLANE])[0]
    assert abs(float(loss) - expected) < 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_mean_matches_sklearn_log_loss(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 8))
    logits = rng.normal(scale=3.0, size=(50, n_classes))
    targets = rng.integers(0, n_classes, size=50)
    mean = losses.cross_entropy(logits, targets).mean()
    expected = log_loss(targets, scipy.special.softmax(logits, axis=1), labels=range(n_classes))
    assert float(mean) == pytest.approx(expected, rel=1e-10)


def test_probabilities_match_sklearn_log_loss() -> None:
    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.ones(4), size=40)
    targets = rng.integers(0, 4, size=40)
    per_row = losses.cross_entropy_from_log_probs(losses.log_probs_from_probs(probs), targets)
    assert float(per_row.mean()) == pytest.approx(log_loss(targets, probs, labels=range(4)))


def test_label_smoothing_by_hand() -> None:
    # p = (1/4, 3/4); e = 0.2 over K = 2 gives q = (0.1, 0.9) for target 1.
    loss = losses.cross_entropy([[0.0, math.log(3)]], [1], label_smoothing=0.2)[0]
    assert float(loss) == pytest.approx(-(0.1 * math.log(0.25) + 0.9 * math.log(0.75)))


def test_weights_and_weighted_mean_by_hand() -> None:
    logits = [[0.0, math.log(3)], [0.0, math.log(3)]]
    targets, weights = [0, 1], [2.0, 1.0]
    per_row = losses.cross_entropy(logits, targets, weights=weights)
    assert per_row.tolist() == pytest.approx([2 * math.log(4), math.log(4 / 3)])
    assert losses.target_weights(targets, weights).tolist() == [2.0, 1.0]
    assert losses.target_weights(targets, None).tolist() == [1.0, 1.0]


def test_smoothing_with_weights_follows_pytorch() -> None:
    # PyTorch: (1 - e) w_t (-log p_t) + e / K * sum_c w_c (-log p_c).
    loss = losses.cross_entropy([[0.0, math.log(3)]], [0], label_smoothing=0.2, weights=[2, 1])
    expected = 0.8 * 2 * math.log(4) + 0.1 * (2 * math.log(4) + math.log(4 / 3))
    assert float(loss[0]) == pytest.approx(expected)


def test_zero_probability_target_is_inf_without_warning_or_nan() -> None:
    log_probs = losses.log_probs_from_probs([[1.0, 0.0]])
    assert losses.cross_entropy_from_log_probs(log_probs, [1]).tolist() == [math.inf]
    assert losses.cross_entropy_from_log_probs(log_probs, [0]).tolist() == [0.0]
    # A zero-weight class with probability 0 adds nothing (not 0 * inf = nan).
    smoothed = losses.cross_entropy_from_log_probs(
        log_probs, [0], label_smoothing=0.1, weights=[1.0, 0.0]
    )
    assert smoothed.tolist() == [0.0]


def test_clip_bounds_the_loss_like_keras() -> None:
    log_probs = losses.log_probs_from_probs([[1.0, 0.0]], clip=losses.KERAS_EPSILON)
    loss = losses.cross_entropy_from_log_probs(log_probs, [1])[0]
    assert float(loss) == pytest.approx(-math.log(1e-7))


def test_renormalize_divides_by_the_row_sum() -> None:
    log_probs = losses.log_probs_from_probs([[2.0, 6.0]], renormalize=True)
    assert np.exp(log_probs)[0].tolist() == pytest.approx([0.25, 0.75])


def test_binary_is_stable_for_huge_logits() -> None:
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1, 0, 0, 1])
    assert losses.binary_cross_entropy(z, y).tolist() == [0.0, 0.0, 1000.0, 1000.0]


def test_binary_matches_the_logistic_formula() -> None:
    z = np.linspace(-30, 30, 61)
    y = np.arange(61) % 2
    expected = -(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z))
    np.testing.assert_allclose(losses.binary_cross_entropy(z, y), expected, rtol=1e-12)


def test_binary_from_probabilities() -> None:
    log_probs = losses.binary_log_probs_from_probs([0.2, 0.9])
    per_row = losses.cross_entropy_from_log_probs(log_probs, [1, 0])
    assert per_row.tolist() == pytest.approx([-math.log(0.2), -math.log(0.1)])


def test_gradient_is_softmax_minus_onehot_over_batch() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 4))
    targets = rng.integers(0, 4, size=6)
    loss, analytic = losses.mean_cross_entropy_and_gradient(logits, targets)
    assert loss == pytest.approx(float(losses.cross_entropy(logits, targets).mean()), abs=1e-15)
    perturbed = logits.copy()
    numeric = central_differences(
        perturbed, lambda: float(losses.cross_entropy(perturbed, targets).mean())
    )
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


def test_bad_smoothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        losses.cross_entropy([[0.0, 1.0]], [0], label_smoothing=1.0)


finite_rows = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        arrays(np.float64, (5, k), elements=st.floats(-300, 300)),
        arrays(np.int64, (5,), elements=st.integers(0, k - 1)),
    )
)


@given(finite_rows)
def test_loss_is_non_negative_and_is_logsumexp_minus_target_logit(case: tuple) -> None:
    logits, targets = case
    loss = losses.cross_entropy(logits, targets)
    assert np.all(loss >= 0)
    expected = logsumexp(logits) - logits[np.arange(5), targets]
    np.testing.assert_allclose(loss, expected, rtol=1e-12, atol=1e-12)


@given(finite_rows, st.floats(-1e3, 1e3))
def test_shift_invariance(case: tuple, shift: float) -> None:
    logits, targets = case
    np.testing.assert_allclose(
        losses.cross_entropy(logits + shift, targets),
        losses.cross_entropy(logits, targets),
        rtol=1e-9,
        atol=1e-9,
    )


@given(
    arrays(np.float64, (8,), elements=st.floats(-500, 500)),
    arrays(np.int64, (8,), elements=st.integers(0, 1)),
)
def test_binary_equals_two_class_softmax_with_logits_z_and_0(z: np.ndarray, y: np.ndarray) -> None:
    # Logits (z, 0): class 0 has probability sigmoid(z), i.e. it is binary class 1.
    two_class = losses.cross_entropy(np.column_stack([z, np.zeros_like(z)]), 1 - y)
    np.testing.assert_allclose(losses.binary_cross_entropy(z, y), two_class, rtol=1e-12, atol=1e-12)


@given(
    arrays(np.float64, (8,), elements=st.floats(-800, 800)),
    arrays(np.int64, (8,), elements=st.integers(0, 1)),
    arrays(np.float64, (8,), elements=st.floats(0.0, 5.0)),
)
def test_mean_binary_loss_and_gradient_match_the_per_row_loss_and_sigmoid(
    z: np.ndarray, y: np.ndarray, w: np.ndarray
) -> None:
    loss, grad = losses.mean_binary_cross_entropy_and_gradient(z, y, w)
    per_row = losses.binary_cross_entropy(z, y)
    assert loss == pytest.approx(float(w @ per_row) / 8, rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(grad, w * (scipy.special.expit(z) - y) / 8, rtol=1e-12, atol=1e-300)


def test_mean_binary_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(5)
    z, y, w = rng.normal(scale=3, size=9), rng.integers(0, 2, size=9), rng.uniform(0.5, 2, size=9)
    _, analytic = losses.mean_binary_cross_entropy_and_gradient(z, y, w)
    numeric = central_differences(
        z, lambda: losses.mean_binary_cross_entropy_and_gradient(z, y, w)[0]
    )
    np.testing.assert_allclose(analytic, numeric, atol=1e-9)
    assert losses.mean_binary_cross_entropy_and_gradient(z, y)[0] == pytest.approx(
        float(losses.binary_cross_entropy(z, y).mean()), rel=1e-14
    )
