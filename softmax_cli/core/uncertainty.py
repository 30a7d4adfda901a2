"""How sure a distribution is: entropy, perplexity, margin and its most probable classes.

Every function works row-wise along the last axis of an array of shape
``(n_samples, n_classes)`` (or a single vector). Probabilities are non-negative and sum to
1; a class of probability 0 has log-probability ``-inf``. No function emits a
``RuntimeWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray


def entropy_from_log_probs(log_probs: ArrayLike) -> FloatArray:
    """Return the entropy ``H = -sum_i p_i ln p_i`` in nats, one value per row.

    Taking ``ln p`` as given (from ``log_softmax``, say) rather than as ``log(softmax)``
    keeps the terms of tiny probabilities exact. A class of probability 0 adds nothing
    (the limit ``0 ln 0 = 0``) instead of ``0 * -inf = nan``. H lies in ``[0, ln K]``:
    0 for a one-hot row, ``ln K`` for the uniform distribution over K classes.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    p = np.exp(lp)
    terms = np.multiply(p, lp, out=np.zeros_like(lp), where=p > 0)
    return np.asarray(0.0 - terms.sum(axis=-1))  # 0.0 - x: a one-hot row gives +0, not -0


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
    top_two = np.partition(p, n_classes - 2, axis=-1)[..., -2:]  # [second, first]
    return np.asarray(top_two[..., 1] - top_two[..., 0])


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
