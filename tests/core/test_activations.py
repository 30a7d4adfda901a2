"""The NumPy core: golden values, properties, SciPy as a reference, extreme inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
from golden import ARTICLE_LOGITS, ARTICLE_PROBS
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator import activations as core

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
rows = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=finite)
vectors = arrays(np.float64, st.integers(2, 10), elements=finite)
huge = st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False)


def test_article_softmax_golden() -> None:
    np.testing.assert_allclose(core.softmax(ARTICLE_LOGITS), ARTICLE_PROBS, atol=5e-9)
    assert [f"{p:.8f}" for p in core.softmax(ARTICLE_LOGITS)] == [f"{p:.8f}" for p in ARTICLE_PROBS]


@given(rows)
def test_rows_sum_to_one(x: np.ndarray) -> None:
    np.testing.assert_allclose(core.softmax(x).sum(axis=1), 1.0, rtol=1e-12)


@given(rows, st.floats(-1e3, 1e3))
def test_shift_invariance(x: np.ndarray, c: float) -> None:
    np.testing.assert_allclose(core.softmax(x + c), core.softmax(x), atol=1e-9, rtol=1e-6)


@given(vectors)
def test_order_preserved(x: np.ndarray) -> None:
    p = core.softmax(x)
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(p[order]) >= 0)


@given(rows)
def test_agrees_with_scipy(x: np.ndarray) -> None:
    expected = scipy.special.softmax(x, axis=1)
    np.testing.assert_allclose(core.softmax(x), expected, rtol=1e-12, atol=1e-300)
    expected_log = scipy.special.log_softmax(x, axis=1)
    np.testing.assert_allclose(core.log_softmax(x), expected_log, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        core.logsumexp(x), scipy.special.logsumexp(x, axis=1), rtol=1e-12, atol=1e-12
    )


@given(finite, finite)
def test_two_class_softmax_is_sigmoid_of_difference(a: float, b: float) -> None:
    np.testing.assert_allclose(
        core.softmax([a, b])[0], core.sigmoid(a - b), rtol=1e-12, atol=1e-300
    )


@given(vectors, st.floats(20, 1e6))
def test_low_temperature_approaches_one_hot(x: np.ndarray, sharpness: float) -> None:
    top, second = np.sort(x)[-2:][::-1]
    temperature = (top - second) / sharpness
    assume(temperature > 0)  # equal top values, or a subnormal gap that underflows to 0
    p = core.softmax(x, temperature=temperature)
    assert p[np.argmax(x)] == pytest.approx(1.0, abs=x.size * np.exp(-sharpness) + 1e-15)


@given(vectors)
def test_high_temperature_approaches_uniform(x: np.ndarray) -> None:
    p = core.softmax(x, temperature=1e12)
    np.testing.assert_allclose(p, 1.0 / x.size, rtol=1e-5)


@settings(max_examples=300)
@given(arrays(np.float64, st.integers(1, 8), elements=huge))
def test_extreme_magnitudes_are_finite_and_warning_free(x: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for temperature in (1.0, 1e-3, 1e3):
            p = core.softmax(x, temperature)
            assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
            assert np.all(core.log_softmax(x, temperature) <= 0)
        s = core.sigmoid(x)
        assert np.all((s >= 0) & (s <= 1))
        assert np.all(np.isfinite(core.log_sigmoid(x)) | (x < -1e300))


@pytest.mark.parametrize(
    ("logits", "expected"),
    [
        ([-np.inf, 0.0], [0.0, 1.0]),
        ([-np.inf, 1.0, 1.0], [0.0, 0.5, 0.5]),
        ([1e308, -1e308], [1.0, 0.0]),
        ([-1e308, -1e308], [0.5, 0.5]),
        ([1e308, 1e308, 1e308], [1 / 3, 1 / 3, 1 / 3]),
    ],
)
def test_masked_and_extreme_entries(logits: list[float], expected: list[float]) -> None:
    np.testing.assert_allclose(core.softmax(logits), expected, rtol=1e-15)


def test_log_softmax_keeps_tiny_probabilities() -> None:
    log_p = core.log_softmax([0.0, -2000.0])
    assert log_p[1] == pytest.approx(-2000.0)
    assert core.log_softmax([-np.inf, 0.0])[0] == -np.inf


@pytest.mark.parametrize("fn", [core.softmax, core.log_softmax, core.logsumexp])
def test_all_masked_row_is_an_error(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(core.MaskedRowError):
        fn([[0.0, 1.0], [-np.inf, -np.inf]])


@given(rows, st.floats(0.05, 20))
def test_shifting_a_row_per_class_is_shifting_the_transpose(x: np.ndarray, t: float) -> None:
    np.testing.assert_array_equal(core.shifted_logits(x.T, t, axis=0), core.shifted_logits(x, t).T)


def test_a_sample_masked_in_every_class_is_an_error_either_way() -> None:
    with pytest.raises(core.MaskedRowError):
        core.shifted_logits(np.array([[0.0, -np.inf], [1.0, -np.inf]]), axis=0)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan")])
def test_temperature_must_be_positive(temperature: float) -> None:
    with pytest.raises(ValueError, match="temperature"):
        core.softmax([1.0, 2.0], temperature)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-700, 700)))
def test_sigmoid_agrees_with_scipy(x: np.ndarray) -> None:
    np.testing.assert_allclose(core.sigmoid(x), scipy.special.expit(x), rtol=1e-14, atol=0)
    np.testing.assert_allclose(
        core.log_sigmoid(x), scipy.special.log_expit(x), rtol=1e-12, atol=1e-300
    )


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (-1000.0, 0.0),
        (1000.0, 1.0),
        (0.0, 0.5),
        (-np.inf, 0.0),
        (np.inf, 1.0),
        (-40.0, 4.248354255291589e-18),
    ],
)
def test_sigmoid_limits(x: float, expected: float) -> None:
    assert core.sigmoid(x) == pytest.approx(expected, rel=1e-12, abs=0)


def test_softmax_steps_walk_through() -> None:
    steps = core.softmax_steps(ARTICLE_LOGITS, temperature=1.0)
    np.testing.assert_allclose(steps.shifted, [-4.1, -3.3, 0.0])
    assert steps.sum_exps == pytest.approx(np.exp(-4.1) + np.exp(-3.3) + 1.0)
    np.testing.assert_allclose(steps.probs, ARTICLE_PROBS, atol=5e-9)
    halved = core.softmax_steps(ARTICLE_LOGITS, temperature=2.0)
    np.testing.assert_allclose(halved.scaled, np.array(ARTICLE_LOGITS) / 2)
    np.testing.assert_allclose(halved.probs, core.softmax(np.array(ARTICLE_LOGITS) / 2))


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(60, 300), st.integers(1, 20)),
        elements=finite | st.sampled_from([-np.inf, 0.0, -0.0]),
    )
)
def test_many_rows_give_the_same_probabilities_as_one_row_at_a_time(x: np.ndarray) -> None:
    """Many rows of few columns take their row maxima column by column: the same bits."""
    assume(not core.fully_masked_rows(x).any())
    together = core.softmax(x)
    apart = np.array([core.softmax(row) for row in x])
    assert together.view(np.int64).tolist() == apart.view(np.int64).tolist()
