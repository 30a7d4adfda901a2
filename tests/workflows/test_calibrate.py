"""The calibrate workflow: rows collected across chunks, rows whose target is impossible,
and how the fitted temperature is applied."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator.calibration import fit_temperature
from softmax_cli.errors import DataError
from softmax_cli.io.streaming.rows import Chunk, SkipReport
from softmax_cli.workflows.calculator.calibrate import collect_rows, how_to_apply
from softmax_cli.workflows.calculator.loss_input import LossConfig


class Rows:
    """A row source made of given chunks, as a reader hands them on."""

    def __init__(self, *chunks: Chunk) -> None:
        self.chunks = chunks
        self.labels = None
        self.n_columns = chunks[0].values.shape[1] if chunks else None
        self.skipped = SkipReport()

    def __iter__(self) -> Iterator[Chunk]:
        return iter(self.chunks)


def chunk(values: list[list[float]], first_line: int, targets: list[int] | None) -> Chunk:
    lines = np.arange(first_line, first_line + len(values), dtype=np.int64)
    t = None if targets is None else np.array(targets, dtype=np.intp)
    return Chunk(np.array(values, dtype=np.float64), lines, t)


def test_rows_from_every_chunk_are_kept_as_log_probabilities() -> None:
    source = Rows(chunk([[1, 2], [3, 4]], 2, [0, 1]), chunk([[0, 0]], 10, [1]))
    log_probs, targets = collect_rows(source, LossConfig(), None, skip_invalid=False)
    assert log_probs.dtype == np.float64 and log_probs.shape == (3, 2)
    np.testing.assert_allclose(log_probs, scipy.special.log_softmax([[1, 2], [3, 4], [0, 0]], 1))
    assert targets.tolist() == [0, 1, 1]


def test_a_fixed_target_fills_every_row() -> None:
    source = Rows(chunk([[1, 2], [3, 4]], 1, None))
    _, targets = collect_rows(source, LossConfig(), 1, skip_invalid=False)
    assert targets.tolist() == [1, 1]


def test_an_impossible_target_stops_at_its_line_or_is_skipped() -> None:
    def rows() -> Rows:
        return Rows(
            chunk([[0.5, 0.5], [0.2, 0.8]], 2, [0, 1]),
            chunk([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], 7, [1, 1, 0]),
        )

    config = LossConfig(probs=True)
    with pytest.raises(DataError, match=r"^line 7: the target class has probability 0"):
        collect_rows(rows(), config, None, skip_invalid=False)
    source = rows()
    log_probs, targets = collect_rows(source, config, None, skip_invalid=True)
    assert targets.tolist() == [0, 1, 1]
    assert source.skipped.count == 2 and source.skipped.first_lines == [7, 9]
    assert np.exp(log_probs[2]).tolist() == [0.0, 1.0]  # a zero kept as log 0 = -inf


def test_no_rows() -> None:
    log_probs, targets = collect_rows(Rows(), LossConfig(), None, skip_invalid=False)
    assert (log_probs.size, targets.size) == (0, 0)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (LossConfig(), "softmax -t 2.5 on the same logits"),
        (LossConfig(probs=True), "softmax -t 2.5 on the log-probabilities, log p"),
        (LossConfig(binary=True), "p = sigmoid(z / 2.5)"),
        (LossConfig(binary=True, probs=True), "p = sigmoid(logit(p) / 2.5)"),
    ],
)
def test_how_to_apply(config: LossConfig, expected: str) -> None:
    assert how_to_apply(config, 2.5) == expected


# Logits on a grid of quarters: two logits are equal or at least 0.25 apart. With gaps
# such as 2e-16, which softmax's rounding erases, the optimal T hangs on the gap itself
# (a T near 0.03 balanced 1e-16 against exp(-1 / T)) and no fit from probabilities can
# recover it.
quarter_logits = st.integers(-80, 80).map(lambda q: q / 4)
logits_and_targets = st.integers(2, 5).flatmap(
    lambda k: st.tuples(
        arrays(np.float64, (12, k), elements=quarter_logits),
        arrays(np.int64, (12,), elements=st.integers(0, k - 1)),
    )
)


@given(logits_and_targets)
def test_probabilities_fit_the_temperature_of_their_logits(case: tuple) -> None:
    logits, targets = case
    probs = scipy.special.softmax(logits, axis=1)
    from_logits, _ = collect_rows(
        Rows(chunk(logits.tolist(), 1, targets.tolist())), LossConfig(), None, False
    )
    from_probs, _ = collect_rows(
        Rows(chunk(probs.tolist(), 1, targets.tolist())), LossConfig(probs=True), None, False
    )
    expected = fit_temperature(from_logits, targets)
    got = fit_temperature(from_probs, targets)
    assert got.bound == expected.bound
    assert got.temperature == pytest.approx(expected.temperature, rel=1e-6)
