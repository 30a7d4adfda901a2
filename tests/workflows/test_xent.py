"""The xent workflow's per-chunk scores: properties that hold for any logits and targets."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.io.streaming.rows import Chunk
from softmax_cli.workflows.calculator.loss_input import LossConfig
from softmax_cli.workflows.calculator.xent import LossTotals, score

finite_rows = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        arrays(np.float64, (5, k), elements=st.floats(-300, 300)),
        arrays(np.int64, (5,), elements=st.integers(0, k - 1)),
    )
)


@given(finite_rows, st.floats(0, 0.99))
def test_bits_are_nats_over_ln2_and_smoothing_stays_non_negative(
    case: tuple, smoothing: float
) -> None:
    logits, targets = case
    chunk = Chunk(logits, np.arange(1, 6))
    nats = score(chunk, targets, LossConfig(label_smoothing=smoothing)).losses
    bits = score(chunk, targets, LossConfig(label_smoothing=smoothing, base="2")).losses
    assert np.all(nats >= 0)
    np.testing.assert_allclose(bits, nats / math.log(2), rtol=1e-12)


@given(
    st.integers(2, 5).flatmap(
        lambda k: st.tuples(
            arrays(np.float64, (9, k), elements=st.floats(-50, 50) | st.just(-np.inf)),
            arrays(np.int64, (9,), elements=st.integers(0, k - 1)),
        )
    ),
    st.integers(0, 9),
)
def test_totals_of_two_parts_plus_are_the_totals_of_all(case: tuple, split: int) -> None:
    """Shards' totals added (``plus``, ``+``) are those of every row at once, the first
    infinite loss included, wherever the rows are split."""
    logits, targets = case
    logits[:, 0] = 0.0  # no row all -inf, which xent refuses before scoring
    config = LossConfig(weights=tuple(range(1, logits.shape[1] + 1)))
    parts = []
    for rows in (slice(0, split), slice(split, 9)):
        chunk = Chunk(logits[rows], np.arange(1, 10)[rows])
        part = LossTotals(config.weights)
        part.add(score(chunk, targets[rows], config))
        parts.append(part)
    whole = LossTotals(config.weights)
    whole.add(score(Chunk(logits, np.arange(1, 10)), targets, config))
    total = parts[0] + parts[1]
    assert total.plus(LossTotals(config.weights)).rows == total.rows == whole.rows == 9
    assert (total.correct, total.infinite) == (whole.correct, whole.infinite)
    assert total.first_infinite_line == whole.first_infinite_line
    assert total.weight_sum == whole.weight_sum
    if math.isfinite(whole.loss_sum):
        assert math.isclose(total.loss_sum, whole.loss_sum, rel_tol=1e-12, abs_tol=1e-300)
    else:
        assert total.loss_sum == whole.loss_sum
