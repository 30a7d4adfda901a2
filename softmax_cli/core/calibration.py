"""Temperature scaling and calibration metrics on NumPy arrays.

A classifier is calibrated when, among the samples it gives a top probability near c, a
fraction c is right. Temperature scaling (Guo et al. 2017, "On Calibration of Modern
Neural Networks") divides every logit by one T > 0, fitted to minimise the mean negative
log-likelihood (NLL) of ``softmax(z / T)``; the predicted class never changes.

Logits have shape ``(n_samples, n_classes)``: any finite float or ``-inf`` (a masked class,
which keeps probability 0 at every T), no row all ``-inf``, and never ``-inf`` for a row's
target (its NLL would be infinite at every T). Targets are class indices, shape
``(n_samples,)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.activations import MaskedRowError

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray, IntArray

T_BOUNDS = (1e-3, 1e3)  # where the fit searches for T
DEFAULT_BINS = 15  # Guo et al.'s M
_BLOCK_ELEMENTS = 1 << 15  # 256 kB of float64 per block of rows: well within a CPU cache
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


class _Scores(NamedTuple):
    """Logits shifted so that each row's maximum is 0 (masked entries at ``_MASKED``),
    the targets, the target's shifted logit per row and the predicted class."""

    logits: FloatArray
    targets: IntArray
    target_logits: FloatArray
    predicted: IntArray


def _scores(logits: ArrayLike, targets: ArrayLike, copy: bool = True) -> _Scores:
    x = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets, dtype=np.intp)
    row_max = x.max(axis=1, keepdims=True)
    if len(x) and row_max.min() == -np.inf:
        raise MaskedRowError("a row of logits is all -inf")
    with np.errstate(over="ignore"):
        shifted = np.subtract(x, row_max, out=None if copy else x)
    np.maximum(shifted, _MASKED, out=shifted)
    target_logits = shifted[np.arange(len(t)), t]
    if np.any(target_logits <= _MASKED):
        raise ValueError("a target class has logit -inf: its NLL is infinite at every T")
    predicted = np.argmax(shifted, axis=1)
    return _Scores(shifted, t, target_logits, predicted)


def _exp_blocks(
    scores: _Scores, temperature: float
) -> Iterator[tuple[slice, FloatArray, FloatArray]]:
    """``exp(x / T)`` of the shifted logits, a block of rows at a time: each block's
    rows, its exps and its logits. The exps of a block stay in the CPU's cache while the
    caller reduces them several ways, so an evaluation reads the logits from memory once
    and needs no n x K temporary: several times faster than whole-array passes."""
    n_rows, n_classes = scores.logits.shape
    block = max(1, _BLOCK_ELEMENTS // n_classes)
    work = np.empty((min(block, n_rows), n_classes))
    for start in range(0, n_rows, block):
        rows = slice(start, min(start + block, n_rows))
        logits = scores.logits[rows]
        exps = work[: len(logits)]
        with np.errstate(over="ignore"):  # x / T below -1.8e308 becomes -inf: exp gives 0
            np.multiply(logits, 1.0 / temperature, out=exps)
        np.exp(exps, out=exps)
        yield rows, exps, logits


def _nll(scores: _Scores, sums: FloatArray, temperature: float) -> float:
    # -log softmax(x / T)[t] = log sum_k exp(x_k / T) - x_t / T
    return float(np.mean(np.log(sums)) - np.mean(scores.target_logits) / temperature)


def _evaluate(scores: _Scores, temperature: float) -> NllPoint:
    n_rows, n_classes = scores.logits.shape
    ones = np.ones(n_classes)  # a product with ones sums rows faster than sum(axis=1)
    sums, mean_x, mean_x2 = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows)
    for rows, exps, logits in _exp_blocks(scores, temperature):
        np.matmul(exps, ones, out=sums[rows])
        np.multiply(exps, logits, out=exps)  # 0 where a class is masked: its exp is 0
        np.matmul(exps, ones, out=mean_x[rows])
        np.einsum("ij,ij->i", exps, logits, out=mean_x2[rows])
    mean_x /= sums
    mean_x2 /= sums
    # With u = 1/T: dNLL/du = E_p[x] - x_t and d2NLL/du2 = Var_p[x], and du/dlog T = -u,
    # so dNLL/dlog T = u (x_t - E_p[x]) and d2NLL/dlog T2 = u^2 Var_p[x] - dNLL/dlog T.
    u = 1.0 / temperature
    slope = u * float(np.mean(scores.target_logits) - np.mean(mean_x))
    curvature = u * u * float(np.mean(mean_x2 - mean_x * mean_x)) - slope
    return NllPoint(_nll(scores, sums, temperature), slope, curvature)


def nll_derivatives(logits: ArrayLike, targets: ArrayLike, temperature: float) -> NllPoint:
    """The mean NLL of ``softmax(logits / T)`` against ``targets``, and its first and
    second derivatives with respect to ``log T``."""
    return _evaluate(_scores(logits, targets), temperature)


_LOG_T_TOLERANCE = 1e-9  # in log T, so a relative 1e-9 in T: near-free once Newton converges


