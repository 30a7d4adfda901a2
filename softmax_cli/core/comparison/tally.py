"""What compare keeps of its rows: the running sums (``sums.ComparisonSums``) and every
row's KL and Δp, for the percentiles. Tallies of shards add up in shard order into the
tally of their concatenation (sums by ``+``, the arrays end to end)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.comparison.sums import ComparisonSums, block_sums

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.core.comparison.divergences import RowDivergences


class Tally(NamedTuple):
    """``sums`` over n rows, their ``kl`` (shape ``(n,)``) and, with targets, ``delta_p``."""

    sums: ComparisonSums
    kl: FloatArray
    delta_p: FloatArray | None


def tally(blocks: Iterable[RowDivergences], targets: bool) -> Tally:
    """The tally of ``blocks`` (``divergences.compare_block`` results) in order; with
    ``targets`` the blocks carry Δp (an empty input has an empty one)."""
    sums = ComparisonSums()
    kl: list[FloatArray] = []
    delta_p: list[FloatArray] = []
    for block in blocks:
        sums = sums + block_sums(block)
        kl.append(block.kl)
        if block.delta_p is not None:
            delta_p.append(block.delta_p)
    return Tally(sums, _joined(kl), _joined(delta_p) if targets else None)


def combined(tallies: Sequence[Tally]) -> Tally:
    """The tally of several inputs read one after another: sums added in their order
    (from zero, so one tally comes back as it was), arrays concatenated."""
    sums = ComparisonSums()
    for part in tallies:
        sums = sums + part.sums
    parts = [part.delta_p for part in tallies if part.delta_p is not None]
    targets = bool(tallies) and tallies[0].delta_p is not None
    return Tally(sums, _joined([part.kl for part in tallies]), _joined(parts) if targets else None)


def _joined(arrays: list[FloatArray]) -> FloatArray:
    return np.concatenate(arrays) if arrays else np.empty(0)
