"""The train-blobs use case: make the article's data, train, then save, plot and report."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.trainer import blobs
from softmax_cli.core.trainer.mlp import size_problem
from softmax_cli.errors import ArgumentError

if TYPE_CHECKING:
    from softmax_cli.core.trainer.experiment import BlobsConfig
    from softmax_cli.core.trainer.training import Dataset, TrainingResult


def train_blobs(
    config: BlobsConfig,
    seed: int,
    stdout: BinaryIO,
    *,
    as_table: bool,
    show_progress: bool = False,
    color: str = "auto",
    save: str | None = None,
    plot: str | None = None,
) -> None:
    """Train on blobs drawn with ``seed``; write the report (a table, else JSON) to
    ``stdout``, per-epoch progress to stderr when ``show_progress``, the model to
    ``save`` and the figure to ``plot`` when given (the caller has checked that
    matplotlib is there, before training)."""
    problem = size_problem(config.layer_sizes)
    if problem is not None:  # every layer's size comes from the options
        raise ArgumentError(problem)
    data = blobs.make_dataset(config, seed)
    result = _train(config, data, seed, show_progress, color)
    if save is not None:
        from softmax_cli.io.formats.modelfile import SavedModel, save_model

        labels = [str(i) for i in range(len(config.centers))]
        save_model(save, SavedModel(result.model, labels, {**config._asdict(), "seed": seed}))
    if plot is not None:
        from softmax_cli.io.named_file import replacing
        from softmax_cli.render.plots import plot_training

        with replacing(plot) as stream:
            plot_training(stream, result.model, data, result.history)
    if as_table:
        from softmax_cli.render.console import make_console
        from softmax_cli.render.training import render_report

        render_report(make_console(color), config, seed, data, result)
    else:
        from softmax_cli.io.formats.reports import format_training_json

        stdout.write(format_training_json(config, seed, result))


def _train(
    config: BlobsConfig,
    data: Dataset,
    seed: int,
    show_progress: bool,
    color: str,
) -> TrainingResult:
    """Train, with the progress display on stderr when asked."""
    rng = np.random.default_rng(seed)
    if not show_progress:
        return blobs.train(config, data, rng)
    from softmax_cli.render.console import make_console
    from softmax_cli.render.training import training_progress

    console = make_console(color, stderr=True)
    with training_progress(console, config.epochs) as shown:
        return blobs.train(config, data, rng, shown.on_epoch, shown.on_batch)
