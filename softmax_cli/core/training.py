"""The four-blobs experiment: data from ``make_blobs``, an MLP trained with Adam.

Pure computation: the caller gets arrays and small records back, and may pass a callback
to watch epochs go by; nothing here prints. scikit-learn is imported only to make the data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.adam import Adam
from softmax_cli.core.experiment import BlobsConfig, validation_cut
from softmax_cli.core.losses import cross_entropy
from softmax_cli.core.mlp import MLP

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


class Dataset(NamedTuple):
    """Features ``(n, n_features)`` and integer class targets ``(n,)`` of each split."""

    x_train: FloatArray
    y_train: IntArray
    x_val: FloatArray
    y_val: IntArray
    x_test: FloatArray
    y_test: IntArray


def make_dataset(config: BlobsConfig, seed: int) -> Dataset:
    """Blobs around ``config.centers``; the first ``test_size`` samples are the test set,
    the last ``validation_split`` of the rest the validation set."""
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


class EpochStats(NamedTuple):
    """One epoch as Keras reports it: the running mean of the batch losses and the
    accuracy over the epoch's batches, then loss and accuracy on the validation set
    (``None`` without one), and the epoch's wall time in seconds."""

    epoch: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float


class TrainingResult(NamedTuple):
    model: MLP
    history: list[EpochStats]
    test_loss: float
    test_accuracy: float


def evaluate(model: MLP, features: FloatArray, targets: IntArray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on a set of samples."""
    logits = model.logits(features)
    loss = float(np.mean(cross_entropy(logits, targets)))
    accuracy = float(np.mean(np.argmax(logits, axis=1) == targets))
    return loss, accuracy


EpochCallback = Callable[[EpochStats], None]
BatchCallback = Callable[[int, int], None]


def train(
    config: BlobsConfig,
    data: Dataset,
    rng: np.random.Generator,
    on_epoch: EpochCallback | None = None,
    on_batch: BatchCallback | None = None,
) -> TrainingResult:
    """Train a fresh MLP with Adam on ``data``; the training set is reshuffled each epoch.

    ``on_batch(done, total)`` is called after every batch, ``on_epoch(stats)`` after
    every epoch.
    """
    model = MLP.initialized(config.layer_sizes, rng)
    history = train_model(model, config, data, rng, on_epoch, on_batch)
    test_loss, test_accuracy = evaluate(model, data.x_test, data.y_test)
    return TrainingResult(model, history, test_loss, test_accuracy)


def train_model(
    model: MLP,
    config: BlobsConfig,
    data: Dataset,
    rng: np.random.Generator,
    on_epoch: EpochCallback | None = None,
    on_batch: BatchCallback | None = None,
) -> list[EpochStats]:
    """The training loop proper: epochs of shuffled mini-batches, one Adam step each."""
    optimizer = Adam(len(model.params), lr=config.lr)
    n_samples = len(data.x_train)
    starts = range(0, n_samples, config.batch_size)
    history = []
    for epoch in range(1, config.epochs + 1):
        began = time.perf_counter()
        order = rng.permutation(n_samples)
        x, y = data.x_train[order], data.y_train[order]
        loss_sum, correct = 0.0, 0
        for done, start in enumerate(starts, start=1):
            xb, yb = x[start : start + config.batch_size], y[start : start + config.batch_size]
            # Like Keras, loss and accuracy are those of each batch before its update.
            loss, batch_correct = model.loss_and_gradient(xb, yb)
            loss_sum += loss * len(yb)
            correct += batch_correct
            optimizer.step(model.params, model.grads)
            if on_batch is not None:
                on_batch(done, len(starts))
        val_loss = val_accuracy = None
        if len(data.x_val):
            val_loss, val_accuracy = evaluate(model, data.x_val, data.y_val)
        stats = EpochStats(
            epoch,
            loss_sum / n_samples,
            correct / n_samples,
            val_loss,
            val_accuracy,
            time.perf_counter() - began,
        )
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
    return history
