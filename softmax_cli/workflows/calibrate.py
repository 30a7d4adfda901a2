"""The calibrate use case: fit a temperature to every row at once, then report.

Rows come in exactly as xent reads them (logits or probabilities with a target per
row). The fit needs all of them, so each chunk's log-probabilities per class and its
targets are kept (never the text): n x K floats and n integers.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.calibration import DEFAULT_BINS, calibrate
from softmax_cli.errors import DataError
from softmax_cli.io.reports import format_calibration
from softmax_cli.io.rows import RowGate
from softmax_cli.workflows.loss_input import (
    LossConfig,
    chunk_targets,
    class_log_probs,
    open_targeted_rows,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.calibration import Calibration
    from softmax_cli.io.rows import SkipReport
    from softmax_cli.io.sources import InputSpec, RowSource
    from softmax_cli.workflows.stream import OutputSpec

MIN_ROWS = 2


def calibrate_rows(
    spec: InputSpec,
    config: LossConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    target: str | None = None,
    target_column: str | None = None,
    targets: str | None = None,
    n_bins: int = DEFAULT_BINS,
    plot: str | None = None,
) -> tuple[Calibration, SkipReport]:
    """Fit T on every row (against ``target``, the file ``targets`` or a CSV column) and
    write the result in ``output``'s format (a report for a table), the reliability
    diagram to ``plot`` when given (the caller has checked that matplotlib is there);
    return the result and what was skipped."""
    source, fixed_target = open_targeted_rows(spec, config, target, target_column, targets)
    log_probs, true_classes = collect_rows(source, config, fixed_target, spec.skip_invalid)
    if len(true_classes) < MIN_ROWS:
        noun = "row" if len(true_classes) == 1 else "rows"
        skipped = f"; {source.skipped.summary()}" if source.skipped.count else ""
        raise DataError(
            f"calibration needs at least {MIN_ROWS} rows, got {len(true_classes)} {noun}{skipped}"
        )
    # Log-probabilities are logits (softmax(log p / T) = softmax(z / T)), and for --probs
    # they are what gets calibrated: a probability of 0 stays 0 at every T.
    result = calibrate(log_probs, true_classes, n_bins, copy=False)  # no other use for them
    if plot is not None:
        from softmax_cli.render.plots import plot_reliability

        plot_reliability(plot, result)
    if output.is_table:
        from softmax_cli.render.calibration import render_report
        from softmax_cli.render.console import make_console

        applying = how_to_apply(config, result.temperature)
        render_report(make_console(output.color), result, output.precision, applying)
    else:
        stdout.write(format_calibration(result, output.fmt, output.precision))
    return result, source.skipped


def collect_rows(
    source: RowSource, config: LossConfig, fixed_target: int | None, skip_invalid: bool
) -> tuple[FloatArray, IntArray]:
    """Every row's log-probabilities per class, shape ``(n, K)``, and targets, ``(n,)``.

    A row whose target has probability 0 has an infinite NLL at every temperature: it
    stops the run (exit 65), or with ``skip_invalid`` it is skipped and reported."""
    gate = RowGate(skip_invalid, None, skipped=source.skipped)
    kept: list[FloatArray] = []
    kept_targets: list[IntArray] = []
    for chunk in source:
        targets = chunk_targets(chunk, fixed_target)
        log_probs = class_log_probs(chunk.values, config)
        impossible = np.isneginf(log_probs[np.arange(len(targets)), targets])
        error_at = partial(_impossible_target, config, chunk.line_numbers)
        keep, error = gate.good_rows(impossible, chunk.line_numbers, error_at)
        if error is not None:  # every row is needed for the fit: no use for those before
            raise error
        kept.append(log_probs[keep])
        kept_targets.append(targets[keep])
    if not kept:
        return np.empty((0, 0)), np.empty(0, dtype=np.intp)
    return np.concatenate(kept), np.concatenate(kept_targets)


def _impossible_target(config: LossConfig, lines: IntArray, row: int) -> DataError:
    hint = " (--clip EPS bounds it)" if config.probs else ""
    message = "the target class has probability 0: its loss is infinite at every temperature"
    return DataError(message + hint, int(lines[row]))


def how_to_apply(config: LossConfig, temperature: float) -> str:
    """The command (or formula) that applies the fitted temperature to new scores."""
    t = f"{temperature:.6g}"
    if config.binary:
        z = "logit(p)" if config.probs else "z"
        return f"p = sigmoid({z} / {t})"
    if config.probs:
        return f"softmax -t {t} on the log-probabilities, log p"
    return f"softmax -t {t} on the same logits"


def summary(result: Calibration, precision: int) -> str:
    """One line for stderr: rows, T, and NLL and ECE before -> after."""
    before, after = result.before, result.after
    return (
        f"{result.rows} rows, T = {result.temperature:.{precision}f}, NLL "
        f"{before.nll:.{precision}f} -> {after.nll:.{precision}f} nats, ECE "
        f"{before.ece:.{precision}f} -> {after.ece:.{precision}f}"
    )