def _fit(scores: _Scores, bounds: tuple[float, float]) -> TemperatureFit:
    # When every target is a most likely class, every row's NLL falls as T -> 0 (towards
    # 0, or log of the number of classes tied for first): no T is optimal. Decided here,
    # because the slopes that would show it underflow to 0 once the margins are wide.
    if np.all(scores.target_logits == 0.0):
        if np.all((scores.logits == 0.0) | (scores.logits == _MASKED)):
            return TemperatureFit(1.0)  # every row's logits are equal: no T changes anything
        return TemperatureFit(bounds[0], "lower")
    # Otherwise the NLL is convex in u = 1/T (its second derivative in u is the mean
    # variance of x under p) and grows without bound as T -> 0, so its slope in log T
    # changes sign once at most, from - to +. Walk out from T = 1 (to 2, 4, 16, 256, then
    # the bound; or 1/2, 1/4, ...) until the slope changes sign, then run Newton's method
    # in that bracket. Staying near T = 1 matters for speed too: at small T most exps
    # underflow, and exp is many times slower there.
    at_one = _evaluate(scores, 1.0)
    if at_one.slope == 0.0:
        return TemperatureFit(1.0)
    sign = 1.0 if at_one.slope < 0.0 else -1.0  # which way the NLL falls: up or down in T
    bound = bounds[1] if sign > 0 else bounds[0]
    limit = abs(math.log(bound))
    inner, at_inner = 0.0, at_one
    outer = sign * min(math.log(2.0), limit)
    at_outer = _evaluate(scores, math.exp(outer))
    while sign * at_outer.slope < 0.0 and abs(outer) < limit:
        inner, at_inner = outer, at_outer
        outer = sign * min(2.0 * abs(outer), limit)
        at_outer = _evaluate(scores, math.exp(outer))
    if abs(outer) == limit and sign * at_outer.slope <= 0.0:
        # Still falling at the bound: logits that say nothing about the targets (T -> inf),
        # or whose optimum lies below the lower bound.
        return TemperatureFit(bound, "upper" if sign > 0 else "lower")
    if sign > 0:
        return TemperatureFit(math.exp(_root(scores, (inner, at_inner), (outer, at_outer))))
    return TemperatureFit(math.exp(_root(scores, (outer, at_outer), (inner, at_inner))))


def _root(scores: _Scores, below: tuple[float, NllPoint], above: tuple[float, NllPoint]) -> float:
    """The log T where the slope is 0, between ``below`` (slope < 0) and ``above`` (slope
    >= 0): Newton's method, bisecting instead when a step would leave the bracket or not
    halve the step before it (as Numerical Recipes' rtsafe does)."""
    (low, at_low), (high, at_high) = below, above
    if at_high.slope == 0.0:
        return high
    log_t, point = below if -at_low.slope < at_high.slope else above
    last_step = high - low
    while True:
        newton = log_t - point.slope / point.curvature if point.curvature > 0 else math.nan
        if abs(newton - log_t) < _LOG_T_TOLERANCE:
            return newton  # converged (this step may be below one ulp of log T)
        if low < newton < high and abs(newton - log_t) <= last_step / 2:
            step_to = newton
        else:
            step_to = (low + high) / 2
        last_step = abs(step_to - log_t)
        if high - low < _LOG_T_TOLERANCE:
            return step_to
        log_t, point = step_to, _evaluate(scores, math.exp(step_to))
        if point.slope == 0.0:
            return log_t
        if point.slope < 0.0:
            low = log_t
        else:
            high = log_t


def fit_temperature(
    logits: ArrayLike, targets: ArrayLike, bounds: tuple[float, float] = T_BOUNDS
) -> TemperatureFit:
    """The T in ``bounds`` (which must contain 1) that minimises the mean NLL of
    ``softmax(logits / T)``, to a relative 1e-9."""
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
    p = np.array(probs, dtype=np.float64)  # a copy, for _brier_rows to overwrite
    return float(np.mean(_brier_rows(p, np.asarray(targets, dtype=np.intp))))


def _brier_rows(probs: FloatArray, targets: IntArray) -> FloatArray:
    """Each row's sum_k (p_k - y_k)^2, overwriting ``probs``: its target entries become
    p_t - 1, so every term is a square and the sum never dips below 0 by rounding."""
    probs[np.arange(len(targets)), targets] -= 1.0
    return np.asarray(np.einsum("ij,ij->i", probs, probs))


def _metrics(scores: _Scores, temperature: float, n_bins: int) -> CalibrationMetrics:
    n_rows, n_classes = scores.logits.shape
    ones = np.ones(n_classes)
    sums, brier = np.empty(n_rows), np.empty(n_rows)
    for rows, exps, _ in _exp_blocks(scores, temperature):
        np.matmul(exps, ones, out=sums[rows])
        probs = np.divide(exps, sums[rows, None], out=exps)
        brier[rows] = _brier_rows(probs, scores.targets[rows])
    correct: BoolArray = scores.predicted == scores.targets
    # The top class has exp(0) = 1, so its probability is 1 / sum.
    bins = reliability_bins(1.0 / sums, correct, n_bins)
    return CalibrationMetrics(
        nll=_nll(scores, sums, temperature),
        accuracy=float(np.mean(correct)),
        brier=float(np.mean(brier)),
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
    *,
    copy: bool = True,
) -> Calibration:
    """Fit T and measure calibration before (T = 1) and after, ``n_bins`` bins each.

    With ``copy=False`` a float64 ``logits`` array is shifted in place rather than
    copied, which saves n x K floats when the caller has no further use for it."""
    scores = _scores(logits, targets, copy)
    fit = _fit(scores, bounds)
    before = _metrics(scores, 1.0, n_bins)
    after = _metrics(scores, fit.temperature, n_bins)
    return Calibration(fit, len(scores.targets), before, after)
