"""How sure a distribution is: entropy, perplexity, margin and its most probable classes.

Every function works row-wise along the last axis of an array of shape
``(n_samples, n_classes)`` (or a single vector). Probabilities are non-negative and sum to
1; a class of probability 0 has log-probability ``-inf``. No function emits a
``RuntimeWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.activations import COLUMN_WISE_CLASSES

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray


def probabilities_and_entropy(
    shifted: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """From shifted logits ``s`` (each row's largest 0, ``-inf`` for a class of
    probability 0; see ``activations.shifted_logits``): the probabilities, the entropy in
    nats and the largest probability, one pass over ``exp(s)`` for all three.

    With ``e = exp(s)`` and ``S = sum e``: ``p = e / S``, ``H = ln S - sum(e s) / S``
    (``-sum p ln p`` with ``ln p = s - ln S``), and the largest ``p`` is ``1 / S``, since
    the largest ``e`` is ``exp(0) = 1``. A class of probability 0 adds nothing to H.
    """
    s = np.asarray(shifted, dtype=np.float64)
    e = np.exp(s)
    total = e.sum(axis=-1)
    probs = e / total[..., None]
    if not np.isfinite(s).all():  # e = 0 where s = -inf: their product is 0, not nan
        s = np.where(e > 0, s, 0.0)
    # einsum's row-wise dot product: several times faster than (e * s).sum(axis=-1) for
    # short rows, which NumPy reduces one row at a time.
    weighted = np.einsum("...j,...j->...", e, s)
    entropy = np.log(total) - weighted / total
    return probs, np.asarray(entropy), np.asarray(1.0 / total)


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
    n_classes = p.shape[-1]
    if n_classes == 1:
        return np.asarray(p[..., 0])
    if p.ndim == 2 and n_classes <= COLUMN_WISE_CLASSES:
        return _column_wise_margin(p)
    top_two = np.partition(p, n_classes - 2, axis=-1)[..., -2:]  # [second, first]
    return np.asarray(top_two[..., 1] - top_two[..., 0])


def _column_wise_margin(p: FloatArray) -> FloatArray:
    """``margin`` of many short rows: the two largest of each row kept as running values
    over the columns, twice as fast as a partition of each row (the same values)."""
    first, second = np.maximum(p[:, 0], p[:, 1]), np.minimum(p[:, 0], p[:, 1])
    for column in range(2, p.shape[1]):
        np.maximum(second, np.minimum(first, p[:, column]), out=second)
        np.maximum(first, p[:, column], out=first)
    return np.asarray(first - second)


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
