"""Temperature scaling's sums over a block of rows, which add up across blocks.

Every figure calibration needs is a sum over rows, divided by their number only at the
end: the NLL of ``softmax(x / T)`` and its first two derivatives in ``log T`` for the fit;
the NLL, the Brier score, the correct predictions and the reliability bins' counts and
sums for the report. So each block of rows (the whole array, a chunk of a file, a shard
on a cluster) is reduced to ``NllSums`` or ``MetricSums`` on its own, the blocks' sums
are added with ``plus``, and only the totals are divided (``core.calibration``): the same
numbers as from every row at once, in memory that does not grow with the number of rows.

A block's logits have shape ``(n, K)``: any finite float or ``-inf`` (a masked class), no
row all ``-inf`` and no target at ``-inf``; its targets are class indices, shape ``(n,)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.activations import MaskedRowError

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray, IntArray

_BLOCK_ELEMENTS = 1 << 15  # 256 kB of float64 per block of rows: well within a CPU cache
# A masked logit, after each row is shifted so that its maximum is 0: exp(x / T) is
# exactly 0 for any T below 1e297, and x / T stays finite for any T above 1e-8, so that
# p * x is 0 rather than the nan of 0 * -inf. Logits further below the maximum are
# masked too (their exp is 0 as well); a target's own logit is kept as it is, since
# x_t / T is its exact NLL term.
MASKED = -1e300
MAX_TARGET_GAP = 1e305
"""The farthest a target's logit may lie below its row's maximum: its NLL, about
gap / T, stays finite down to T = 1e-3 (the fit's lower bound), as the fit needs."""


class Scores(NamedTuple):
    """Logits shifted so that each row's maximum is 0 (masked entries at ``MASKED``),
    the targets, the target's shifted logit per row and the predicted class."""

    logits: FloatArray
    targets: IntArray
    target_logits: FloatArray
    predicted: IntArray


def shifted_scores(logits: ArrayLike, targets: ArrayLike, copy: bool = True) -> Scores:
    """Shift each row of ``logits``, shape ``(n, K)``, by its maximum, in float64 (in place
    when ``copy`` is false and they already are float64). Raises ``MaskedRowError`` for a
    row all ``-inf`` and ``ValueError`` for a target at ``-inf`` or more than
    ``MAX_TARGET_GAP`` below its row's maximum."""
    x = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets, dtype=np.intp)
    row_max = x.max(axis=1, keepdims=True)
    if len(x) and row_max.min() == -np.inf:
        raise MaskedRowError("a row of logits is all -inf")
    with np.errstate(over="ignore"):  # a finite gap over 1.8e308 is -inf, as masked
        shifted = np.subtract(x, row_max, out=None if copy else x)
    target_logits = shifted[np.arange(len(t)), t]
    if np.any(target_logits < -MAX_TARGET_GAP):
        raise ValueError(
            "a target class has logit -inf (its NLL is infinite at every T), or one more "
            f"than {MAX_TARGET_GAP:g} below its row's maximum (its NLL overflows)"
        )
    # Only now, with the targets' own logits taken: clipping a target would lose its NLL.
    np.maximum(shifted, MASKED, out=shifted)
    predicted = np.argmax(shifted, axis=1)
    return Scores(shifted, t, target_logits, predicted)


