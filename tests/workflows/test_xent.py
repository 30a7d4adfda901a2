"""The xent workflow's per-chunk scores: properties that hold for any logits and targets."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.io.streaming.rows import Chunk
from softmax_cli.workflows.calculator.loss_input import LossConfig
from softmax_cli.workflows.calculator.xent import score

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
