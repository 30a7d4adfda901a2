"""Cross-entropy results (xent): each chunk's scores, and how the table reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


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
