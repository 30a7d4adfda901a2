"""What a table is asked to show: plain records that workflows fill and ``render`` draws.

They live below both layers so that ``render`` never imports the workflows that call it.
No Rich, no I/O; NumPy only for the arrays they hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, NamedTuple, Protocol, Self, TypeVar

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


def class_names(labels: Sequence[str] | None, n_classes: int) -> list[str]:
    """Labels when known, else the class indices 0, 1, 2, ..."""
    return list(labels) if labels else [str(i) for i in range(n_classes)]


class TableView(NamedTuple):
    """How a table shows computed values: their heading, whether the largest is the
    predicted class (softmax) or not (sigmoid), whether they are logarithms, whether
    a single row is the sigmoid-vs-softmax comparison rather than one value per class,
    and whether the inputs are shown beside the values (not when they are features)."""

    value_name: str = "probability"
    mark_best: bool = True
    log: bool = False
    comparison: bool = False
    show_inputs: bool = True


class RowPreview:
    """The first ``limit`` rows of a stream (inputs and results) and a count of all rows."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.logits: list[FloatArray] = []
        self.values: list[FloatArray] = []
        self.line_numbers: list[IntArray] = []
        self.total = 0
        self.kept = 0

    def add(self, logits: FloatArray, values: FloatArray, line_numbers: IntArray) -> None:
        room = self.limit - self.kept
        if room > 0:
            self.logits.append(logits[:room])
            self.values.append(values[:room])
            self.line_numbers.append(line_numbers[:room])
            self.kept += min(room, len(values))
        self.total += len(values)


class ScoredRows(NamedTuple):
    """One chunk's cross-entropy results, every array with ``n_rows`` rows: the input
    ``values``, its ``log_probs`` per class, ``targets``, per-row ``losses`` (in the
    configured unit), ``target_probs`` and ``predicted`` classes, and the input
    ``line_numbers``."""

    values: FloatArray
    log_probs: FloatArray
    targets: IntArray
    losses: FloatArray
    target_probs: FloatArray
    predicted: IntArray
    line_numbers: IntArray

    def head(self, n_rows: int) -> ScoredRows:
        rows = slice(0, n_rows)
        return ScoredRows(
            self.values[rows],
            self.log_probs[rows],
            self.targets[rows],
            self.losses[rows],
            self.target_probs[rows],
            self.predicted[rows],
            self.line_numbers[rows],
        )


class LossView(NamedTuple):
    """How a cross-entropy table reads: the loss ``unit`` (nats or bits), whether the
    inputs were logits worth showing with their exps, whether the loss is the plain
    ``-log p(target)`` (no smoothing, weights or clip), whether it is binary, and a
    ``note`` on what else shaped the loss."""

    unit: str
    show_logits: bool
    plain: bool
    binary: bool
    note: str = ""


class Block(Protocol):
    """Consecutive rows of results that can say how many they are and keep their first."""

    @property
    def n_rows(self) -> int: ...

    def head(self, n_rows: int) -> Self: ...


B = TypeVar("B", bound=Block)


class Head(Generic[B]):
    """The first ``limit`` rows of a stream of blocks, for a table, and a count of all."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.blocks: list[B] = []
        self.kept = 0
        self.total = 0

    def add(self, block: B) -> None:
        if self.kept < self.limit:
            self.blocks.append(block.head(self.limit - self.kept))
            self.kept += self.blocks[-1].n_rows
        self.total += block.n_rows


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


class Draws(NamedTuple):
    """Classes drawn and their probabilities after filtering, both of shape ``(n_rows,
    n_draws)``, and the input ``line_numbers`` of the rows."""

    classes: IntArray
    probs: FloatArray
    line_numbers: IntArray

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    def head(self, n_rows: int) -> Draws:
        return Draws._make(column[:n_rows] for column in self)


class SampleView(NamedTuple):
    """How draws read: the class ``names``, decimal places, and whether each draw's
    probability is shown."""

    names: list[str]
    precision: int
    with_prob: bool
