"""Per-row divergences between two blocks of distributions, ``p`` (BASE) and ``q``
(OTHER), each given as log-probabilities of shape ``(n_rows, n_classes)``.

Every quantity comes from the log-probabilities (``log_softmax`` of the logits), never
from ``log(softmax)``. A term whose weight is exactly 0 adds exactly 0 (``0 log 0 = 0``),
so a class that BASE gives probability 0 adds nothing to ``KL(p || q)``; a class that
OTHER gives probability 0 and BASE does not makes the row's KL ``+inf``. All results are
in nats.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.ranking import WIDE_CLASSES, top_classes

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray

LN2 = math.log(2)


class RowDivergences(NamedTuple):
    """One block's per-row figures, each of shape ``(n_rows,)``.

    ``kl`` = KL(p || q), ``kl_reverse`` = KL(q || p), ``js`` the Jensen-Shannon
    divergence, ``tv`` the total variation, ``base_top``/``other_top`` the argmax
    classes, ``overlap`` the top-k overlap (``None`` without k); with targets
    ``base_nll``/``other_nll`` (nats) and ``delta_p`` = q(t) - p(t), else ``None``."""

    kl: FloatArray
    kl_reverse: FloatArray
    js: FloatArray
    tv: FloatArray
    base_top: IntArray
    other_top: IntArray
    overlap: FloatArray | None = None
    targets: IntArray | None = None
    base_nll: FloatArray | None = None
    other_nll: FloatArray | None = None
    delta_p: FloatArray | None = None


def weighted_sum(weights: FloatArray, logs: FloatArray) -> FloatArray:
    """``sum_j w_j x_j`` per row, shape ``(n_rows,)``, with ``w_j = 0`` terms exactly 0
    even where ``x_j`` is infinite (``0 * inf`` would be nan)."""
    with np.errstate(invalid="ignore", over="ignore"):
        sums = np.einsum("ij,ij->i", weights, logs)
    bad = ~np.isfinite(sums)
    if bad.any():  # rare: only rows holding an infinite log; redone term by term
        w, x = weights[bad], logs[bad]
        with np.errstate(invalid="ignore"):
            sums[bad] = np.where(w > 0, w * x, 0.0).sum(axis=1)
    return np.asarray(sums)


def kl_divergence(p: FloatArray, log_p: FloatArray, log_q: FloatArray) -> FloatArray:
    """``KL(p || q) = sum_j p_j (log p_j - log q_j)`` per row, in ``[0, +inf]``.

    The sum is >= 0 (Gibbs' inequality) but its terms have both signs; adding them in
    floating point can leave a residue of about ``1e-16`` below 0 (llama.cpp reports
    minimum KLDs like -0.0004 from its 16-bit log-probabilities). It is clamped at 0:
    a negative divergence is never a measurement."""
    with np.errstate(invalid="ignore"):  # -inf - -inf where both are 0: weight 0 anyway
        diff = log_p - log_q
    return np.maximum(weighted_sum(p, diff), 0.0)


def js_divergence(p: FloatArray, q: FloatArray) -> FloatArray:
    """Jensen-Shannon divergence ``(KL(p || m) + KL(q || m)) / 2`` with ``m = (p + q)/2``,
    per row, in ``[0, ln 2]``.

    Computed from the ratios ``p / m`` and ``q / m``: where ``p == q`` both are exactly
    1, so identical rows give exactly 0. Clamped to ``[0, ln 2]`` against rounding."""
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p_m = np.log(p / m)
        log_q_m = np.log(q / m)
    js = 0.5 * (weighted_sum(p, log_p_m) + weighted_sum(q, log_q_m))
    return np.clip(js, 0.0, LN2)


def total_variation(p: FloatArray, q: FloatArray) -> FloatArray:
    """``TV(p, q) = 1/2 sum_j |p_j - q_j|`` per row, in ``[0, 1]``."""
    return np.asarray(np.minimum(0.5 * np.abs(p - q).sum(axis=1), 1.0))


def top_overlap(p: FloatArray, q: FloatArray, k: int) -> FloatArray:
    """``|top_k(p) & top_k(q)| / k`` per row (ties ranked by the lower class index).

    Narrow rows are ranked together by a stable sort; wide rows (a vocabulary) one at a
    time by partial selection, linear in the number of classes."""
    n_rows, n_classes = p.shape
    k = min(k, n_classes)
    if n_classes < WIDE_CLASSES:
        top_p = np.argsort(-p, axis=1, kind="stable")[:, :k]
        top_q = np.argsort(-q, axis=1, kind="stable")[:, :k]
        member = np.zeros((n_rows, n_classes), dtype=bool)
        np.put_along_axis(member, top_p, True, axis=1)
        shared = np.take_along_axis(member, top_q, axis=1).sum(axis=1)
    else:
        shared = np.array(
            [
                len(np.intersect1d(top_classes(a, k), top_classes(b, k), assume_unique=True))
                for a, b in zip(p, q, strict=True)
            ]
        )
    return np.asarray(shared / k, dtype=np.float64)


def compare_block(
    log_p: FloatArray, log_q: FloatArray, targets: IntArray | None = None, k: int = 0
) -> RowDivergences:
    """Every per-row figure of one block: ``log_p`` and ``log_q`` are the two models'
    log-probabilities, shape ``(n_rows, n_classes)``; ``targets``, shape ``(n_rows,)``,
    the true classes (for the NLLs and Δp); ``k`` > 0 adds the top-k overlap."""
    p, q = np.exp(log_p), np.exp(log_q)
    with np.errstate(invalid="ignore"):
        back = log_q - log_p
    result = RowDivergences(
        kl=kl_divergence(p, log_p, log_q),
        kl_reverse=np.maximum(weighted_sum(q, back), 0.0),
        js=js_divergence(p, q),
        tv=total_variation(p, q),
        base_top=np.argmax(log_p, axis=1),
        other_top=np.argmax(log_q, axis=1),
        overlap=top_overlap(p, q, k) if k else None,
    )
    if targets is None:
        return result
    rows = np.arange(len(targets))
    return result._replace(
        targets=targets,
        base_nll=-log_p[rows, targets],
        other_nll=-log_q[rows, targets],
        delta_p=q[rows, targets] - p[rows, targets],
    )
