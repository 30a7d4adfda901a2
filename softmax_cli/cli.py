"""The ``softmax`` console script: thin Click commands over pipeline, render and core.

NumPy, Rich and the I/O modules are imported inside command bodies, so ``--help`` and
tab completion never pay for them.
"""

from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

import click

from softmax_cli import __version__
from softmax_cli.completion import SHELLS
from softmax_cli.errors import EXIT_FAILURE, EXIT_INTERRUPTED
from softmax_cli.group import DefaultGroup, NumbersCommand
from softmax_cli.options import color_option, input_options, output_options

EXIT_CODES_HELP = """\b
Exit codes:
  0    success (also for empty input)
  1    failure that is not the input's fault (I/O error, closed pipe)
  2    usage error: bad option or value, unknown command, no input on a terminal
  65   bad input data: bad cell, ragged row, ... (EX_DATAERR)
  130  interrupted (Ctrl-C)"""


def _positive_finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0 < value < float("inf"):
        raise click.BadParameter(f"must be a positive finite number, got {value:g}")
    return value


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, "-V", "--version", prog_name="softmax")
def cli() -> None:
    """Softmax, sigmoid and cross-entropy from the command line.

    When the first argument is not a command, the softmax command runs, so
    'softmax 1 2 3' is 'softmax softmax 1 2 3' and 'cat logits.csv | softmax'
    reads CSV rows from stdin.

    \b
    Examples:
      softmax 0.7 1.5 4.8
      softmax --labels dog,cat,boat,airplane -3.44 1.16 -0.81 3.91
      cat logits.csv | softmax --format json | head
    """


def _input_spec(kwargs: dict[str, Any]) -> Any:
    from softmax_cli.pipeline import InputSpec

    return InputSpec(
        values=kwargs.pop("values"),
        stream=kwargs.pop("input_stream"),
        delimiter=kwargs.pop("delimiter"),
        header=kwargs.pop("header"),
        labels=kwargs.pop("labels"),
        skip_invalid=kwargs.pop("skip_invalid"),
    )


def _output_spec(kwargs: dict[str, Any]) -> Any:
    from softmax_cli.pipeline import OutputSpec, resolve_format

    fmt = resolve_format(kwargs.pop("fmt"), _stdout())
    return OutputSpec(fmt=fmt, precision=kwargs.pop("precision"), color=kwargs.pop("color"))


def _stdout() -> BinaryIO:
    return sys.stdout.buffer


def _report_skipped(source: Any) -> None:
    if source.skipped.count:
        click.echo(f"warning: {source.skipped.summary()}", err=True)


@cli.command("softmax", cls=NumbersCommand)
@input_options
@output_options
@click.option(
    "-t",
    "--temperature",
    type=float,
    default=1.0,
    show_default=True,
    callback=_positive_finite,
    help="Divide logits by T > 0 first: T < 1 sharpens, T > 1 flattens.",
)
@click.option("--log", "log", is_flag=True, help="Print log-softmax, computed stably.")
@click.option("--explain", is_flag=True, help="Show every step for a single vector.")
@click.option("--argmax", is_flag=True, help="Add the predicted class to machine formats.")
def softmax_command(
    temperature: float, log: bool, explain: bool, argmax: bool, **kwargs: Any
) -> None:
    """Turn logits into probabilities: exp(x_i) / sum_j exp(x_j), per row.

    Values come as arguments (one vector, space- or comma-separated; negative
    numbers need no '--'), or as CSV rows on stdin or from --input, one sample
    per row. A non-numeric first row is a header of class labels. Blank lines
    and lines starting with '#' are skipped. Results are a table on a terminal,
    CSV in a pipe, streamed in constant memory.

    \b
    Examples:
      softmax 0.7 1.5 4.8
      softmax -t 0.5 --labels a,b,c -1 -2.5 3e-2
      softmax --explain 0.7 1.5 4.8
      cat logits.csv | softmax --argmax | head
    """
    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows
    from softmax_cli.reader import RowRule

    spec, output = _input_spec(kwargs), _output_spec(kwargs)
    rule = RowRule(core.fully_masked_rows, "every logit is -inf: no class can get a probability")
    source = open_rows(spec, rule)
    if explain:
        _explain(source, output, temperature)
        return

    def compute(logits: Any) -> Any:
        return core.log_softmax(logits, temperature) if log else core.softmax(logits, temperature)

    view = TableView("log-probability" if log else "probability", log=log)
    stream_rows(
        source,
        compute,
        output,
        _stdout(),
        argmax="argmax" if argmax else None,
        unit_interval=not log,
        view=view,
    )
    _report_skipped(source)


