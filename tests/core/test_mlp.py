"""The network, Adam and the training loop: gradients, hand-computed steps, the experiment."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import central_differences
from sklearn.datasets import make_blobs

from softmax_cli.core.calculator.losses import cross_entropy
from softmax_cli.core.trainer.adam import Adam
from softmax_cli.core.trainer.blobs import make_dataset, train
from softmax_cli.core.trainer.experiment import ARTICLE_CENTERS, BlobsConfig
from softmax_cli.core.trainer.mlp import MLP, parameter_count
from softmax_cli.core.trainer.training import evaluate


def mean_loss(model: MLP, features: np.ndarray, targets: np.ndarray) -> float:
    """The network's mean cross-entropy, as training evaluates it (no gradient)."""
    return evaluate(model, features, targets)[0]


@pytest.mark.parametrize(
    ("layer_sizes", "batch"), [((3, 5, 4), 7), ((2, 12, 8, 4), 5), ((4, 3, 6, 5, 3), 6)]
)
def test_backward_pass_matches_finite_differences(layer_sizes: tuple[int, ...], batch: int) -> None:
    rng = np.random.default_rng(sum(layer_sizes))
    model = MLP(layer_sizes, rng.normal(scale=0.7, size=parameter_count(layer_sizes)))
    features = rng.normal(size=(batch, layer_sizes[0]))
    targets = rng.integers(0, layer_sizes[-1], size=batch)
    loss, _ = model.loss_and_gradient(features, targets)
    assert loss == pytest.approx(mean_loss(model, features, targets), abs=1e-15)
    analytic = model.grads.copy()
    numeric = central_differences(model.params, lambda: mean_loss(model, features, targets))
    relative = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert relative < 1e-6


def test_loss_is_the_cores_cross_entropy_of_the_logits() -> None:
    rng = np.random.default_rng(1)
    model = MLP.initialized((2, 4, 3), rng)
    features, targets = rng.normal(size=(9, 2)), rng.integers(0, 3, size=9)
    expected = cross_entropy(model.logits(features), targets).mean()
    loss, correct = model.loss_and_gradient(features, targets)
    assert loss == pytest.approx(expected, abs=1e-15)
    assert mean_loss(model, features, targets) == pytest.approx(expected, abs=1e-15)
    assert correct == np.count_nonzero(model.logits(features).argmax(axis=1) == targets)
    np.testing.assert_allclose(model.predict_proba(features).sum(axis=1), 1.0)


def test_initialisation_follows_keras_defaults() -> None:
    model = MLP.initialized((64, 64, 32, 10), np.random.default_rng(0))
    he_first, he_second = math.sqrt(6 / 64), math.sqrt(6 / 64)
    glorot = math.sqrt(6 / (32 + 10))
    for weight, limit in zip(model.weights, (he_first, he_second, glorot), strict=True):
        assert np.abs(weight).max() <= limit
        assert np.abs(weight).max() > 0.9 * limit  # uniform over the whole range
    assert all(not bias.any() for bias in model.biases)


def test_adam_step_by_hand() -> None:
    params = np.array([1.0, -2.0])
    grads = np.array([0.5, -0.1])
    optimizer = Adam(2, lr=0.01)
    optimizer.step(params, grads)
    expected = []
    for p, g in zip([1.0, -2.0], [0.5, -0.1], strict=True):
        m, v = 0.1 * g, 0.001 * g * g
        lr_t = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
        expected.append(p - lr_t * m / (math.sqrt(v) + 1e-7))
    assert params.tolist() == pytest.approx(expected, abs=1e-15)
    # Second step: moments decay, the bias corrections use t = 2.
    optimizer.step(params, grads)
    second = []
    for p, g in zip(expected, [0.5, -0.1], strict=True):
        m, v = 0.9 * 0.1 * g + 0.1 * g, 0.999 * 0.001 * g * g + 0.001 * g * g
        lr_t = 0.01 * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
        second.append(p - lr_t * m / (math.sqrt(v) + 1e-7))
    assert params.tolist() == pytest.approx(second, abs=1e-15)


def test_splits_follow_keras_validation_split() -> None:
    config = BlobsConfig()
    data = make_dataset(config, seed=3)
    features, targets = make_blobs(
        n_samples=1000, centers=np.array(ARTICLE_CENTERS), cluster_std=1.5, random_state=3
    )
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (600, 150, 250)
    np.testing.assert_array_equal(data.x_test, features[:250])
    np.testing.assert_array_equal(data.x_train, features[250:850])
    np.testing.assert_array_equal(data.y_val, targets[850:])


def test_same_seed_same_history() -> None:
    config = BlobsConfig(epochs=3)
    runs = [train(config, make_dataset(config, 5), np.random.default_rng(5)) for _ in range(2)]
    strip = [[s._replace(seconds=0.0) for s in run.history] for run in runs]
    assert strip[0] == strip[1]
    np.testing.assert_array_equal(runs[0].model.params, runs[1].model.params)


def test_defaults_reach_99_percent_for_nine_of_ten_seeds() -> None:
    config = BlobsConfig()
    accuracies = [
        train(config, make_dataset(config, seed), np.random.default_rng(seed)).test_accuracy
        for seed in range(10)
    ]
    assert sum(a >= 0.99 for a in accuracies) >= 9, accuracies
    assert np.mean(accuracies) >= 0.99, accuracies


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (BlobsConfig(samples=100, test_size=100), "leaves no training samples"),
        (BlobsConfig(samples=10, test_size=9, validation_split=0.5), "no samples to train on"),
        (BlobsConfig(centers=((0.0, 0.0), (1.0,))), "same number of coordinates"),
        (BlobsConfig(centers=((0.0, 0.0),)), "at least two centers"),
    ],
)
def test_impossible_configurations(config: BlobsConfig, problem: str) -> None:
    assert any(problem in text for text in config.problems())
