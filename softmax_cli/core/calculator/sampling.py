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

Rows of many classes (``ranking.WIDE_CLASSES``, a vocabulary) are filtered one at a time
without sorting them: top-k by partial selection, top-p on the classes above a weight
threshold lowered until their mass reaches P, min-p by its floor; only the kept classes
are sorted, summed and searched. The kept sets and the draws are the same as for a
whole-row sort, except that top-p alone compares with the row's total summed in another
order, which can move a sum by a few ulps: far inside ``BOUNDARY_RTOL``.

Every function works on rows of shape ``(n_samples, n_classes)`` of non-negative
weights with a positive sum: probabilities, or anything proportional to them, since
each filter is unchanged by scaling a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.activations import COLUMN_WISE_CLASSES
from softmax_cli.core.calculator.ranking import WIDE_CLASSES, first_ranks, top_classes

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, BoolArray, FloatArray, IntArray

# A value this close below a boundary (relative) counts as on it: rounding (half an ulp,
# 1.1e-16, per addition or product) must not decide whether a class sitting exactly on a
# boundary, such as 0.5 + 0.3 for top-p 0.8, or 0.03 = 0.1 * 0.3 for min-p 0.1, is kept.
BOUNDARY_RTOL = 1e-12

_THRESHOLD_HALVINGS = 3  # top-p's threshold for wide rows falls by 2**3 a step
_SAMPLE_STRIDE = 16  # one class in this many estimates where top-p's threshold lies
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
    top_p = _top_p(filters)
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
    if filters.top_k is None and _top_p(filters) is None and filters.min_p is None:
        return w
    return np.asarray(np.where(keep_mask(w, filters), w, 0.0))


def sample(
    weights: ArrayLike, filters: Filters, n_draws: int, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Filter each row of ``weights``, draw ``n_draws`` classes from what is kept and
    return the classes and their probabilities after filtering, both of shape
    ``(n_samples, n_draws)``: ``draw`` and ``drawn_probs`` of ``filtered_weights``, with
    the same uniforms taken from ``rng``, and for wide rows the same classes."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape[-1] < WIDE_CLASSES:
        filtered = filtered_weights(w, filters)
        classes = draw(filtered, n_draws, rng)
        return classes, drawn_probs(filtered, classes)
    filters.check()
    uniforms = rng.random((len(w), n_draws))
    classes = np.empty(uniforms.shape, dtype=np.int64)
    probs = np.empty(uniforms.shape)
    # Unfiltered rows are divided by the very sums drawn_probs takes.
    totals = None if _active(filters, w.shape[1]) else np.einsum("ij->i", w)
    for row, (row_weights, row_uniforms) in enumerate(zip(w, uniforms, strict=True)):
        kept = kept_classes(row_weights, filters) if totals is None else None
        values = row_weights if kept is None else row_weights[kept]
        cumulative = np.cumsum(values)  # the whole row's running sums, less its zeros
        total = cumulative[-1]
        targets = np.minimum(row_uniforms * total, np.nextafter(total, 0.0))
        drawn = np.searchsorted(cumulative, targets, side="right")
        classes[row] = drawn if kept is None else kept[drawn]
        probs[row] = values[drawn] / (np.sum(values) if totals is None else totals[row])
    return classes, probs


def _active(filters: Filters, n_classes: int) -> bool:
    """Whether the filters can drop any of ``n_classes`` classes."""
    top_k = filters.top_k is not None and filters.top_k < n_classes
    return top_k or _top_p(filters) is not None or filters.min_p is not None


def _top_p(filters: Filters) -> float | None:
    """Top-p's P when it filters (P = 1 keeps every class)."""
    return filters.top_p if filters.top_p is not None and filters.top_p < 1 else None


def kept_classes(weights: FloatArray, filters: Filters) -> IntArray | None:
    """The classes one row of weights keeps after the filters, ascending; ``None`` when
    no filter is active (every class is kept)."""
    kept = None
    if filters.top_k is not None and filters.top_k < len(weights):
        kept = top_classes(weights, filters.top_k)
    if (top_p := _top_p(filters)) is not None:
        kept = _nucleus_classes(weights, kept, top_p)
    if filters.min_p is not None:
        # The most probable class is always kept, so the kept maximum is the maximum.
        floor = filters.min_p * weights.max() * (1.0 - BOUNDARY_RTOL)
        kept = np.flatnonzero(weights >= floor) if kept is None else kept[weights[kept] >= floor]
    return kept


def _nucleus_classes(weights: FloatArray, candidates: IntArray | None, top_p: float) -> IntArray:
    """Top-p of one row: the first ranks while the mass of the ranks before them is
    below ``top_p`` of the total. ``candidates`` are the classes top-k kept (their total
    is the total), or ``None`` for the whole row, whose ranks are searched among the
    classes above a threshold lowered until their mass reaches P."""
    if candidates is not None:
        ranked, cumulative = _ranked_sums(weights[candidates])
        boundary = top_p * float(cumulative[-1]) * (1.0 - BOUNDARY_RTOL)
        return _first_ranks_below(weights, candidates, ranked, cumulative, boundary)
    # The row's total in pairwise order; a whole-row sort would add it up largest first.
    total = float(np.sum(weights))
    boundary = top_p * total * (1.0 - BOUNDARY_RTOL)
    threshold = _threshold_guess(weights, total - boundary)
    while True:
        candidates = np.flatnonzero(weights >= threshold)
        every_class = len(candidates) == len(weights)
        # The candidates are the first ranks; once their mass reaches the boundary, every
        # rank after them has at least that much before it and is left out. Their sum in
        # any order rules out most thresholds that are too high before any sort.
        if every_class or np.sum(weights[candidates]) >= boundary:
            ranked, cumulative = _ranked_sums(weights[candidates])
            if every_class or cumulative[-1] >= boundary:
                return _first_ranks_below(weights, candidates, ranked, cumulative, boundary)
        threshold *= 2.0**-_THRESHOLD_HALVINGS  # reaches 0, every class, in the end


def _threshold_guess(weights: FloatArray, outside: float) -> float:
    """A weight above which the classes likely hold all but ``outside`` of the mass:
    the mass below each weight is estimated from every ``_SAMPLE_STRIDE``-th class, and
    half of ``outside`` is allowed there, so that the guess is seldom too high. The few
    heavy classes need not be in the sample: only the light ones are estimated."""
    sample = np.sort(weights[::_SAMPLE_STRIDE])
    below = np.cumsum(sample) * _SAMPLE_STRIDE
    n_below = int(np.searchsorted(below, outside / 2, side="right"))
    return float(sample[n_below - 1]) if n_below else 0.0


def _ranked_sums(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``values`` largest first, and their running sums: those a sort of the whole row
    gives for its first ranks, the same additions in the same order."""
    ranked = np.sort(values)[::-1]
    return ranked, np.cumsum(ranked)


def _first_ranks_below(
    weights: FloatArray,
    candidates: IntArray,
    ranked: FloatArray,
    cumulative: FloatArray,
    boundary: float,
) -> IntArray:
    """The first ranks among ``candidates`` (a set of first ranks, ascending) whose mass
    before them, ``cumulative[r - 1]``, is below ``boundary``."""
    n_kept = 1 + int(np.count_nonzero(cumulative[:-1] < boundary))
    return candidates[first_ranks(weights[candidates], n_kept, float(ranked[n_kept - 1]))]


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