@cli.command("sigmoid", cls=NumbersCommand)
@input_options
@output_options
@click.option("--log", "log", is_flag=True, help="Print log-sigmoid, computed stably.")
@click.option("--compare", is_flag=True, help="Show softmax beside sigmoid, with both sums.")
def sigmoid_command(log: bool, compare: bool, **kwargs: Any) -> None:
    """Apply the logistic function 1 / (1 + exp(-x)) to every value.

    Each value is scored on its own, so a row's sigmoids need not sum to 1 (unlike
    softmax). Input and output work as for the softmax command. --compare adds softmax
    beside it: in machine formats as extra columns sigmoid_<class>..., softmax_<class>...,
    sigmoid_sum, softmax_sum (with a header line).

    \b
    Examples:
      softmax sigmoid -40 0 40
      softmax sigmoid --compare 0.7 1.5 4.8
      cut -d, -f2 scores.csv | softmax sigmoid --format json
    """
    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows

    spec, output = _input_spec(kwargs), _output_spec(kwargs)
    if compare:
        _compare(spec, output)
        return
    source = open_rows(spec)
    compute = core.log_sigmoid if log else core.sigmoid
    view = TableView("log-sigmoid" if log else "sigmoid", mark_best=False, log=log)
    stream_rows(source, compute, output, _stdout(), unit_interval=not log, view=view)
    _report_skipped(source)


def _parse_weights(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, ...] | None:
    """``--weights 1,2,0.5`` → ``(1.0, 2.0, 0.5)``: finite, non-negative, not all zero."""
    if value is None:
        return None
    weights = []
    for index, cell in enumerate(value.split(","), start=1):
        try:
            weight = float(cell)
        except ValueError:
            raise click.BadParameter(f"weight {index}: {cell.strip()!r} is not a number") from None
        if not 0 <= weight < float("inf"):
            raise click.BadParameter(f"weight {index}: must be finite and >= 0, got {cell.strip()}")
        weights.append(weight)
    if not any(weights):
        raise click.BadParameter("at least one weight must be positive")
    return tuple(weights)


