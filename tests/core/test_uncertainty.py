"""Entropy, perplexity, margin and top-k against SciPy and hand-made rows."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator.activations import shifted_logits, softmax
from softmax_cli.core.calculator.uncertainty import Distribution, perplexity, top_k


def distribution_of(logits: np.ndarray) -> Distribution:
    """The distributions of softmax(logits), as stats lays them out: a row per class."""
    return Distribution.from_shifted(shifted_logits(logits.T, axis=0))


def entropy_of(logits: np.ndarray) -> np.ndarray:
    """The entropy in nats of softmax(logits), as stats computes it."""
    return distribution_of(logits).entropy


logits = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 8)),
    elements=st.floats(-50, 50, allow_nan=False),
)
wide_logits = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 24)),  # past the 16 classes of column-wise paths
    elements=st.floats(-50, 50, allow_nan=False),
)
probabilities = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 8)),
    elements=st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5, 1.0]),
)


@given(logits)
def test_entropy_of_logits_agrees_with_scipy(z: np.ndarray) -> None:
    expected = scipy.stats.entropy(softmax(z), axis=1)
    distribution = distribution_of(z)
    probs = distribution.probs()
    np.testing.assert_allclose(distribution.entropy, expected, atol=1e-12)
    np.testing.assert_allclose(probs, softmax(z), rtol=1e-14)
    np.testing.assert_array_equal(distribution.max_prob(), probs.max(axis=1))


@given(wide_logits)
def test_margin_is_the_gap_between_the_two_largest_probabilities(z: np.ndarray) -> None:
    p = softmax(z)
    ordered = -np.sort(-p, axis=1)
    runner_up = ordered[:, 1] if p.shape[1] > 1 else 0.0
    # (1 - e_2) / S is p_1 - p_2 with one rounding instead of three.
    gap = ordered[:, 0] - runner_up
    np.testing.assert_allclose(distribution_of(z).margin(), gap, rtol=0, atol=1e-15)


@given(probabilities)
def test_entropy_of_probabilities_with_zeros_agrees_with_scipy(p: np.ndarray) -> None:
    p = p[p.sum(axis=1) > 0]
    p = p / p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    expected = scipy.stats.entropy(p, axis=1)
    np.testing.assert_allclose(entropy_of(log_p), expected, atol=1e-12)


@pytest.mark.parametrize("n_classes", [1, 2, 3, 10, 1000])
def test_uniform_over_k_classes_gives_ln_k_and_perplexity_k(n_classes: int) -> None:
    h = entropy_of(np.zeros((2, n_classes)))
    np.testing.assert_allclose(h, math.log(n_classes), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(perplexity(h), n_classes, rtol=1e-12)


@pytest.mark.parametrize(
    "log_probs",
    [
        [0.0, -np.inf, -np.inf],  # one-hot probabilities
        [-np.inf, 0.0],
        [0.0],
    ],
)
def test_a_one_hot_row_has_entropy_0_without_a_warning(log_probs: list[float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = entropy_of(np.array([log_probs]))
    assert h.tolist() == [0.0] and not np.signbit(h[0])  # +0, which prints as 0.000
    assert perplexity(h).tolist() == [1.0]


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        ([0.0, 0.0, -np.inf], math.log(2)),  # a masked class counts for nothing
        ([1000.0, -1000.0], 0.0),  # the loser's probability underflows to 0
        ([0.0, -745.0], 745.0 * math.exp(-745.0)),  # a subnormal probability keeps its term
    ],
)
def test_extreme_and_masked_logits(z: list[float], expected: float) -> None:
    h = entropy_of(np.array([z]))[0]
    assert h == pytest.approx(expected, rel=1e-6, abs=1e-300)


@given(logits)
def test_perplexity_is_the_same_in_any_base(z: np.ndarray) -> None:
    nats = entropy_of(z)
    bits = nats / math.log(2)
    np.testing.assert_allclose(2.0**bits, perplexity(nats), rtol=1e-12)


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ([0.5, 0.3, 0.2], 0.2),
        ([0.2, 0.3, 0.5], 0.2),
        ([0.4, 0.4, 0.2], 0.0),  # a tie at the top
        ([0.0, 1.0, 0.0], 1.0),
        ([1.0], 1.0),  # no runner-up
    ],
)
def test_margin(probs: list[float], expected: float) -> None:
    with np.errstate(divide="ignore"):
        log_probs = np.log(np.array([probs]))
    assert distribution_of(log_probs).margin()[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    ("probs", "k", "classes"),
    [
        ([0.1, 0.6, 0.3], 2, [1, 2]),
        ([0.3, 0.2, 0.3, 0.2], 3, [0, 2, 1]),  # ties: the lower index first
        ([0.3, 0.2, 0.3, 0.2], 4, [0, 2, 1, 3]),
        ([0.25, 0.25, 0.25, 0.25], 1, [0]),
        ([0.0, 0.0, 1.0], 3, [2, 0, 1]),
    ],
)
def test_top_k_order_and_ties(probs: list[float], k: int, classes: list[int]) -> None:
    got, values = top_k(np.array([probs]), k)
    assert got.tolist() == [classes]
    assert values.tolist() == [[probs[c] for c in classes]]


@given(probabilities, st.integers(1, 8))
def test_top_k_sorts_by_probability_then_index(p: np.ndarray, k: int) -> None:
    k = min(k, p.shape[1])
    classes, values = top_k(p, k)
    for row, got in zip(p, classes, strict=True):
        expected = sorted(range(len(row)), key=lambda i: (-row[i], i))[:k]
        assert got.tolist() == expected
    np.testing.assert_array_equal(values, np.take_along_axis(p, classes, axis=1))
    np.testing.assert_array_equal(classes[:, 0], np.argmax(p, axis=1))


@pytest.mark.parametrize("k", [0, 4])
def test_top_k_out_of_range(k: int) -> None:
    with pytest.raises(ValueError, match="between 1 and the number of classes"):
        top_k(np.ones((1, 3)) / 3, k)


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 12)),
        elements=st.sampled_from([-np.inf, -1.0, 0.0, 2.0]),  # many ties for the top
    ).filter(lambda z: np.isfinite(z).any(axis=1).all())
)
def test_argmax_is_numpys_first_largest(z: np.ndarray) -> None:
    np.testing.assert_array_equal(distribution_of(z).argmax, np.argmax(z, axis=1))


@pytest.mark.parametrize("n_classes", [1, 255, 256, 257, 70_000])
def test_argmax_with_many_classes(n_classes: int) -> None:
    z = np.zeros((3, n_classes))
    z[1, -1] = z[2, n_classes // 2] = 1.0
    assert distribution_of(z).argmax.tolist() == [0, n_classes - 1, n_classes // 2]