def exp_blocks(
    scores: Scores, temperature: float
) -> Iterator[tuple[slice, FloatArray, FloatArray]]:
    """``exp(x / T)`` of the shifted logits, a block of rows at a time: each block's
    rows, its exps and its logits. The exps of a block stay in the CPU's cache while the
    caller reduces them several ways, so an evaluation reads the logits from memory once
    and needs no n x K temporary: several times faster than whole-array passes."""
    n_rows, n_classes = scores.logits.shape
    block = max(1, _BLOCK_ELEMENTS // max(1, n_classes))
    work = np.empty((min(block, n_rows), n_classes))
    for start in range(0, n_rows, block):
        rows = slice(start, min(start + block, n_rows))
        logits = scores.logits[rows]
        exps = work[: len(logits)]
        with np.errstate(over="ignore"):  # x / T below -1.8e308 becomes -inf: exp gives 0
            np.multiply(logits, 1.0 / temperature, out=exps)
        np.exp(exps, out=exps)
        yield rows, exps, logits


class NllSums(NamedTuple):
    """Sums over ``rows`` rows at one temperature T: ``nll``, of -log softmax(x / T)[t];
    ``slope`` and ``curvature``, of its first and second derivatives in log T; ``on_top``,
    the rows whose target is a most likely class, and ``level``, the rows whose unmasked
    logits are all equal (counted only in a block where every target is on top: the fit
    needs them only when that holds for every row)."""

    rows: int
    nll: float
    slope: float
    curvature: float
    on_top: int
    level: int

    def plus(self, other: NllSums) -> NllSums:
        """The sums over the rows of both."""
        return NllSums(
            self.rows + other.rows,
            self.nll + other.nll,
            self.slope + other.slope,
            self.curvature + other.curvature,
            self.on_top + other.on_top,
            self.level + other.level,
        )


NO_ROWS = NllSums(0, 0.0, 0.0, 0.0, 0, 0)


def nll_sums(scores: Scores, temperature: float) -> NllSums:
    """``NllSums`` of shifted ``scores`` at ``temperature``."""
    n_rows, n_classes = scores.logits.shape
    ones = np.ones(n_classes)  # a product with ones sums rows faster than sum(axis=1)
    sums, mean_x, mean_x2 = np.empty(n_rows), np.empty(n_rows), np.empty(n_rows)
    for rows, exps, logits in exp_blocks(scores, temperature):
        np.matmul(exps, ones, out=sums[rows])
        np.multiply(exps, logits, out=exps)  # 0 where a class is masked: its exp is 0
        np.matmul(exps, ones, out=mean_x[rows])
        np.einsum("ij,ij->i", exps, logits, out=mean_x2[rows])
    mean_x /= sums
    mean_x2 /= sums
    # With u = 1/T: dNLL/du = E_p[x] - x_t and d2NLL/du2 = Var_p[x], and du/dlog T = -u,
    # so dNLL/dlog T = u (x_t - E_p[x]) and d2NLL/dlog T2 = u^2 Var_p[x] - dNLL/dlog T.
    u = 1.0 / temperature
    target_sum = float(np.sum(scores.target_logits))
    slope = u * (target_sum - float(np.sum(mean_x)))
    curvature = u * u * float(np.sum(mean_x2 - mean_x * mean_x)) - slope
    # -log softmax(x / T)[t] = log sum_k exp(x_k / T) - x_t / T
    nll = float(np.sum(np.log(sums))) - target_sum * u
    on_top = int(np.count_nonzero(scores.target_logits == 0.0))
    level = 0
    if on_top == n_rows:
        equal = (scores.logits == 0.0) | (scores.logits == MASKED)
        level = int(np.count_nonzero(np.all(equal, axis=1)))
    return NllSums(n_rows, nll, slope, curvature, on_top, level)


def block_nll_sums(logits: ArrayLike, targets: ArrayLike, temperature: float) -> NllSums:
    """``NllSums`` of one block of logits, shape ``(n, K)``, and targets, ``(n,)``."""
    return nll_sums(shifted_scores(logits, targets), temperature)


class MetricSums(NamedTuple):
    """Sums over ``rows`` rows at one temperature: ``nll``; ``brier``, of sum_k (p_k -
    y_k)^2; ``correct`` predictions; and per reliability bin, shape ``(M,)``, the
    ``bin_counts`` and the sums of the confidences (``bin_confidence``) and of the correct
    predictions (``bin_correct``)."""

    rows: int
    nll: float
    brier: float
    correct: int
    bin_counts: IntArray
    bin_confidence: FloatArray
    bin_correct: FloatArray

    def plus(self, other: MetricSums) -> MetricSums:
        """The sums over the rows of both."""
        return MetricSums(
            self.rows + other.rows,
            self.nll + other.nll,
            self.brier + other.brier,
            self.correct + other.correct,
            self.bin_counts + other.bin_counts,
            self.bin_confidence + other.bin_confidence,
            self.bin_correct + other.bin_correct,
        )

    @staticmethod
    def empty(n_bins: int) -> MetricSums:
        """The sums over no rows, for ``n_bins`` bins."""
        return MetricSums(
            0, 0.0, 0.0, 0, np.zeros(n_bins, dtype=np.int64), np.zeros(n_bins), np.zeros(n_bins)
        )


def bin_sums(
    confidences: ArrayLike, correct: ArrayLike, n_bins: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Sort top probabilities, shape ``(n,)``, into ``n_bins`` bins ``((m-1)/M, m/M]`` and
    return each bin's count, sum of confidences and sum of ``correct``, shape ``(M,)``.

    A confidence exactly on an edge goes to the lower bin and 0 to the first (Guo et al.'s
    convention, and scikit-learn's ``calibration_curve``); 1 goes to the last.
    """
    c = np.asarray(confidences, dtype=np.float64)
    edges = np.arange(n_bins + 1) / n_bins
    # searchsorted(side="left") gives i with edges[i-1] < c <= edges[i]: bin i - 1.
    index = np.clip(np.searchsorted(edges, c, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins).astype(np.int64)
    right = np.asarray(correct, dtype=np.float64)
    confidence_sums = np.asarray(np.bincount(index, weights=c, minlength=n_bins), np.float64)
    correct_sums = np.asarray(np.bincount(index, weights=right, minlength=n_bins), np.float64)
    return counts, confidence_sums, correct_sums


def brier_rows(probs: FloatArray, targets: IntArray) -> FloatArray:
    """Each row's sum_k (p_k - y_k)^2, overwriting ``probs``: its target entries become
    p_t - 1, so every term is a square and the sum never dips below 0 by rounding."""
    probs[np.arange(len(targets)), targets] -= 1.0
    return np.asarray(np.einsum("ij,ij->i", probs, probs))


def metric_sums(scores: Scores, temperature: float, n_bins: int) -> MetricSums:
    """``MetricSums`` of shifted ``scores`` at ``temperature``, in ``n_bins`` bins."""
    n_rows, n_classes = scores.logits.shape
    ones = np.ones(n_classes)
    sums, brier = np.empty(n_rows), np.empty(n_rows)
    for rows, exps, _ in exp_blocks(scores, temperature):
        np.matmul(exps, ones, out=sums[rows])
        probs = np.divide(exps, sums[rows, None], out=exps)
        brier[rows] = brier_rows(probs, scores.targets[rows])
    correct: BoolArray = scores.predicted == scores.targets
    # The top class has exp(0) = 1, so its probability is 1 / sum.
    counts, confidence, right = bin_sums(1.0 / sums, correct, n_bins)
    nll = float(np.sum(np.log(sums))) - float(np.sum(scores.target_logits)) / temperature
    return MetricSums(
        n_rows,
        nll,
        float(np.sum(brier)),
        int(np.count_nonzero(correct)),
        counts,
        confidence,
        right,
    )


def block_metric_sums(
    logits: ArrayLike, targets: ArrayLike, temperature: float, n_bins: int
) -> MetricSums:
    """``MetricSums`` of one block of logits, shape ``(n, K)``, and targets, ``(n,)``."""
    return metric_sums(shifted_scores(logits, targets), temperature, n_bins)