@cli.command("xent", cls=NumbersCommand)
@input_options
@output_options
@click.option(
    "--target",
    metavar="IDX|LABEL",
    help="The true class (0-based index or label) of the values, or of every CSV row.",
)
@click.option(
    "--target-column",
    metavar="NAME|INDEX",
    help="CSV column holding each row's true class. [default: a header column "
    "named target or label]",
)
@click.option("--probs", is_flag=True, help="Inputs are probabilities (rows sum to 1), not logits.")
@click.option(
    "--binary",
    is_flag=True,
    help="One logit (or probability) of class 1 per row, targets 0/1: binary cross-entropy.",
)
@click.option(
    "--label-smoothing",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    metavar="E",
    help="Target mass 1-E on the true class plus E/K spread over all K classes (PyTorch).",
)
@click.option(
    "--weights",
    callback=_parse_weights,
    metavar="W1,W2,...",
    help="Per-class weights; the mean then divides by the sum of the targets' weights.",
)
@click.option(
    "--clip",
    type=click.FloatRange(0, 0.5, min_open=True, max_open=True),
    metavar="EPS",
    help="With --probs: clip probabilities to [EPS, 1-EPS] (Keras uses 1e-7).",
)
@click.option("--renormalize", is_flag=True, help="With --probs: divide each row by its sum first.")
@click.option(
    "--base",
    type=click.Choice(["e", "2"]),
    default="e",
    show_default=True,
    help="Logarithm base: e for nats, 2 for bits.",
)
@click.option(
    "--reduction",
    type=click.Choice(["none", "mean", "sum"]),
    default="none",
    show_default=True,
    help="Per-row losses, or one number: their (weighted) mean or sum.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
def xent_command(
    target: str | None,
    target_column: str | None,
    probs: bool,
    binary: bool,
    label_smoothing: float,
    weights: tuple[float, ...] | None,
    clip: float | None,
    renormalize: bool,
    base: str,
    reduction: str,
    quiet: bool,
    **kwargs: Any,
) -> None:
    """Cross-entropy: -log p(target), with p = softmax(logits), per row.

    Give one vector as arguments with --target, or CSV rows whose target class is in a
    column (--target-column; by default a header column named target or label). Target
    cells and --target are class labels or 0-based indices. Output per row: loss,
    target_prob, target, predicted; in machine formats a summary (rows, mean loss,
    accuracy) goes to stderr. --reduction mean|sum prints one number instead.

    \b
    Examples:
      softmax xent --target airplane --labels dog,cat,boat,airplane -3.44 1.16 -0.81 3.91
      softmax xent --binary --target 1 2.5
      softmax xent --probs --target 0 0.9,0.05,0.05
      cat scored.csv | softmax xent --target-column label --reduction mean
    """
    from softmax_cli import scoring
    from softmax_cli.errors import ArgumentError, DataError
    from softmax_cli.pipeline import open_rows
    from softmax_cli.targets import TargetParser, TargetSpec

    spec, output = _input_spec(kwargs), _output_spec(kwargs)
    from_arguments = bool(spec.values) and spec.values != ("-",)
    if (clip is not None or renormalize) and not probs:
        raise ArgumentError("--clip and --renormalize apply to --probs input only")
    if binary and spec.labels:
        raise ArgumentError("--labels does not apply with --binary: its classes are 0 and 1")
    if target is not None and target_column is not None:
        raise ArgumentError("give --target or --target-column, not both")
    if from_arguments and target_column is not None:
        raise ArgumentError("--target-column is for CSV input; with values give --target")
    if from_arguments and target is None:
        raise ArgumentError("which class is true? give --target IDX|LABEL")
    config = scoring.LossConfig(probs, binary, label_smoothing, weights, clip, renormalize, base)
    target_spec = TargetSpec(target_column, binary) if target is None else None
    source = open_rows(spec, scoring.row_rule(config), target_spec)
    if source.n_columns is None:
        return
    mismatch = ArgumentError if from_arguments else DataError
    if binary and source.n_columns != 1:
        raise mismatch(f"--binary takes one value per row, the input has {source.n_columns}")
    n_classes = config.n_classes(source.n_columns)
    if weights is not None and len(weights) != n_classes:
        raise mismatch(f"{len(weights)} weights given for {n_classes} classes")
    fixed_target = None
    if target is not None:
        try:
            fixed_target = TargetParser(source.labels, n_classes, binary).parse(target)
        except ValueError as exc:
            raise ArgumentError(f"--target: {exc}") from None
    totals = scoring.LossTotals(weights)
    scored = scoring.scored_chunks(source, config, fixed_target)
    if output.is_table:
        names = config.class_names(source.labels, source.n_columns)
        scoring.render_scores(scored, totals, names, config, output, reduction)
    else:
        labels = None if binary else source.labels
        scoring.write_scores(scored, totals, labels, output, _stdout(), reduction)
        if totals.rows and not quiet:
            click.echo(f"xent: {totals.summary(config.unit, output.precision)}", err=True)
    warning = totals.warning(probs)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    _report_skipped(source)


def _compare(spec: Any, output: Any) -> None:
    """``sigmoid --compare``: sigmoid and softmax side by side, with both sums."""
    import numpy as np

    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows
    from softmax_cli.reader import RowRule

    rule = RowRule(core.fully_masked_rows, "every logit is -inf: softmax is undefined")
    source = open_rows(spec, rule)

    def compute(logits: Any) -> Any:
        sigmoids, probs = core.sigmoid(logits), core.softmax(logits)
        sums = np.column_stack([sigmoids.sum(axis=1), probs.sum(axis=1)])
        return np.hstack([sigmoids, probs, sums])

    # An empty input has no columns to name: no header, like every filter on no input.
    names = _comparison_columns(source.labels, source.n_columns) if source.n_columns else None
    view = TableView("sigmoid and softmax", mark_best=False, comparison=True)
    stream_rows(source, compute, output, _stdout(), view=view, columns=names)
    _report_skipped(source)


def _comparison_columns(labels: list[str] | None, width: int) -> list[str]:
    from softmax_cli.writer import class_names

    classes = class_names(labels, width)
    return [
        *(f"sigmoid_{name}" for name in classes),
        *(f"softmax_{name}" for name in classes),
        "sigmoid_sum",
        "softmax_sum",
    ]


def _parse_centers(
    ctx: click.Context, param: click.Parameter, value: str
) -> tuple[tuple[float, ...], ...]:
    """``"15,0 15,15"`` → ``((15.0, 0.0), (15.0, 15.0))``: one center per class."""
    centers = []
    for index, point in enumerate(value.split(), start=1):
        try:
            center = tuple(float(v) for v in point.split(","))
        except ValueError:
            raise click.BadParameter(f"center {index}: {point!r} is not X,Y,... numbers") from None
        if not all(abs(v) < float("inf") for v in center):
            raise click.BadParameter(f"center {index}: {point!r} must be finite")
        centers.append(center)
    if len(centers) < 2:
        raise click.BadParameter("give at least two centers (classes), e.g. '0,0 5,5'")
    if len({len(center) for center in centers}) != 1:
        raise click.BadParameter("every center needs the same number of coordinates")
    return tuple(centers)


def _parse_hidden(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    """``"12,8"`` → ``(12, 8)``: the sizes of the hidden layers, at least one."""
    try:
        sizes = tuple(int(v) for v in value.split(",")) if value.strip() else ()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a list of layer sizes like 12,8") from None
    if not sizes or min(sizes) < 1:
        raise click.BadParameter("give one or more positive layer sizes, like 12,8")
    return sizes


@cli.command("train-blobs")
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=1000,
    show_default=True,
    help="Samples drawn in all (test set included).",
)
@click.option(
    "--test-size",
    type=click.IntRange(min=1),
    default=250,
    show_default=True,
    help="The first this many samples are the test set.",
)
@click.option(
    "--centers",
    default="15,0 15,15 0,15 30,15",
    show_default=True,
    callback=_parse_centers,
    metavar="X,Y ...",
    help="Blob centers, one class each; their length is the number of features.",
)
@click.option(
    "--std",
    type=click.FloatRange(min=0, min_open=True),
    default=1.5,
    show_default=True,
    help="Standard deviation of every blob.",
)
@click.option(
    "--hidden",
    default="12,8",
    show_default=True,
    callback=_parse_hidden,
    metavar="N,N,...",
    help="Hidden ReLU layer sizes (any depth).",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Passes over the training set.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Samples per Adam step.",
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=0.001,
    show_default=True,
    help="Adam's learning rate.",
)
@click.option(
    "--validation-split",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.2,
    show_default=True,
    help="Fraction held out for validation from the end of the training part.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    help="Fixes data, initial weights and shuffling. [default: random, printed]",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["auto", "table", "json"]),
    default="auto",
    show_default=True,
    help="auto is the report on a terminal, JSON otherwise.",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False, writable=True),
    metavar="MODEL.npz",
    help="Write the trained model here (for 'softmax predict').",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE.png",
    help="Draw data, decision regions and learning curves (needs matplotlib).",
)
@click.option(
    "--progress",
    is_flag=True,
    help="Show per-epoch progress on stderr even when it is not a terminal.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress and no notes on stderr.")
