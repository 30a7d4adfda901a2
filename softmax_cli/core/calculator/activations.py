"""Numerically stable softmax, log-softmax, log-sum-exp and sigmoid on NumPy arrays.

Every function works row-wise along the last axis of a 2-D array of shape
``(n_samples, n_classes)`` and equally on a 1-D vector of shape ``(n_classes,)``.
Inputs are converted to float64. Entries may be any finite float or ``-inf`` (a masked
class); ``nan`` and ``+inf`` are the caller's to reject. No function emits a
``RuntimeWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray


class MaskedRowError(ValueError):
    """A row whose logits are all ``-inf``: no class can receive any probability."""


def fully_masked_rows(logits: ArrayLike) -> BoolArray:
    """Mark the rows that are all ``-inf``: shape ``(n_samples,)``, 0-d for a vector."""
    x = np.asarray(logits, dtype=np.float64)
    if np.isfinite(x).all():  # the common case, 10x faster to tell than to reduce
        return np.zeros(x.shape[:-1], dtype=bool)
    return np.asarray(np.all(np.isneginf(x), axis=-1))


def shifted_logits(logits: ArrayLike, temperature: float = 1.0, axis: int = -1) -> FloatArray:
    """Return ``(x - max(x)) / T`` row-wise, so that the largest entry of each row is 0.

    Shifting by the maximum keeps ``exp`` from overflowing (every exponent is <= 0) and
    does not change softmax, which is invariant to adding a constant to a row. The shift
    happens before dividing by ``T`` so that a small temperature cannot push a finite
    logit to ``+inf``; differences that overflow become ``-inf``, i.e. probability 0,
    which is their correct limit. ``axis=0`` takes a 2-D array laid out the other way,
    one row per class and one column per sample, and shifts each column.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    x = np.asarray(logits, dtype=np.float64)
    # Array methods rather than np.max/np.sum: a few microseconds less per call, which
    # matters when train-blobs calls this thousands of times on five-row batches.
    largest = _row_max(x) if axis == -1 else np.asarray(x.max(axis=0, keepdims=True))
    if largest.size and largest.min() == -np.inf:  # a row that is all -inf
        raise MaskedRowError("a row of logits is all -inf")
    with np.errstate(over="ignore"):
        shifted = x - largest
        if temperature != 1.0:
            shifted = shifted / temperature
    return np.asarray(shifted)


# Up to this many classes, many rows are worked on a column at a time (one NumPy call per
# column over every row): NumPy reduces or scans along a short axis one row at a time,
# several times slower.
COLUMN_WISE_CLASSES = 16


def _row_max(x: FloatArray) -> FloatArray:
    """The maximum of each row, keeping its axis: shape ``(n, 1)``, or ``(1,)`` for a
    vector. Many rows of a few columns are reduced column by column, about 5x faster
    than NumPy's reduction along a short axis; a maximum is exact in any order."""
    if x.ndim != 2 or x.shape[0] < 64 or not 2 <= x.shape[1] <= COLUMN_WISE_CLASSES:
        return np.asarray(x.max(axis=-1, keepdims=True))
    result = np.maximum(x[:, 0], x[:, 1])
    for column in range(2, x.shape[1]):
        np.maximum(result, x[:, column], out=result)
    return result[:, None]


def logsumexp(logits: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Return ``log(sum_j exp(x_j / T))`` per row, shape ``(n_samples,)`` (0-d for a vector).

    Computed as ``m + log(sum_j exp(x_j / T - m))`` with ``m = max_j x_j / T``.
    """
    x = np.asarray(logits, dtype=np.float64)
    shifted = shifted_logits(x, temperature)
    with np.errstate(over="ignore"):
        row_max = np.max(x, axis=-1) / temperature
    return np.asarray(row_max + np.log(np.sum(np.exp(shifted), axis=-1)))


def softmax(logits: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Return ``p_i = exp(x_i / T) / sum_j exp(x_j / T)`` per row, same shape as the input.

    Each row of the result is non-negative and sums to 1; ``-inf`` logits get
    probability exactly 0.
    """
    exps = np.exp(shifted_logits(logits, temperature))
    return np.asarray(exps / exps.sum(axis=-1, keepdims=True))


def log_softmax(logits: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Return ``log p_i = x_i / T - logsumexp(x / T)`` per row, same shape as the input.

    Computed from the shifted logits, never as ``log(softmax(x))``, so that tiny
    probabilities keep their exact logarithm instead of underflowing to ``-inf``.
    """
    shifted = shifted_logits(logits, temperature)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def sigmoid(x: ArrayLike) -> FloatArray:
    """Return the logistic function ``1 / (1 + exp(-x))`` element-wise, any shape.

    Only ``exp(-|x|)`` is evaluated, which lies in (0, 1] and cannot overflow; for
    negative ``x`` the equivalent form ``exp(x) / (1 + exp(x))`` keeps tiny results such
    as ``sigmoid(-40) ~ 4.2e-18`` instead of rounding them to 0.
    """
    z = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.asarray(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def log_sigmoid(x: ArrayLike) -> FloatArray:
    """Return ``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))`` element-wise, any shape."""
    z = np.asarray(x, dtype=np.float64)
    return np.asarray(np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z))))


class SoftmaxSteps(NamedTuple):
    """The intermediate values of one softmax evaluation, each of shape ``(n_classes,)``.

    ``scaled = x / T``; ``shifted = scaled - max(scaled)``; ``exps = exp(shifted)``;
    ``sum_exps = sum(exps)``; ``probs = exps / sum_exps``.
    """

    logits: FloatArray
    scaled: FloatArray
    shifted: FloatArray
    exps: FloatArray
    sum_exps: float
    probs: FloatArray


def softmax_steps(logits: ArrayLike, temperature: float = 1.0) -> SoftmaxSteps:
    """Return every step of softmax for one vector of shape ``(n_classes,)``."""
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("softmax_steps takes a single vector")
    shifted = shifted_logits(x, temperature)
    with np.errstate(over="ignore"):
        scaled = x / temperature
    exps = np.exp(shifted)
    sum_exps = float(np.sum(exps))
    return SoftmaxSteps(x, scaled, shifted, exps, sum_exps, exps / sum_exps)


def looks_like_probabilities(values: FloatArray, tolerance: float = 1e-6) -> bool:
    """Whether rows of class scores, shape ``(n, K)``, are already distributions: every
    value in [0, 1] and every row summing to 1 within ``tolerance``. Never for no rows
    or fewer than two classes (one value of 1 per row says nothing)."""
    if values.ndim != 2 or not len(values) or values.shape[1] < 2:
        return False
    if not np.all((values >= 0) & (values <= 1)):  # -inf is < 0: no warning, just False
        return False
    return bool(np.all(np.abs(values.sum(axis=1) - 1.0) <= tolerance))
