"""Rows as calibrate takes them: each chunk's scores per class with its targets, rows
whose target is impossible stopped or skipped, and at least two rows to fit on."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.calculator.calibration_sums import MAX_TARGET_GAP
from softmax_cli.errors import DataError
from softmax_cli.io.streaming.rows import RowGate
from softmax_cli.workflows.calculator.loss_input import LossConfig, chunk_targets, class_log_probs

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray
    from softmax_cli.io.streaming.rows import RowSource, SkipReport

MIN_ROWS = 2


def calibration_blocks(
    source: RowSource,
    config: LossConfig,
    fixed_target: int | None,
    skip_invalid: bool,
    *,
    raw_logits: bool = False,
) -> Iterator[tuple[FloatArray, IntArray]]:
    """Each chunk's scores per class, shape ``(n, K)``, and targets, ``(n,)``: the
    log-probabilities, or with ``raw_logits`` plain logits as they are (softmax(z / T)
    needs no normalising first, and a pass over the rows saves the log_softmax).

    A row whose target has probability 0 has an infinite NLL at every temperature: it
    stops the run (exit 65), or with ``skip_invalid`` it is skipped and reported in
    ``source.skipped``."""
    gate = RowGate(skip_invalid, None, skipped=source.skipped)
    as_is = raw_logits and not (config.probs or config.binary)
    for chunk in source:
        targets = chunk_targets(chunk, fixed_target)
        scores = chunk.values if as_is else class_log_probs(chunk.values, config)
        impossible = _unfittable(scores, targets)
        error_at = partial(_impossible_target, config, chunk.line_numbers, scores, targets)
        keep, error = gate.good_rows(impossible, chunk.line_numbers, error_at)
        if error is not None:  # every row is needed for the fit: no use for those before
            raise error
        yield scores[keep], targets[keep]


def _unfittable(scores: FloatArray, targets: IntArray) -> BoolArray:
    """Rows whose target is at -inf, or so far below the row's maximum that its NLL
    overflows at small temperatures (``MAX_TARGET_GAP``)."""
    target = scores[np.arange(len(targets)), targets]
    with np.errstate(over="ignore", invalid="ignore"):  # an -inf target: a gap of inf or nan
        gap = scores.max(axis=1) - target
    return np.asarray(np.isneginf(target) | (gap > MAX_TARGET_GAP))


def _impossible_target(
    config: LossConfig, lines: IntArray, scores: FloatArray, targets: IntArray, row: int
) -> DataError:
    target = float(scores[row, targets[row]])
    if target > -np.inf:
        gap = float(scores[row].max()) - target
        message = (
            f"the target's score is {gap:g} below the row's maximum, more than the "
            f"{MAX_TARGET_GAP:g} a fit can take: its loss overflows at small temperatures"
        )
        return DataError(message, int(lines[row]))
    hint = " (--clip EPS bounds it)" if config.probs else ""
    message = "the target class has probability 0: its loss is infinite at every temperature"
    return DataError(message + hint, int(lines[row]))


def check_enough_rows(rows: int, skipped: SkipReport) -> None:
    """A fit needs ``MIN_ROWS``: fewer is a data error, saying what was skipped."""
    if rows < MIN_ROWS:
        noun = "row" if rows == 1 else "rows"
        dropped = f"; {skipped.summary()}" if skipped.count else ""
        raise DataError(f"calibration needs at least {MIN_ROWS} rows, got {rows} {noun}{dropped}")