@color_option
def train_blobs_command(
    seed: int | None,
    fmt: str,
    save: str | None,
    plot: str | None,
    progress: bool,
    quiet: bool,
    color: str,
    **knobs: Any,
) -> None:
    """Train a small softmax classifier on Gaussian blobs, in NumPy.

    Re-creates the classic Keras experiment: four blobs of 2-D points, a 12-8 ReLU
    network with a softmax output, cross-entropy and Adam, batch size 5, 30 epochs. The
    first 250 samples are the test set; the last 20 % of the rest validates. While it
    trains, one line per epoch goes to stderr (on a terminal). The report shows test loss
    and accuracy, learning curves, a confusion matrix and softmax outputs; --format json
    gives the same as one JSON object.

    \b
    Examples:
      softmax train-blobs --seed 1
      softmax train-blobs --seed 1 --save model.npz --plot blobs.png
      softmax train-blobs --hidden 32,16,8 --epochs 10 --format json | jq .test
    """
    import secrets

    from softmax_cli.training import BlobsConfig

    config = BlobsConfig(**knobs)
    for problem in config.problems():
        raise click.UsageError(problem)
    if plot is not None:
        from softmax_cli.plotting import require_matplotlib

        require_matplotlib()
    if seed is None:
        seed = secrets.randbelow(2**32)
        if not quiet:
            click.echo(f"seed {seed} (repeat this run with --seed {seed})", err=True)
    fmt = "table" if fmt == "auto" and sys.stdout.isatty() else "json" if fmt == "auto" else fmt
    show_progress = not quiet and (progress or sys.stderr.isatty())
    data, result = _train(config, seed, show_progress, color)
    if save is not None:
        from softmax_cli.modelfile import save_model

        labels = [str(i) for i in range(len(config.centers))]
        save_model(save, result.model, labels, {**config._asdict(), "seed": seed})
    if plot is not None:
        from softmax_cli.plotting import plot_training

        plot_training(plot, result.model, data, result.history)
    if fmt == "json":
        from softmax_cli.writer import format_training_json

        _stdout().write(format_training_json(config, seed, result))
    else:
        from softmax_cli import render, render_training

        console = render.make_console(color)
        render_training.render_report(console, config, seed, data, result)


