"""The four-blobs experiment: data from ``make_blobs``, then the training engine with the
article's settings (a thin preset: ``train-blobs`` has no loop of its own).

scikit-learn is imported only to make the data.
"""

from __future__ import annotations

import numpy as np

from softmax_cli.core.trainer.experiment import BlobsConfig, validation_cut
from softmax_cli.core.trainer.mlp import MLP
from softmax_cli.core.trainer.training import (
    BatchCallback,
    Dataset,
    EpochCallback,
    FitSettings,
    TrainingResult,
    evaluate,
    fit,
)


def make_dataset(config: BlobsConfig, seed: int) -> Dataset:
    """Blobs around ``config.centers``; the first ``test_size`` samples are the test set,
    the last ``validation_split`` of the rest the validation set (Keras' split)."""
    from sklearn.datasets import make_blobs

    features, targets = make_blobs(
        n_samples=config.samples,
        centers=np.array(config.centers, dtype=np.float64),
        cluster_std=config.std,
        random_state=seed,
    )
    x, y = np.asarray(features, dtype=np.float64), np.asarray(targets, dtype=np.intp)
    x_test, y_test = x[: config.test_size], y[: config.test_size]
    x_rest, y_rest = x[config.test_size :], y[config.test_size :]
    cut = validation_cut(len(x_rest), config.validation_split)
    return Dataset(x_rest[:cut], y_rest[:cut], x_rest[cut:], y_rest[cut:], x_test, y_test)


def fit_settings(config: BlobsConfig) -> FitSettings:
    """The article's training: Adam on mini-batches, no penalty, no early stopping."""
    return FitSettings(
        solver="adam", max_epochs=config.epochs, batch_size=config.batch_size, lr=config.lr
    )


def train(
    config: BlobsConfig,
    data: Dataset,
    rng: np.random.Generator,
    on_epoch: EpochCallback | None = None,
    on_batch: BatchCallback | None = None,
) -> TrainingResult:
    """Train a fresh MLP (Keras' initialisation) on ``data``, reshuffled every epoch;
    ``on_batch(done, total)`` is called after every batch, ``on_epoch(stats)`` after
    every epoch."""
    model = MLP.initialized(config.layer_sizes, rng)
    fitted = fit(model, fit_settings(config), data, rng, on_epoch=on_epoch, on_batch=on_batch)
    test_loss, test_accuracy = evaluate(model, data.x_test, data.y_test)
    return TrainingResult(model, fitted.history, test_loss, test_accuracy)
