"""Rows as calibrate takes them: each chunk's scores per class with its targets, rows
whose target is impossible stopped or skipped, and at least two rows to fit on."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.errors import DataError
from softmax_cli.io.streaming.rows import RowGate
from softmax_cli.workflows.calculator.loss_input import LossConfig, chunk_targets, class_log_probs

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
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
        impossible = np.isneginf(scores[np.arange(len(targets)), targets])
        error_at = partial(_impossible_target, config, chunk.line_numbers)
        keep, error = gate.good_rows(impossible, chunk.line_numbers, error_at)
        if error is not None:  # every row is needed for the fit: no use for those before
            raise error
        yield scores[keep], targets[keep]


def _impossible_target(config: LossConfig, lines: IntArray, row: int) -> DataError:
    hint = " (--clip EPS bounds it)" if config.probs else ""
    message = "the target class has probability 0: its loss is infinite at every temperature"
    return DataError(message + hint, int(lines[row]))


def check_enough_rows(rows: int, skipped: SkipReport) -> None:
    """A fit needs ``MIN_ROWS``: fewer is a data error, saying what was skipped."""
    if rows < MIN_ROWS:
        noun = "row" if rows == 1 else "rows"
        dropped = f"; {skipped.summary()}" if skipped.count else ""
        raise DataError(f"calibration needs at least {MIN_ROWS} rows, got {rows} {noun}{dropped}")