def _train(config: Any, seed: int, show_progress: bool, color: str) -> tuple[Any, Any]:
    """Make the data and train, with the progress display on stderr when asked."""
    import numpy as np

    from softmax_cli import training

    data = training.make_dataset(config, seed)
    rng = np.random.default_rng(seed)
    if not show_progress:
        return data, training.train(config, data, rng)
    from softmax_cli import render, render_training

    console = render.make_console(color, stderr=True)
    with render_training.training_progress(console, config.epochs) as shown:
        return data, training.train(config, data, rng, shown.on_epoch, shown.on_batch)


@cli.command("predict", cls=NumbersCommand)
@click.option(
    "-m",
    "--model",
    "model_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="MODEL.npz",
    help="A model saved by 'softmax train-blobs --save'.",
)
@input_options
@output_options
def predict_command(model_path: str, **kwargs: Any) -> None:
    """Class probabilities from a trained model, and the predicted class.

    Features come as arguments (one sample) or as CSV rows on stdin or from --input,
    one sample per row, with the same input rules as the softmax command (a header
    row names the features). Output: one probability per class and the predicted
    class; --labels renames the model's classes.

    \b
    Examples:
      softmax train-blobs --seed 1 --save model.npz --quiet >/dev/null
      softmax predict --model model.npz 15.2 0.3
      printf 'x,y\\n15,0\\n0,15\\n' | softmax predict -m model.npz --format json
    """
    from softmax_cli.errors import ArgumentError, DataError
    from softmax_cli.modelfile import load_model
    from softmax_cli.pipeline import TableView, open_rows, stream_rows
    from softmax_cli.reader import RowRule

    saved = load_model(model_path)
    spec, output = _input_spec(kwargs), _output_spec(kwargs)
    labels = list(spec.labels) if spec.labels else saved.labels
    if len(labels) != saved.model.n_classes:
        raise ArgumentError(f"{len(labels)} labels given for {saved.model.n_classes} classes")
    source = open_rows(spec._replace(labels=None), RowRule(_non_finite_rows, "", _first_non_finite))
    if source.n_columns is not None and source.n_columns != saved.model.n_features:
        raise DataError(
            f"the model takes {saved.model.n_features} features, the input has {source.n_columns}"
        )
    view = TableView(mark_best=True, show_inputs=False)
    stream_rows(
        source,
        saved.model.predict_proba,
        output,
        _stdout(),
        argmax="predicted",
        unit_interval=True,
        view=view,
        labels=labels,
    )
    _report_skipped(source)


def _non_finite_rows(values: Any) -> Any:
    import numpy as np

    return ~np.isfinite(values).all(axis=1)


def _first_non_finite(row: Any) -> tuple[str, int | None]:
    import numpy as np

    column = int(np.argmin(np.isfinite(row)))
    return f"feature {row[column]:g} is not finite", column + 1


@cli.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the tab-completion script for a shell.

    Completes commands, options, choices (--format, --base, --reduction...) and file
    names (--input, --model, --save, --plot). Load it in the current shell, or save it
    where your shell looks for completions (see the README).

    \b
    Examples:
      eval "$(softmax completion bash)"
      softmax completion zsh > "${fpath[1]}/_softmax"
      softmax completion fish > ~/.config/fish/completions/softmax.fish
      softmax completion bash | head -3
    """
    from softmax_cli.completion import completion_script

    click.echo(completion_script(cli, shell), nl=False)


def _explain(source: Any, output: Any, temperature: float) -> None:
    from softmax_cli import core
    from softmax_cli.errors import ArgumentError
    from softmax_cli.writer import format_explanation

    first, rows = None, 0
    for chunk in source:  # count the rows without holding them
        if first is None and len(chunk.values):
            first = chunk.values[0]
        rows += len(chunk.values)
    if rows != 1 or first is None:
        raise ArgumentError(f"--explain works on a single vector, the input has {rows} rows")
    steps = core.softmax_steps(first, temperature)
    if output.is_table:
        from softmax_cli import render

        console = render.make_console(output.color)
        render.render_explanation(console, steps, source.labels, output.precision, temperature)
    else:
        _stdout().write(format_explanation(steps, source.labels, output.fmt, output.precision))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn every failure into its exit code."""
    try:
        result = cli.main(args=argv, prog_name="softmax", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("SOFTMAX_DEBUG"):
            raise
        click.echo(f"error: internal error: {exc!r} (set SOFTMAX_DEBUG=1 for details)", err=True)
        code = EXIT_FAILURE
    sys.exit(code)
