"""Uncertainty per row (stats): the measures and how the table reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


STATS_MEASURES = ("entropy", "perplexity", "max_prob", "margin")


class StatsRows(NamedTuple):
    """One chunk's uncertainty, every array with ``n_rows`` rows: ``entropy`` (in the
    configured unit), ``perplexity``, ``max_prob``, ``margin`` and ``argmax`` per row, the
    ``top_classes`` and ``top_probs`` of shape ``(n_rows, k)`` (``k`` may be 0), and the
    input ``line_numbers``."""

    entropy: FloatArray
    perplexity: FloatArray
    max_prob: FloatArray
    margin: FloatArray
    argmax: IntArray
    top_classes: IntArray
    top_probs: FloatArray
    line_numbers: IntArray

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    def head(self, n_rows: int) -> StatsRows:
        return StatsRows._make(column[:n_rows] for column in self)


class StatsView(NamedTuple):
    """How the stats table reads: the class ``names``, the entropy ``unit`` and its
    largest possible value ``max_entropy`` (the log of the number of classes), decimal
    places, whether the rows have input line numbers, the number of rows in all, and the
    mean of each measure over all of them."""

    names: list[str]
    unit: str
    max_entropy: float
    precision: int
    show_lines: bool
    total: int
    means: dict[str, float]
