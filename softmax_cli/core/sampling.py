"""Drawing classes from rows of probabilities, after the filters language models use.

The filters run in Hugging Face's order, each on what the one before kept, renormalised
(the temperature comes first, when the caller turns logits into probabilities):

1. top-k: keep the K most probable classes; ties at the boundary go to the lower
   index (a stable sort of ``-p``), so exactly K are kept;
2. top-p: keep the smallest set of most probable classes (same order) whose sum
   reaches P; the class that crosses P is included; P = 1 keeps every class;
3. min-p: keep the classes with ``p >= P * max p``.

A sum or probability within ``BOUNDARY_RTOL`` (relative) below its boundary counts as
on it, and a class on a boundary is kept.

Then the kept classes are renormalised and one class per draw is taken by inverse CDF
on uniform draws from an explicit ``numpy.random.Generator``.

Every function works on rows of shape ``(n_samples, n_classes)`` of non-negative
weights with a positive sum: probabilities, or anything proportional to them, since
each filter is unchanged by scaling a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.activations import COLUMN_WISE_CLASSES

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray, IntArray

# A value this close below a boundary (relative) counts as on it: rounding (half an ulp,
# 1.1e-16, per addition or product) must not decide whether a class sitting exactly on a
# boundary, such as 0.5 + 0.3 for top-p 0.8, or 0.03 = 0.1 * 0.3 for min-p 0.1, is kept.
BOUNDARY_RTOL = 1e-12

_BLOCK_CELLS = 1 << 22  # comparisons per block when drawing: about 4 MB of booleans


class Filters(NamedTuple):
    """Which filters apply (``None``: not this one): ``top_k >= 1``, ``0 < top_p <= 1``,
    ``0 < min_p <= 1``."""

    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None

    def check(self) -> None:
        """Raise ``ValueError`` for a value outside its range."""
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top-k must be at least 1, got {self.top_k}")
        for name, value in (("top-p", self.top_p), ("min-p", self.min_p)):
            if value is not None and not 0 < value <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {value}")


def keep_mask(weights: ArrayLike, filters: Filters) -> BoolArray:
    """Return which classes survive the filters, a mask shaped like ``weights``.

    The most probable class always survives. A class of weight 0 survives top-k when it
    ranks within K (it still cannot be drawn), never top-p or min-p.
    """
    filters.check()
    w = np.asarray(weights, dtype=np.float64)
    keep = np.ones(w.shape, dtype=bool)
    top_p = filters.top_p if filters.top_p is not None and filters.top_p < 1 else None
    if filters.top_k is not None or top_p is not None:
        # Rank by probability, ties by lower index; both filters keep a prefix of ranks.
        order = np.argsort(-w, axis=-1, kind="stable")
        ranked = np.take_along_axis(w, order, axis=-1)
        kept = np.ones(w.shape, dtype=bool)
        if filters.top_k is not None:
            kept[..., filters.top_k :] = False
        if top_p is not None:
            kept &= _nucleus(np.where(kept, ranked, 0.0), top_p)
        np.put_along_axis(keep, order, kept, axis=-1)
    if filters.min_p is not None:
        # The most probable class is always kept, so the kept maximum is the maximum.
        floor = filters.min_p * w.max(axis=-1, keepdims=True) * (1.0 - BOUNDARY_RTOL)
        keep &= w >= floor
    return keep


def _nucleus(ranked: FloatArray, top_p: float) -> BoolArray:
    """Top-p on weights sorted in decreasing order: keep each rank while the sum of the
    ranks before it has not yet reached ``top_p`` of the total."""
    cumulative = _running_sums(ranked)
    before = np.zeros_like(cumulative)
    before[..., 1:] = cumulative[..., :-1]
    total = cumulative[..., -1:]
    return np.asarray(before < top_p * total * (1.0 - BOUNDARY_RTOL))


def filtered_weights(weights: ArrayLike, filters: Filters) -> FloatArray:
    """Return the weights after the filters, not renormalised: 0 for a class filtered
    out. Without an active filter, the weights themselves. Same shape as ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    top_p = filters.top_p if filters.top_p is not None and filters.top_p < 1 else None
    if filters.top_k is None and top_p is None and filters.min_p is None:
        return w
    return np.asarray(np.where(keep_mask(w, filters), w, 0.0))


