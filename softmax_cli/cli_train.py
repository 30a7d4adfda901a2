"""The ``train-blobs`` and ``predict`` commands: train the article's classifier, apply it."""

from __future__ import annotations

import sys
from typing import Any

import click

from softmax_cli.experiment import BlobsConfig, center_problems
from softmax_cli.group import NumbersCommand
from softmax_cli.options import (
    color_option,
    feature_input_options,
    input_spec,
    output_options,
    output_spec,
    report_skipped,
    stdout_bytes,
)

DEFAULTS = BlobsConfig()


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
    for problem in center_problems(centers):
        raise click.BadParameter(problem)
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


@click.command("train-blobs")
@click.option(
    "--samples",
    type=click.IntRange(min=2),
    default=DEFAULTS.samples,
    show_default=True,
    help="Samples drawn in all (test set included).",
)
@click.option(
    "--test-size",
    type=click.IntRange(min=1),
    default=DEFAULTS.test_size,
    show_default=True,
    help="The first this many samples are the test set.",
)
@click.option(
    "--centers",
    default=" ".join(",".join(f"{v:g}" for v in center) for center in DEFAULTS.centers),
    show_default=True,
    callback=_parse_centers,
    metavar="X,Y ...",
    help="Blob centers, one class each; their length is the number of features.",
)
@click.option(
    "--std",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULTS.std,
    show_default=True,
    help="Standard deviation of every blob.",
)
@click.option(
    "--hidden",
    default=",".join(map(str, DEFAULTS.hidden)),
    show_default=True,
    callback=_parse_hidden,
    metavar="N,N,...",
    help="Hidden ReLU layer sizes (any depth).",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=DEFAULTS.epochs,
    show_default=True,
    help="Passes over the training set.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULTS.batch_size,
    show_default=True,
    help="Samples per Adam step.",
)
@click.option(
    "--lr",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULTS.lr,
    show_default=True,
    help="Adam's learning rate.",
)
@click.option(
    "--validation-split",
    type=click.FloatRange(0, 1, max_open=True),
    default=DEFAULTS.validation_split,
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
    config = BlobsConfig(**knobs)
    for problem in config.problems():
        raise click.UsageError(problem)
    if plot is not None:
        from softmax_cli.plotting import require_matplotlib

        require_matplotlib()  # before training, not after
    seed = _chosen_seed(seed, quiet)
    show_progress = not quiet and (progress or sys.stderr.isatty())
    data, result = _train(config, seed, show_progress, color)
    if save is not None:
        from softmax_cli.modelfile import save_model

        labels = [str(i) for i in range(len(config.centers))]
        save_model(save, result.model, labels, {**config._asdict(), "seed": seed})
    if plot is not None:
        from softmax_cli.plotting import plot_training

        plot_training(plot, result.model, data, result.history)
    if fmt == "json" or (fmt == "auto" and not sys.stdout.isatty()):
        from softmax_cli.writer import format_training_json

        stdout_bytes().write(format_training_json(config, seed, result))
    else:
        from softmax_cli import render, render_training

        render_training.render_report(render.make_console(color), config, seed, data, result)


def _chosen_seed(seed: int | None, quiet: bool) -> int:
    """The seed to use: the given one, or a random one, announced so the run can be repeated."""
    if seed is not None:
        return seed
    import secrets

    seed = secrets.randbelow(2**32)
    if not quiet:
        click.echo(f"seed {seed} (repeat this run with --seed {seed})", err=True)
    return seed


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


@click.command("predict", cls=NumbersCommand)
@click.option(
    "-m",
    "--model",
    "model_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="MODEL.npz",
    help="A model saved by 'softmax train-blobs --save'.",
)
@feature_input_options
@output_options
def predict_command(model_path: str, **kwargs: Any) -> None:
    """Predict classes with a model saved by train-blobs.

    Prints each sample's class probabilities and its predicted class. Features
    come as arguments (one sample) or as CSV rows on stdin or from --input,
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
    spec, output = input_spec(kwargs), output_spec(kwargs)
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
        stdout_bytes(),
        argmax="predicted",
        unit_interval=True,
        view=view,
        labels=labels,
    )
    report_skipped(source)


def _non_finite_rows(values: Any) -> Any:
    import numpy as np

    return ~np.isfinite(values).all(axis=1)


def _first_non_finite(row: Any) -> tuple[str, int | None]:
    import numpy as np

    column = int(np.argmin(np.isfinite(row)))
    return f"feature {row[column]:g} is not finite", column + 1
