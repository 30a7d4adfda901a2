"""The stats workflow's per-chunk measures: temperature, bases and probabilities."""

from __future__ import annotations

import math

import numpy as np
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator.activations import softmax
from softmax_cli.io.streaming.rows import Chunk
from softmax_cli.workflows.calculator.class_scores import ScoreInput
from softmax_cli.workflows.calculator.stats import StatsConfig, measure

logits = st.integers(1, 8).flatmap(
    lambda k: arrays(np.float64, (4, k), elements=st.floats(-30, 30, allow_nan=False))
)
temperatures = st.floats(0.05, 20)


def chunk(values: np.ndarray) -> Chunk:
    return Chunk(values, np.arange(1, len(values) + 1))


@given(logits, temperatures)
def test_temperature_first_equals_stats_of_the_tempered_probabilities(
    z: np.ndarray, temperature: float
) -> None:
    tempered = measure(chunk(z), StatsConfig(ScoreInput(temperature=temperature), top=1))
    probs = softmax(z, temperature)
    direct = measure(chunk(probs), StatsConfig(ScoreInput(probs=True), top=1))
    for name in ("entropy", "perplexity", "max_prob", "margin", "top_probs"):
        np.testing.assert_allclose(getattr(tempered, name), getattr(direct, name), atol=1e-12)
    # Where the top two differ only by rounding (logits -2e-16 and 0), either is right.
    clear = direct.margin > 1e-12
    np.testing.assert_array_equal(tempered.argmax[clear], direct.argmax[clear])


@given(logits, temperatures)
def test_temperature_on_probabilities_is_a_power_renormalised(
    z: np.ndarray, temperature: float
) -> None:
    probs = softmax(z)
    got = measure(chunk(probs), StatsConfig(ScoreInput(probs=True, temperature=temperature)))
    powered = probs ** (1 / temperature)
    powered /= powered.sum(axis=1, keepdims=True)
    expected = scipy.stats.entropy(powered, axis=1)
    np.testing.assert_allclose(got.entropy, expected, rtol=1e-9, atol=1e-9)


@given(logits)
def test_bits_are_nats_over_ln_2_and_perplexity_does_not_change(z: np.ndarray) -> None:
    nats = measure(chunk(z), StatsConfig())
    bits = measure(chunk(z), StatsConfig(base="2"))
    np.testing.assert_allclose(bits.entropy, nats.entropy / math.log(2), rtol=1e-15)
    np.testing.assert_array_equal(bits.perplexity, nats.perplexity)
    np.testing.assert_allclose(
        bits.entropy, scipy.stats.entropy(softmax(z), base=2, axis=1), atol=1e-12
    )


def test_probabilities_are_renormalised_when_asked() -> None:
    values = np.array([[2.0, 2.0, 0.0], [1.0, 3.0, 0.0]])
    got = measure(chunk(values), StatsConfig(ScoreInput(probs=True, renormalize=True), top=2))
    np.testing.assert_allclose(got.entropy, [math.log(2), scipy.stats.entropy([1, 3])])
    np.testing.assert_allclose(got.top_probs, [[0.5, 0.5], [0.75, 0.25]])
    assert got.top_classes.tolist() == [[0, 1], [1, 0]]


@given(logits, temperatures, st.booleans())
def test_scores_by_class_are_the_shifted_scores_transposed(
    z: np.ndarray, temperature: float, probs: bool
) -> None:
    scores = ScoreInput(probs=probs, temperature=temperature)
    values = softmax(z) if probs else z
    np.testing.assert_array_equal(scores.shifted_by_class(values), scores.shifted(values).T)
