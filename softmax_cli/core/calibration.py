"""Temperature scaling and calibration metrics on NumPy arrays.

A classifier is calibrated when, among the samples it gives a top probability near c, a
fraction c is right. Temperature scaling (Guo et al. 2017, "On Calibration of Modern
Neural Networks") divides every logit by one T > 0, fitted to minimise the mean negative
log-likelihood (NLL) of ``softmax(z / T)``; the predicted class never changes.

Logits have shape ``(n_samples, n_classes)``: any finite float or ``-inf`` (a masked class,
which keeps probability 0 at every T), no row all ``-inf``, and never ``-inf`` for a row's
target (its NLL would be infinite at every T). Targets are class indices, shape
``(n_samples,)``. SciPy is imported only when a temperature is fitted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.activations import MaskedRowError

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray, IntArray

T_BOUNDS = (1e-3, 1e3)  # where the fit searches for T
DEFAULT_BINS = 15  # Guo et al.'s M
# A masked logit, after each row is shifted so that its maximum is 0: exp(x / T) is
# exactly 0 for any T below 1e297, and x / T stays finite for any T above 1e-8, so that
# p * x is 0 rather than the nan of 0 * -inf.
_MASKED = -1e300


class TemperatureFit(NamedTuple):
    """The fitted ``temperature``, and ``bound``: ``None`` for a true minimum of the NLL,
    ``"lower"`` or ``"upper"`` when the NLL still falls at that end of ``T_BOUNDS``, so the
    temperature is the bound reached rather than an optimum."""

    temperature: float
    bound: str | None = None

    @property
    def note(self) -> str | None:
        """Why the temperature is a bound, when it is one."""
        if self.bound == "lower":
            return (
                f"T = {self.temperature:g} is the search's lower bound, not an optimum: the NLL "
                "still falls as T -> 0, as it does when every prediction is right"
            )
        if self.bound == "upper":
            return (
                f"T = {self.temperature:g} is the search's upper bound, not an optimum: the NLL "
                "still falls as T grows, as it does when the logits say nothing about the targets"
            )
        return None


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


class _Scores(NamedTuple):
    """Logits shifted so that each row's maximum is 0 (masked entries at ``_MASKED``),
    the targets, the target's shifted logit per row, the predicted class, and ``work``,
    an array of the logits' shape that every evaluation reuses (a fresh one per
    evaluation costs more in page faults than its exp)."""

    logits: FloatArray
    targets: IntArray
    target_logits: FloatArray
    predicted: IntArray
    work: FloatArray


def _scores(logits: ArrayLike, targets: ArrayLike) -> _Scores:
    x = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets, dtype=np.intp)
    row_max = x.max(axis=1, keepdims=True)
    if len(x) and row_max.min() == -np.inf:
        raise MaskedRowError("a row of logits is all -inf")
    with np.errstate(over="ignore"):
        shifted = x - row_max  # a new array: the caller's logits stay as they are
    np.maximum(shifted, _MASKED, out=shifted)
    target_logits = shifted[np.arange(len(t)), t]
    if np.any(target_logits <= _MASKED):
        raise ValueError("a target class has logit -inf: its NLL is infinite at every T")
    predicted = np.argmax(shifted, axis=1)
    return _Scores(shifted, t, target_logits, predicted, np.empty_like(shifted))


def _exp_scaled(scores: _Scores, temperature: float) -> tuple[FloatArray, FloatArray]:
    """``exp(x / T)`` of the shifted logits, in ``scores.work``, and its row sums (each
    >= 1: the maximum is exp(0))."""
    exps = scores.work
    with np.errstate(over="ignore"):  # x / T below -1.8e308 becomes -inf: exp gives 0
        np.multiply(scores.logits, 1.0 / temperature, out=exps)
    np.exp(exps, out=exps)
    # A product with ones sums the rows several times faster than sum(axis=1) for few columns.
    return exps, exps @ np.ones(exps.shape[1])


def _nll(scores: _Scores, sums: FloatArray, temperature: float) -> float:
    # -log softmax(x / T)[t] = log sum_k exp(x_k / T) - x_t / T
    return float(np.mean(np.log(sums)) - np.mean(scores.target_logits) / temperature)


def _nll_and_slope(scores: _Scores, temperature: float) -> tuple[float, float]:
    exps, sums = _exp_scaled(scores, temperature)
    # d NLL / dT = (x_t - E_p[x]) / T^2, with E_p[x] = sum_k p_k x_k; d log T = dT / T.
    expected = np.einsum("ij,ij->i", exps, scores.logits) / sums
    slope = float(np.mean(scores.target_logits) - np.mean(expected)) / temperature
    return _nll(scores, sums, temperature), slope


def nll_and_slope(logits: ArrayLike, targets: ArrayLike, temperature: float) -> tuple[float, float]:
    """The mean NLL of ``softmax(logits / T)`` against ``targets``, and its derivative with
    respect to ``log T``."""
    return _nll_and_slope(_scores(logits, targets), temperature)


def _fit(scores: _Scores, bounds: tuple[float, float]) -> TemperatureFit:
    # The NLL is convex in 1/T (its second derivative is the mean variance of x under p),
    # so its slope in log T changes sign at most once, from - to +. Walk out from T = 1
    # (to 2, 4, 16, 256, then the bound; or 1/2, 1/4, ...) until the slope changes sign,
    # then find the root with Brent's method. Staying near T = 1 matters for speed too:
    # at small T most exps underflow, and exp is many times slower there.
    from scipy.optimize import brentq

    slopes: dict[float, float] = {}

    def slope(log_t: float) -> float:
        if log_t not in slopes:
            slopes[log_t] = _nll_and_slope(scores, math.exp(log_t))[1]
        return slopes[log_t]

    if slope(0.0) == 0.0:
        return TemperatureFit(1.0)  # T = 1 is optimal, or no T changes anything
    sign = 1.0 if slopes[0.0] < 0.0 else -1.0  # which way the NLL falls: up or down in T
    bound = bounds[1] if sign > 0 else bounds[0]
    limit = abs(math.log(bound))
    inner, outer = 0.0, sign * min(math.log(2.0), limit)
    while sign * slope(outer) < 0.0 and abs(outer) < limit:
        inner, outer = outer, sign * min(2.0 * abs(outer), limit)
    if abs(outer) == limit and sign * slope(outer) <= 0.0:
        # Still falling at the bound (or flat: every exp but the top one underflows).
        return TemperatureFit(bound, "upper" if sign > 0 else "lower")
    # xtol in log T is a relative tolerance in T: 1e-8, a hundredth of what we promise.
    return TemperatureFit(math.exp(brentq(slope, min(inner, outer), max(inner, outer), xtol=1e-8)))


def fit_temperature(
    logits: ArrayLike, targets: ArrayLike, bounds: tuple[float, float] = T_BOUNDS
) -> TemperatureFit:
    """The T in ``bounds`` (which must contain 1) that minimises the mean NLL of
    ``softmax(logits / T)``, to a relative 1e-8."""
    return _fit(_scores(logits, targets), bounds)


def reliability_bins(confidences: ArrayLike, correct: ArrayLike, n_bins: int) -> ReliabilityBins:
    """Sort top probabilities, shape ``(n,)``, into ``n_bins`` bins ``((m-1)/M, m/M]``.

    A confidence exactly on an edge goes to the lower bin and 0 to the first (Guo et al.'s
    convention, and scikit-learn's ``calibration_curve``); 1 goes to the last. ``correct``
    marks the samples whose predicted class is the target.
    """
    c = np.asarray(confidences, dtype=np.float64)
    edges = np.arange(n_bins + 1) / n_bins
    # searchsorted(side="left") gives i with edges[i-1] < c <= edges[i]: bin i - 1.
    index = np.clip(np.searchsorted(edges, c, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)

    def mean(weights: ArrayLike) -> FloatArray:
        sums = np.bincount(index, weights=weights, minlength=n_bins)
        return np.asarray(np.divide(sums, counts, out=np.full(n_bins, np.nan), where=counts > 0))

    return ReliabilityBins(
        edges[:-1], edges[1:], counts, mean(c), mean(np.asarray(correct, dtype=np.float64))
    )


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
    return _brier(np.array(probs, dtype=np.float64), np.asarray(targets, dtype=np.intp))


def _brier(probs: FloatArray, targets: IntArray) -> float:
    """The Brier score, overwriting ``probs``: each row's target entry becomes p_t - 1."""
    probs[np.arange(len(targets)), targets] -= 1.0
    return float(np.mean(np.einsum("ij,ij->i", probs, probs)))


def _metrics(scores: _Scores, temperature: float, n_bins: int) -> CalibrationMetrics:
    exps, sums = _exp_scaled(scores, temperature)
    nll = _nll(scores, sums, temperature)
    correct: BoolArray = scores.predicted == scores.targets
    # The top class has exp(0) = 1, so its probability is 1 / sum.
    bins = reliability_bins(1.0 / sums, correct, n_bins)
    probs = np.divide(exps, sums[:, None], out=exps)
    return CalibrationMetrics(
        nll=nll,
        accuracy=float(np.mean(correct)),
        brier=_brier(probs, scores.targets),
        ece=expected_calibration_error(bins),
        mce=max_calibration_error(bins),
        bins=bins,
    )


def calibration_metrics(
    logits: ArrayLike, targets: ArrayLike, temperature: float = 1.0, n_bins: int = DEFAULT_BINS
) -> CalibrationMetrics:
    """NLL, accuracy, Brier score, ECE, MCE and reliability bins of ``softmax(logits / T)``."""
    return _metrics(_scores(logits, targets), temperature, n_bins)


def calibrate(
    logits: ArrayLike,
    targets: ArrayLike,
    n_bins: int = DEFAULT_BINS,
    bounds: tuple[float, float] = T_BOUNDS,
) -> Calibration:
    """Fit T and measure calibration before (T = 1) and after, ``n_bins`` bins each."""
    scores = _scores(logits, targets)
    fit = _fit(scores, bounds)
    before = _metrics(scores, 1.0, n_bins)
    after = _metrics(scores, fit.temperature, n_bins)
    return Calibration(fit, len(scores.targets), before, after)
