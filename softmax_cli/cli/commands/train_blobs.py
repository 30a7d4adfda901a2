"""The ``train-blobs`` command: train the article's classifier on Gaussian blobs."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.options import (
    check_plotting,
    chosen_seed,
    layer_sizes,
    report_as_table,
    show_progress,
    stdout_bytes,
    trainer_options,
)
from softmax_cli.cli.ranges import FloatRange
from softmax_cli.core.trainer.experiment import BlobsConfig, center_problems

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
    type=FloatRange(min=0, min_open=True),
    default=DEFAULTS.std,
    show_default=True,
    help="Standard deviation of every blob.",
)
@click.option(
    "--hidden",
    default=",".join(map(str, DEFAULTS.hidden)),
    show_default=True,
    callback=layer_sizes(at_least_one=True),
    metavar="N,N,...",
    help="Hidden ReLU layer sizes (any depth; each at most 100,000 units, and at most "
    "10,000,000 parameters in all).",
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
    type=FloatRange(min=0, min_open=True),
    default=DEFAULTS.lr,
    show_default=True,
    help="Adam's learning rate.",
)
@click.option(
    "--validation-split",
    type=FloatRange(0, 1, max_open=True),
    default=DEFAULTS.validation_split,
    show_default=True,
    help="Fraction held out for validation from the end of the training part.",
)
@trainer_options
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
    from softmax_cli.workflows.trainer.train_blobs import train_blobs

    config = BlobsConfig(**knobs)
    for problem in config.problems():
        raise click.UsageError(problem)
    check_plotting(plot)
    train_blobs(
        config,
        chosen_seed(seed, quiet),
        stdout_bytes(),
        as_table=report_as_table(fmt),
        show_progress=show_progress(progress, quiet),
        color=color,
        save=save,
        plot=plot,
    )
