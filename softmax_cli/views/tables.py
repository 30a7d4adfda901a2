"""Rows of per-class values (softmax, sigmoid, predict): class names, how a table
reads, and the preview of the first rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

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
