"""Temperature scaling and calibration metrics on NumPy arrays.

A classifier is calibrated when, among the samples it gives a top probability near c, a
fraction c is right. Temperature scaling (Guo et al. 2017, "On Calibration of Modern
Neural Networks") divides every logit by one T > 0, fitted to minimise the mean negative
log-likelihood (NLL) of ``softmax(z / T)``; the predicted class never changes.

Logits have shape ``(n_samples, n_classes)``: any finite float or ``-inf`` (a masked class,
which keeps probability 0 at every T), no row all ``-inf``, and never ``-inf`` for a row's
target (its NLL would be infinite at every T). Targets are class indices, shape
``(n_samples,)``.

Every figure is a sum over rows divided by their number (``core.calibration_sums``): here
the sums come from one array in memory; ``calibrate_by`` takes them from anywhere, such
as the blocks of a file read again for every temperature the fit tries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.calibration_fit import T_BOUNDS, TemperatureFit, fit_temperature_by
from softmax_cli.core.calculator.calibration_sums import (
    bin_sums,
    block_metric_sums,
    block_nll_sums,
    brier_rows,
    metric_sums,
    nll_sums,
    shifted_scores,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray
    from softmax_cli.core.calculator.calibration_fit import Evaluate
    from softmax_cli.core.calculator.calibration_sums import MetricSums

DEFAULT_BINS = 15  # Guo et al.'s M


class ReliabilityBins(NamedTuple):
    """``M`` equal-width bins on the top probability, each array of shape ``(M,)``: bin m
    holds the confidences in ``(lower[m], upper[m]]`` (the first bin also takes 0), with
    their ``counts``, mean ``confidence`` and ``accuracy`` (``nan`` in an empty bin)."""

    lower: FloatArray
    upper: FloatArray
    counts: IntArray
    confidence: FloatArray
    accuracy: FloatArray

    @property
    def gap(self) -> FloatArray:
        """Accuracy minus confidence per bin: negative where the model is over-confident."""
        return np.asarray(self.accuracy - self.confidence)

    def rows(self) -> list[tuple[float, float, int, float, float]]:
        """One tuple of Python numbers per bin: ``(lower, upper, count, confidence,
        accuracy)``, for a table or JSON."""
        return list(zip(*(field.tolist() for field in self), strict=True))


class CalibrationMetrics(NamedTuple):
    """How well ``softmax(z / T)`` is calibrated at one temperature: mean ``nll`` in nats,
    ``accuracy``, the multiclass ``brier`` score in [0, 2], ``ece`` and ``mce``, and the
    reliability ``bins`` they come from."""

    nll: float
    accuracy: float
    brier: float
    ece: float
    mce: float
    bins: ReliabilityBins

    def scalars(self) -> dict[str, float]:
        """The five numbers by name, in the order above (``METRICS``)."""
        return {name: getattr(self, name) for name in METRICS}


METRICS = ("nll", "accuracy", "brier", "ece", "mce")


class Calibration(NamedTuple):
    """A temperature fitted on ``rows`` samples, with the metrics ``before`` (T = 1) and
    ``after`` (the fitted T)."""

    fit: TemperatureFit
    rows: int
    before: CalibrationMetrics
    after: CalibrationMetrics

    @property
    def temperature(self) -> float:
        return self.fit.temperature

    @property
    def n_bins(self) -> int:
        return len(self.before.bins.counts)


class NllPoint(NamedTuple):
    """The mean NLL at one temperature, and its first and second derivatives in log T."""

    nll: float
    slope: float
    curvature: float


def nll_derivatives(logits: ArrayLike, targets: ArrayLike, temperature: float) -> NllPoint:
    """The mean NLL of ``softmax(logits / T)`` against ``targets``, and its first and
    second derivatives with respect to ``log T``."""
    sums = block_nll_sums(logits, targets, temperature)
    return NllPoint(sums.nll / sums.rows, sums.slope / sums.rows, sums.curvature / sums.rows)


def fit_temperature(
    logits: ArrayLike, targets: ArrayLike, bounds: tuple[float, float] = T_BOUNDS
) -> TemperatureFit:
    """The T in ``bounds`` (which must contain 1) that minimises the mean NLL of
    ``softmax(logits / T)``, to a relative 1e-9."""
    return fit_temperature_by(partial(nll_sums, shifted_scores(logits, targets)), bounds)


def reliability_bins(confidences: ArrayLike, correct: ArrayLike, n_bins: int) -> ReliabilityBins:
    """Sort top probabilities, shape ``(n,)``, into ``n_bins`` bins ``((m-1)/M, m/M]``.

    A confidence exactly on an edge goes to the lower bin and 0 to the first (Guo et al.'s
    convention, and scikit-learn's ``calibration_curve``); 1 goes to the last. ``correct``
    marks the samples whose predicted class is the target.
    """
    return _bins(*bin_sums(confidences, correct, n_bins))


def _bins(counts: IntArray, confidence: FloatArray, correct: FloatArray) -> ReliabilityBins:
    """The bins from their counts and sums of confidences and of correct predictions."""
    n_bins = len(counts)
    edges = np.arange(n_bins + 1) / n_bins

    def mean(sums: FloatArray) -> FloatArray:
        return np.asarray(np.divide(sums, counts, out=np.full(n_bins, np.nan), where=counts > 0))

    return ReliabilityBins(edges[:-1], edges[1:], counts, mean(confidence), mean(correct))


def expected_calibration_error(bins: ReliabilityBins) -> float:
    """ECE = sum_m |B_m| / n * |acc(B_m) - conf(B_m)|, over the non-empty bins."""
    filled = bins.counts > 0
    weights = bins.counts[filled] / bins.counts.sum()
    return float(np.sum(weights * np.abs(bins.gap[filled])))


def max_calibration_error(bins: ReliabilityBins) -> float:
    """MCE: the largest |acc(B_m) - conf(B_m)| over the non-empty bins."""
    return float(np.max(np.abs(bins.gap[bins.counts > 0])))


def brier_score(probs: ArrayLike, targets: ArrayLike) -> float:
    """The multiclass Brier score: the mean over rows of sum_k (p_k - y_k)^2, in [0, 2]."""
    p = np.array(probs, dtype=np.float64)  # a copy, for brier_rows to overwrite
    return float(np.mean(brier_rows(p, np.asarray(targets, dtype=np.intp))))


def metrics_from_sums(sums: MetricSums) -> CalibrationMetrics:
    """The metrics from their sums over every row (``rows`` > 0): each sum divided by
    the row count, the bins' sums by their counts."""
    bins = _bins(sums.bin_counts, sums.bin_confidence, sums.bin_correct)
    return CalibrationMetrics(
        nll=sums.nll / sums.rows,
        accuracy=sums.correct / sums.rows,
        brier=sums.brier / sums.rows,
        ece=expected_calibration_error(bins),
        mce=max_calibration_error(bins),
        bins=bins,
    )


def calibration_metrics(
    logits: ArrayLike, targets: ArrayLike, temperature: float = 1.0, n_bins: int = DEFAULT_BINS
) -> CalibrationMetrics:
    """NLL, accuracy, Brier score, ECE, MCE and reliability bins of ``softmax(logits / T)``."""
    return metrics_from_sums(block_metric_sums(logits, targets, temperature, n_bins))


def calibrate_by(
    evaluate: Evaluate,
    metrics_at: Callable[[float], MetricSums],
    bounds: tuple[float, float] = T_BOUNDS,
) -> Calibration:
    """Fit T from the NLL's sums at each T it tries (``evaluate``), then measure
    calibration from the metrics' sums (``metrics_at``) at T = 1 and at the fitted T."""
    fit = fit_temperature_by(evaluate, bounds)
    before = metrics_at(1.0)
    after = metrics_at(fit.temperature)
    return Calibration(fit, before.rows, metrics_from_sums(before), metrics_from_sums(after))


def calibrate(
    logits: ArrayLike,
    targets: ArrayLike,
    n_bins: int = DEFAULT_BINS,
    bounds: tuple[float, float] = T_BOUNDS,
    *,
    copy: bool = True,
) -> Calibration:
    """Fit T and measure calibration before (T = 1) and after, ``n_bins`` bins each.

    With ``copy=False`` a float64 ``logits`` array is shifted in place rather than
    copied, which saves n x K floats when the caller has no further use for it."""
    scores = shifted_scores(logits, targets, copy)
    return calibrate_by(partial(nll_sums, scores), lambda t: metric_sums(scores, t, n_bins), bounds)
