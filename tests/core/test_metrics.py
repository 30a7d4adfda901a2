"""Classification metrics against scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, f1_score, log_loss, precision_recall_fscore_support

from softmax_cli.core.trainer.metrics import evaluate_logits


@given(st.integers(0, 1000))
def test_metrics_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(50, 4))
    probs = scipy.special.softmax(logits, axis=1)
    targets = rng.integers(0, 4, size=50)
    got = evaluate_logits(logits, targets)
    predicted = probs.argmax(axis=1)
    np.testing.assert_array_equal(got.matrix, confusion_matrix(targets, predicted, labels=range(4)))
    precision, recall, f1, support = precision_recall_fscore_support(
        targets, predicted, labels=range(4), zero_division=0
    )
    np.testing.assert_allclose(got.scores.precision, precision)
    np.testing.assert_allclose(got.scores.recall, recall)
    np.testing.assert_allclose(got.scores.f1, f1)
    np.testing.assert_array_equal(got.scores.support, support)
    assert got.macro_f1 == pytest.approx(f1_score(targets, predicted, average="macro"))
    assert got.loss == pytest.approx(log_loss(targets, probs, labels=range(4)))
    assert got.accuracy == np.mean(predicted == targets)


def test_log_loss_is_finite_where_a_probability_underflows() -> None:
    """p(target) = exp(-800) is 0 as a float; -log_softmax still gives the loss, 800."""
    got = evaluate_logits(np.array([[0.0, 800.0], [2.0, 0.0]]), np.array([0, 0]))
    assert got.loss == pytest.approx((800.0 + np.log1p(np.exp(-2.0))) / 2, rel=1e-15)
    assert got.accuracy == 0.5
