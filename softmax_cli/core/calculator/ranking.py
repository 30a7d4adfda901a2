"""The most probable classes of one wide row (a language model's vocabulary) without
sorting the row: a partial selection finds where the kept ranks end, and only the kept
classes are ever sorted.

Classes are ranked by weight, largest first, ties by the lower index (the order of a
stable sort of ``-w``). Every function takes one row of non-negative weights, shape
``(n_classes,)``, and returns class indices in ascending order unless it says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray

# From this many classes a row is worked on by itself, with partial selections, instead
# of sorting whole rows of a block together: the per-row cost of a few NumPy calls is
# small beside the row's own, and a selection is linear where a sort is not.
WIDE_CLASSES = 1024


def kth_largest(weights: FloatArray, k: int) -> float:
    """The ``k``-th largest weight (1-based), by partial selection, linear time."""
    n_classes = len(weights)
    return float(np.partition(weights, n_classes - k)[n_classes - k])


def first_ranks(weights: FloatArray, n_ranks: int, last: float) -> IntArray:
    """The classes of the first ``n_ranks`` ranks, given ``last``, the weight at rank
    ``n_ranks``: every class heavier than it, then as many of the classes at exactly
    ``last`` as are needed, lowest index first."""
    kept = weights > last
    n_above = int(np.count_nonzero(kept))
    if n_above < n_ranks:
        kept[np.flatnonzero(weights == last)[: n_ranks - n_above]] = True
    return np.flatnonzero(kept)


def top_classes(weights: FloatArray, k: int) -> IntArray:
    """The ``k`` first ranks (``1 <= k <= n_classes``): ``argsort(-w, stable)[:k]`` as a
    set, found by selection."""
    if k >= len(weights):
        return np.arange(len(weights))
    return first_ranks(weights, k, kth_largest(weights, k))


def in_rank_order(classes: IntArray, weights: FloatArray) -> IntArray:
    """``classes`` (ascending) reordered by rank: ``weights`` are theirs, same shape."""
    return classes[np.argsort(-weights, kind="stable")]
