"""The ``train-blobs`` command: train the article's classifier on Gaussian blobs."""

from __future__ import annotations

import sys
from typing import Any

import click

from softmax_cli.cli.options import chosen_seed, color_option, plot_option, stdout_bytes
from softmax_cli.core.experiment import BlobsConfig, center_problems

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
@plot_option("Draw data, decision regions and learning curves (needs matplotlib).")
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
    from softmax_cli.workflows.train_blobs import train_blobs

    config = BlobsConfig(**knobs)
    for problem in config.problems():
        raise click.UsageError(problem)
    if plot is not None:
        from softmax_cli.render.plots import require_matplotlib

        require_matplotlib()  # before training, not after
    train_blobs(
        config,
        chosen_seed(seed, quiet),
        stdout_bytes(),
        as_table=fmt == "table" or (fmt == "auto" and sys.stdout.isatty()),
        show_progress=not quiet and (progress or sys.stderr.isatty()),
        color=color,
        save=save,
        plot=plot,
    )