def drawn_probs(weights: ArrayLike, classes: IntArray) -> FloatArray:
    """The probability of each drawn class, its weight over its row's total: shape of
    ``classes``, ``(n_samples, n_draws)``. Only the drawn classes are divided."""
    w = np.asarray(weights, dtype=np.float64)
    # einsum's row sums: NumPy's sum reduces many short rows one at a time, slowly.
    total = np.einsum("ij->i", w)
    return np.asarray(np.take_along_axis(w, classes, axis=1) / total[:, None])


def draw(probs: ArrayLike, n_draws: int, rng: np.random.Generator) -> IntArray:
    """Draw ``n_draws`` classes per row, class ``c`` with probability ``p_c / sum p``:
    an array of class indices of shape ``(n_samples, n_draws)``.

    Inverse CDF: uniform ``u`` in [0, 1) picks the first class whose cumulative weight
    exceeds ``u * total``, so a class of weight 0 is never drawn. Exactly
    ``n_samples * n_draws`` uniforms are taken from ``rng``, row after row, so drawing a
    stream of rows chunk by chunk gives the same classes as drawing them all at once.
    """
    p = np.asarray(probs, dtype=np.float64)
    uniforms = rng.random((len(p), n_draws))
    cumulative = _running_sums(p)
    total = cumulative[:, -1:]
    # u * total can round up to total itself; the largest float below it still finds
    # the last class of positive weight.
    targets = np.minimum(uniforms * total, np.nextafter(total, 0.0))
    return _first_above(cumulative, targets)


def _running_sums(p: FloatArray) -> FloatArray:
    """Each row's cumulative sums, as ``np.cumsum(p, axis=-1)`` gives them (the same
    additions in the same order), but a column at a time when many rows are short: NumPy
    loops over each short row separately, several times slower."""
    if p.ndim != 2 or p.shape[1] > COLUMN_WISE_CLASSES:
        return np.asarray(np.cumsum(p, axis=-1))
    sums = np.empty_like(p)
    sums[:, 0] = p[:, 0]
    for column in range(1, p.shape[1]):
        np.add(sums[:, column - 1], p[:, column], out=sums[:, column])
    return sums


def _first_above(cumulative: FloatArray, targets: FloatArray) -> IntArray:
    """For each ``targets[i, j]``, the first class ``c`` with ``cumulative[i, c] >
    targets[i, j]``: the count of cumulative weights at or below the target. Compared
    a class at a time for few classes, else in blocks so that memory stays bounded for
    many draws of many classes."""
    n_rows, n_draws = targets.shape
    if cumulative.shape[1] <= COLUMN_WISE_CLASSES:
        classes = np.zeros(targets.shape, dtype=np.int64)
        for column in range(cumulative.shape[1]):
            classes += cumulative[:, column, None] <= targets
        return classes
    draws_per_block = max(1, min(n_draws, _BLOCK_CELLS // cumulative.shape[1]))
    rows_per_block = max(1, _BLOCK_CELLS // (draws_per_block * cumulative.shape[1]))
    classes = np.empty(targets.shape, dtype=np.int64)
    for row in range(0, n_rows, rows_per_block):
        rows = slice(row, row + rows_per_block)
        for start in range(0, n_draws, draws_per_block):
            draws = slice(start, start + draws_per_block)
            at_or_below = cumulative[rows, None, :] <= targets[rows, draws, None]
            classes[rows, draws] = np.count_nonzero(at_or_below, axis=2)
    return classes
