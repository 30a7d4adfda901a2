"""Calibration as a map-reduce: per-block sums that add up to the sums over every row,
and a fit from summed blocks that equals the fit in memory and SciPy's."""

from __future__ import annotations

import itertools
import math
from functools import reduce

import numpy as np
import pytest
import scipy.optimize
import scipy.special

from softmax_cli.core.calculator.calibration import calibrate, calibrate_by, metrics_from_sums
from softmax_cli.core.calculator.calibration_sums import (
    NO_ROWS,
    MetricSums,
    NllSums,
    block_metric_sums,
    block_nll_sums,
)


def draw(seed: int, rows: int, classes: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(rows, classes))
    probs = scipy.special.softmax(logits, axis=1)
    targets = (probs.cumsum(axis=1) > rng.random((rows, 1))).argmax(axis=1)
    return logits * scale, targets


def split(rows: int, sizes: list[int]) -> list[slice]:
    """Consecutive slices of the given sizes, the last one taking the rest."""
    edges = [*np.cumsum([0, *sizes]).tolist(), rows]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


def oracle_nll(logits: np.ndarray, targets: np.ndarray, temperature: float) -> float:
    log_probs = scipy.special.log_softmax(logits / temperature, axis=1)
    return float(-np.mean(log_probs[np.arange(len(targets)), targets]))


BLOCKINGS = [[1], [7, 1, 300], [500], [999]]


@pytest.mark.parametrize("sizes", BLOCKINGS)
@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.7])
def test_block_sums_add_up_to_the_sums_over_every_row(sizes: list[int], temperature: float) -> None:
    logits, targets = draw(0, 1000, 6, 3.0)
    logits[::9, 2] = -np.inf  # masked classes
    targets = np.where(targets == 2, 0, targets)
    blocks = split(len(targets), sizes)
    whole = block_nll_sums(logits, targets, temperature)
    summed = reduce(
        NllSums.plus, (block_nll_sums(logits[b], targets[b], temperature) for b in blocks), NO_ROWS
    )
    assert summed.rows == whole.rows == 1000
    for name in ("nll", "slope", "curvature"):
        assert getattr(summed, name) == pytest.approx(getattr(whole, name), rel=1e-12)
    assert summed.nll / summed.rows == pytest.approx(
        oracle_nll(logits, targets, temperature), rel=1e-12
    )
    metrics = reduce(
        MetricSums.plus,
        (block_metric_sums(logits[b], targets[b], temperature, 10) for b in blocks),
        MetricSums.empty(10),
    )
    expected = block_metric_sums(logits, targets, temperature, 10)
    assert metrics.bin_counts.tolist() == expected.bin_counts.tolist()
    assert metrics.correct == expected.correct
    np.testing.assert_allclose(metrics.bin_confidence, expected.bin_confidence, rtol=1e-12)
    for name in ("nll", "brier"):
        assert getattr(metrics, name) == pytest.approx(getattr(expected, name), rel=1e-12)


@pytest.mark.parametrize("sizes", BLOCKINGS)
@pytest.mark.parametrize(("seed", "scale"), [(1, 3.0), (2, 0.4), (3, 1.0)])
def test_a_fit_from_summed_blocks_is_the_fit_in_memory(
    sizes: list[int], seed: int, scale: float
) -> None:
    logits, targets = draw(seed, 1000, 5, scale)
    # float32 blocks, as a file may hold them: computed in float64 all the same
    logits = logits.astype(np.float32)
    blocks = split(len(targets), sizes)
    passes = []

    def evaluate(temperature: float) -> NllSums:
        passes.append(temperature)
        parts = (block_nll_sums(logits[b], targets[b], temperature) for b in blocks)
        return reduce(NllSums.plus, parts, NO_ROWS)

    def metrics_at(temperature: float) -> MetricSums:
        parts = (block_metric_sums(logits[b], targets[b], temperature, 15) for b in blocks)
        return reduce(MetricSums.plus, parts, MetricSums.empty(15))

    streamed = calibrate_by(evaluate, metrics_at)
    in_memory = calibrate(logits.astype(np.float64), targets)
    assert streamed.fit.bound is None and passes[0] == 1.0
    assert streamed.temperature == pytest.approx(in_memory.temperature, rel=1e-9)
    assert streamed.rows == in_memory.rows == 1000
    for when in ("before", "after"):
        ours, theirs = getattr(streamed, when), getattr(in_memory, when)
        for name in ("nll", "accuracy", "brier", "ece", "mce"):
            assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-12, abs=1e-15)
        assert ours.bins.counts.tolist() == theirs.bins.counts.tolist()
    oracle = scipy.optimize.minimize_scalar(
        lambda log_t: oracle_nll(logits.astype(np.float64), targets, math.exp(log_t)),
        bounds=(math.log(1e-3), math.log(1e3)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert streamed.temperature == pytest.approx(math.exp(oracle.x), rel=1e-6)


def test_metrics_from_sums_divide_by_the_rows() -> None:
    logits, targets = draw(4, 50, 3, 2.0)
    sums = block_metric_sums(logits, targets, 1.5, 4)
    metrics = metrics_from_sums(sums)
    assert metrics.nll == pytest.approx(oracle_nll(logits, targets, 1.5), rel=1e-12)
    assert metrics.accuracy == sums.correct / 50
    assert metrics.bins.counts.sum() == 50
