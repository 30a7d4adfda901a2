"""How sure a distribution is: entropy, perplexity, margin and its most probable classes.

Every function works row-wise along the last axis of an array of shape
``(n_samples, n_classes)`` (or a single vector). Probabilities are non-negative and sum to
1; a class of probability 0 has log-probability ``-inf``. No function emits a
``RuntimeWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.activations import COLUMN_WISE_CLASSES

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray


class Distribution(NamedTuple):
    """Softmax distributions given by the exponentials of their shifted logits: ``exps``
    ``e = exp(s)``, shape ``(n_samples, n_classes)``, and their row sums ``total`` ``S``,
    shape ``(n_samples,)``; the probabilities are ``e / S``, never divided out unless
    asked for. Each row's largest ``e`` is ``exp(0) = 1``."""

    exps: FloatArray
    total: FloatArray
    entropy: FloatArray

    @classmethod
    def from_shifted(cls, shifted: ArrayLike) -> Distribution:
        """From shifted logits ``s`` (each row's largest 0, ``-inf`` for a class of
        probability 0; see ``activations.shifted_logits``), with the entropy in nats:
        ``H = ln S - sum(e s) / S``, which is ``-sum p ln p`` with ``ln p = s - ln S``.
        A class of probability 0 adds nothing to H."""
        s = np.asarray(shifted, dtype=np.float64)
        e = np.exp(s)
        # einsum's row-wise sum and dot product: several times faster than e.sum(axis=-1)
        # and (e * s).sum(axis=-1) for short rows, which NumPy reduces one row at a time.
        total = np.einsum("...j->...", e)
        if not np.isfinite(s).all():  # e = 0 where s = -inf: their product is 0, not nan
            s = np.where(e > 0, s, 0.0)
        weighted = np.einsum("...j,...j->...", e, s)
        return cls(e, total, np.log(total) - weighted / total)

    def probs(self) -> FloatArray:
        """``p = e / S``, shape ``(n_samples, n_classes)``."""
        return np.asarray(self.exps / self.total[..., None])

    def max_prob(self) -> FloatArray:
        """The largest probability, ``1 / S`` (the largest ``e`` is 1)."""
        return np.asarray(1.0 / self.total)

    def margin(self) -> FloatArray:
        """The largest minus the second largest probability, ``(1 - e_2) / S`` with
        ``e_2`` the second largest ``e``: one division per row, not per class. A single
        class has no runner-up, so its margin is its own probability."""
        if self.exps.shape[-1] == 1:
            return self.max_prob()
        return np.asarray((1.0 - _top_two(self.exps)[1]) / self.total)


def perplexity(entropy_nats: ArrayLike) -> FloatArray:
    """Return ``exp(H)``, the effective number of classes: K for the uniform distribution
    over K classes, 1 for a one-hot row. It is the same whatever the entropy's base,
    ``2 ** H_bits = e ** H_nats``; this takes nats."""
    return np.asarray(np.exp(np.asarray(entropy_nats, dtype=np.float64)))


def margin(probs: ArrayLike) -> FloatArray:
    """Return the largest minus the second largest probability per row: 0 when the top
    two tie, 1 for a one-hot row. A single class has no runner-up, so its margin is its
    own probability."""
    p = np.asarray(probs, dtype=np.float64)
    if p.shape[-1] == 1:
        return np.asarray(p[..., 0])
    first, second = _top_two(p)
    return np.asarray(first - second)


def _top_two(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The largest and the second largest value of each row of at least two. Many short
    rows keep the two as running values over the columns, twice as fast as a partition
    of each row (the same values)."""
    n_classes = values.shape[-1]
    if values.ndim != 2 or n_classes > COLUMN_WISE_CLASSES:
        top_two = np.partition(values, n_classes - 2, axis=-1)[..., -2:]  # [second, first]
        return top_two[..., 1], top_two[..., 0]
    first, second = np.maximum(values[:, 0], values[:, 1]), np.minimum(values[:, 0], values[:, 1])
    for column in range(2, n_classes):
        np.maximum(second, np.minimum(first, values[:, column]), out=second)
        np.maximum(first, values[:, column], out=first)
    return first, second


def top_k(probs: ArrayLike, k: int) -> tuple[IntArray, FloatArray]:
    """Return the ``k`` most probable classes of each row, most probable first, and their
    probabilities: two arrays of shape ``(n_samples, k)``.

    Ties go to the lower class index (a stable sort of ``-p``), so the order is fully
    determined; ``top_k(p, 1)`` is ``argmax``, which also takes the first of tied maxima.
    """
    p = np.asarray(probs, dtype=np.float64)
    if not 1 <= k <= p.shape[-1]:
        raise ValueError(f"k must be between 1 and the number of classes, got {k}")
    if k == 1:
        classes = np.argmax(p, axis=-1)[..., None]
    else:
        classes = np.argsort(-p, axis=-1, kind="stable")[..., :k]
    return classes, np.take_along_axis(p, classes, axis=-1)
