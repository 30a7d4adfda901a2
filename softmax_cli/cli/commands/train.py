"""The ``train`` command: a softmax classifier on the user's own CSV."""

from __future__ import annotations

from typing import Any, BinaryIO

import click

from softmax_cli.cli.engine_options import engine_options
from softmax_cli.cli.name_lists import split_labels
from softmax_cli.cli.options import (
    announce_seed,
    check_plotting,
    chosen_seed,
    delimiter_option,
    layer_sizes,
    report_as_table,
    show_progress,
    stdout_bytes,
    trainer_options,
)
from softmax_cli.cli.ranges import FloatRange
from softmax_cli.cli.shard_inputs import complete_paths, input_files
from softmax_cli.core.trainer.train_config import TrainConfig

DEFAULTS = TrainConfig()


def _test_size(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A fraction in (0, 1), or a number of rows >= 1."""
    if value is None:
        return None
    try:
        size = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a fraction or a row count") from None
    if not (0 < size < 1 or (size >= 1 and size.is_integer())):
        raise click.BadParameter(f"give a fraction between 0 and 1, or a row count; got {value}")
    return size


def _auto(kind: str) -> str:
    return f"[default: auto, {kind}]"


@click.command("train")
@click.argument(
    "data",
    nargs=-1,
    required=True,
    callback=input_files,
    metavar="DATA",
    shell_complete=complete_paths,
)
@click.option("--target", metavar="NAME|INDEX", help="The class column. " + _auto("see below"))
@click.option(
    "--drop",
    callback=split_labels,
    metavar="A,B,...",
    help="Columns to leave out: names, or 0-based indices for names no column has.",
)
@delimiter_option
@click.option(
    "--missing",
    type=click.Choice(["mean", "drop", "error"]),
    default=DEFAULTS.missing,
    show_default=True,
    help="Missing cells: fill (numeric: mean; categorical: own category), drop the row, or stop.",
)
@click.option(
    "--standardize/--no-standardize",
    default=DEFAULTS.standardize,
    show_default=True,
    help="Z-score numeric columns (with the training part's mean and deviation).",
)
@click.option(
    "--hidden",
    default="",
    callback=layer_sizes(at_least_one=False),
    metavar="N,N,...",
    help="Hidden ReLU layer sizes for an MLP (each at most 100,000 units, at most "
    "10,000,000 parameters in all). [default: none, softmax regression]",
)
@click.option(
    "--l2",
    type=FloatRange(min=0),
    metavar="LAMBDA",
    help="Penalty: mean loss + LAMBDA/2 ||W||^2. " + _auto("1/n: scikit-learn's C=1"),
)
@click.option(
    "--class-weight",
    type=click.Choice(["none", "balanced"]),
    default=DEFAULTS.class_weight,
    show_default=True,
    help="balanced weighs class k by n / (K n_k), as scikit-learn does.",
)
@click.option(
    "--solver",
    type=click.Choice(["auto", "lbfgs", "adam"]),
    default=DEFAULTS.solver,
    show_default=True,
    help="auto: L-BFGS, but Adam for an MLP on over 10,000 rows.",
)
@click.option(
    "--max-epochs",
    type=click.IntRange(min=1),
    default=DEFAULTS.max_epochs,
    show_default=True,
    help="Most epochs (L-BFGS: iterations); a fit they cut short gets a warning.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULTS.batch_size,
    show_default=True,
    help="Rows per Adam step.",
)
@click.option(
    "--lr",
    type=FloatRange(min=0, min_open=True),
    default=DEFAULTS.lr,
    show_default=True,
    help="Adam's learning rate.",
)
@click.option(
    "--patience",
    type=click.IntRange(min=0),
    help="Stop after N epochs without a better validation loss, keeping the best "
    "weights; 0: never. " + _auto("10 with Adam, 0 with L-BFGS"),
)
@click.option(
    "--test-size",
    callback=_test_size,
    metavar="F|N",
    help="Test part: a fraction or a row count, stratified. [default: 0.2]",
)
@click.option(
    "--test",
    "test_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Evaluate on this CSV (same columns) instead of a split.",
)
@click.option(
    "--validation-split",
    type=FloatRange(0, 1, max_open=True),
    default=DEFAULTS.validation_split,
    show_default=True,
    help="Fraction of the training part, stratified, that decides early stopping.",
)
@click.option(
    "--cv",
    type=click.IntRange(min=2),
    metavar="K",
    help="Stratified K-fold cross-validation instead of a test part.",
)
@engine_options
@trainer_options
def train_command(
    data: tuple[BinaryIO | None, tuple[str, ...]],
    delimiter: str | None,
    test_size: float | None,
    test_file: BinaryIO | None,
    seed: int | None,
    fmt: str,
    save: str | None,
    plot: str | None,
    progress: bool,
    quiet: bool,
    color: str,
    **options: Any,
) -> None:
    """Train a softmax classifier on your own CSV, and report how well it does.

    DATA is a CSV file with a header row ('-' reads stdin); several files or a quoted
    glob are shards with one header, read in sorted name order as one table, and
    --workers/--scheduler fit softmax regression on them on a Dask cluster. The target
    is --target, else a column named target, label, class or y, else the last column
    (unless it looks like a measurement: then name it with --target); labels that are
    all numbers are classes in number order (2.0 is 2). Every other column is a
    feature: numeric, or categorical (one-hot). Row indices are left out: an unnamed
    first column (pandas, R) and a column counting the rows up by 1. Preprocessing is
    fitted on the training part only and saved with the model. The default model is multinomial
    logistic regression; --hidden makes it an MLP. A stratified test part (--test-size)
    measures accuracy, log loss and macro-F1; --cv K cross-validates instead. The report
    goes to a terminal, JSON anywhere else; --save keeps the model for 'softmax predict'.

    \b
    Examples:
      softmax train iris.csv --seed 1
      softmax train data.csv --target species --drop id --hidden 64 --save model.npz
      softmax train data.csv --cv 5 --format json | jq .cv
      cat data.csv | softmax train - --test-size 0.25 --class-weight balanced
    """
    from softmax_cli.cli.engine_options import engine_spec
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.trainer.train import TestSet, train_and_report
    from softmax_cli.workflows.trainer.train_output import Report

    stream, shards = data
    engine = engine_spec(
        options, InputSpec((), stream, delimiter, None, None, False, quiet, shards)
    )

    if test_file is not None and (test_size is not None or options["cv"]):
        raise click.UsageError("give --test, --test-size or --cv, not two of them")
    if test_size is not None and options["cv"]:
        raise click.UsageError("give --test-size or --cv, not both")
    check_plotting(plot)
    config = TrainConfig(
        **{**options, "drop": options["drop"] or ()},
        test_size=DEFAULTS.test_size if test_size is None else test_size,
        seed=chosen_seed(seed, quiet=True),
    )
    # A chosen seed is announced once the data is good and training starts: a run
    # that fails on its input has nothing to repeat.
    announce = seed is None and not quiet
    report = Report(stdout_bytes(), report_as_table(fmt), color, save, plot)
    source = shards[0] if len(shards) == 1 else (f"{len(shards)} shards" if shards else "stdin")
    common: dict[str, Any] = {
        "delimiter": delimiter,
        "test_set": TestSet(test_file, test_file.name) if test_file is not None else None,
        "notify": (lambda note: None)
        if quiet
        else (lambda note: click.echo(f"note: {note}", err=True)),
        "show_progress": show_progress(progress, quiet),
        "starting": (lambda: announce_seed(config.seed)) if announce else (lambda: None),
        "warn": lambda warning: click.echo(f"warning: {warning}", err=True),
    }
    if engine.on_cluster:
        from softmax_cli.workflows.cluster.train import train_on_cluster

        train_on_cluster(shards, engine, source, config, report, **common)
        return
    train_and_report(shards if stream is None else stream, source, config, report, **common)
