"""The calibrate use case: fit a temperature to every row, then report.

Rows come in exactly as xent reads them (logits or probabilities with a target per
row). The fit needs every row at each temperature it tries. An ``.npy`` file that can
be read again (a regular file) is, once per temperature (``calibrate_file``), in memory
that does not grow with its rows; anything else (CSV, a pipe) is read once and each
chunk's log-probabilities per class and its targets are kept (never the text): n x K
floats and n integers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.calculator.calibration import DEFAULT_BINS, calibrate
from softmax_cli.io.formats.reports import format_calibration
from softmax_cli.io.sources import rereadable_npy
from softmax_cli.workflows.calculator.calibration_input import calibration_blocks, check_enough_rows
from softmax_cli.workflows.calculator.loss_input import LossConfig, open_targeted_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.calculator.calibration import Calibration
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource, SkipReport
    from softmax_cli.workflows.calculator.stream import OutputSpec


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
    start = None
    named_target = (target, targets) != (None, None)
    if (
        spec.stream is not None
        and not spec.from_arguments
        and target_column is None
        and named_target
    ):
        start = rereadable_npy(spec.stream, targets)
    if start is not None:
        from softmax_cli.workflows.calculator.calibrate_file import calibrate_file

        result, skipped = calibrate_file(
            spec, config, start, n_bins, target=target, targets=targets
        )
    else:
        result, skipped = calibrate_in_memory(
            spec, config, n_bins, target=target, target_column=target_column, targets=targets
        )
    write_report(result, config, output, stdout, plot)
    return result, skipped


def write_report(
    result: Calibration, config: LossConfig, output: OutputSpec, stdout: BinaryIO, plot: str | None
) -> None:
    """The fit's report in ``output``'s format, and its reliability diagram to ``plot``
    when given."""
    if plot is not None:
        from softmax_cli.io.named_file import replacing
        from softmax_cli.render.plots import plot_reliability

        with replacing(plot) as stream:
            plot_reliability(stream, result)
    if output.is_table:
        from softmax_cli.render.calibration import render_report
        from softmax_cli.render.console import make_console

        applying = how_to_apply(config, result.temperature)
        render_report(make_console(output.color), result, output.precision, applying)
    else:
        stdout.write(format_calibration(result, output.fmt, output.precision))


def calibrate_in_memory(
    spec: InputSpec,
    config: LossConfig,
    n_bins: int,
    *,
    target: str | None = None,
    target_column: str | None = None,
    targets: str | None = None,
) -> tuple[Calibration, SkipReport]:
    """Read every row once, keep its scores, and fit T on them: n x K floats in memory."""
    source, fixed_target = open_targeted_rows(spec, config, target, target_column, targets)
    log_probs, true_classes = collect_rows(source, config, fixed_target, spec.skip_invalid)
    check_enough_rows(len(true_classes), source.skipped)
    # Log-probabilities are logits (softmax(log p / T) = softmax(z / T)), and for --probs
    # they are what gets calibrated: a probability of 0 stays 0 at every T.
    result = calibrate(log_probs, true_classes, n_bins, copy=False)  # no other use for them
    return result, source.skipped


def collect_rows(
    source: RowSource, config: LossConfig, fixed_target: int | None, skip_invalid: bool
) -> tuple[FloatArray, IntArray]:
    """Every row's log-probabilities per class, shape ``(n, K)``, and targets, ``(n,)``.

    A row whose target has probability 0 has an infinite NLL at every temperature: it
    stops the run (exit 65), or with ``skip_invalid`` it is skipped and reported."""
    kept: list[FloatArray] = []
    kept_targets: list[IntArray] = []
    for log_probs, targets in calibration_blocks(source, config, fixed_target, skip_invalid):
        kept.append(log_probs)
        kept_targets.append(targets)
    if not kept:
        return np.empty((0, 0)), np.empty(0, dtype=np.intp)
    return np.concatenate(kept), np.concatenate(kept_targets)


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
