"""The ``calibrate`` command: temperature scaling and calibration metrics."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import engine_options, engine_spec
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    check_plotting,
    check_target_options,
    input_options,
    input_spec,
    output_spec,
    plot_option,
    probability_options,
    report_output_options,
    report_skipped,
    stdout_bytes,
    target_options,
)
from softmax_cli.cli.ranges import MAX_BINS, count_at_most


@click.command("calibrate", cls=NumbersCommand)
@input_options
@report_output_options
@target_options
@probability_options
@click.option(
    "--bins",
    type=count_at_most(MAX_BINS),
    default=15,  # core.calibration.DEFAULT_BINS; a literal so that --help needs no NumPy
    show_default=True,
    metavar="M",
    help="Equal-width bins on the top probability, for ECE, MCE and the reliability table "
    f"(at most {MAX_BINS:,}).",
)
@plot_option("Draw the reliability diagrams before and after (needs matplotlib).")
@engine_options
def calibrate_command(
    target: str | None,
    target_column: str | None,
    targets_file: str | None,
    probs: bool,
    binary: bool,
    clip: float | None,
    renormalize: bool,
    bins: int,
    plot: str | None,
    **kwargs: Any,
) -> None:
    """Fit the temperature that calibrates a classifier's probabilities.

    Reads what xent reads: CSV rows of logits (or --probs probabilities) with each row's
    true class in a column, or rows (CSV or .npy) with their true classes in a file of
    their own (--targets: a 1-D integer .npy, or one label or index per line). Finds the
    T > 0 that minimises the mean NLL of softmax(z / T) and reports NLL, accuracy, Brier
    score, ECE and MCE before (T = 1) and after, with a reliability table per bin. A T
    that reaches the search's bounds (1e-3 or 1e3) is reported as such, with a warning.

    The fit needs every row at each T it tries. An .npy file given with -i (or stdin
    redirected from one), with --target or a --targets file, is read again for each T,
    in memory that does not grow with its rows. Anything else (CSV, or a pipe) is held
    in memory: n x K x 8 bytes for n rows of K classes, plus the targets (not the text).
    With several input files and --workers or --scheduler, each is read once and held by a
    Dask worker, and every T the fit tries adds up the shards' sums.

    \b
    Examples:
      softmax calibrate --target-column label < scored.csv
      softmax calibrate --bins 10 --plot reliability.png < scored.csv
      cat scored.csv | softmax calibrate --format json | jq .temperature
      softmax -f csv < logits.csv | paste -d, - y.txt | softmax calibrate --probs --target-column 3
      softmax calibrate -i logits.npy --targets tokens.npy --format json
    """
    check_target_options(target, target_column, targets_file)
    from softmax_cli.workflows.calculator.calibrate import calibrate_rows, summary
    from softmax_cli.workflows.calculator.loss_input import LossConfig

    spec, output = input_spec(kwargs), output_spec(kwargs, otherwise="json")
    engine = engine_spec(kwargs, spec)
    config = LossConfig(probs=probs, binary=binary, clip=clip, renormalize=renormalize)
    check_plotting(plot)  # before reading every row, not after
    targeting = {"target": target, "target_column": target_column, "targets": targets_file}
    if engine.on_cluster:
        from softmax_cli.workflows.cluster.calibrate import calibrate_shards

        result, skipped = calibrate_shards(
            engine, spec, config, output, stdout_bytes(), **targeting, n_bins=bins, plot=plot
        )
    else:
        result, skipped = calibrate_rows(
            spec, config, output, stdout_bytes(), **targeting, n_bins=bins, plot=plot
        )
    if not spec.quiet and not output.is_table:
        click.echo(f"calibrate: {summary(result, output.precision)}", err=True)
    if result.fit.note is not None:
        click.echo(f"warning: {result.fit.note}", err=True)
    report_skipped(skipped)
