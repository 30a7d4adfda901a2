"""Draws (sample): the classes drawn with their probabilities, and how they read."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


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
