"""A multi-layer perceptron: Dense + ReLU hidden layers, a Dense output layer whose logits
go through the core's softmax, trained on the core's cross-entropy.

All weights and biases live in one flat float64 vector (and their gradients in another),
with each layer's ``W`` and ``b`` as views into it, so an optimizer updates the whole
network with a handful of array operations per step.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.calculator.activations import softmax
from softmax_cli.core.calculator.losses import mean_cross_entropy_and_gradient

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray


def _layer_views(
    flat: FloatArray, layer_sizes: Sequence[int]
) -> tuple[list[FloatArray], list[FloatArray]]:
    """Split a flat vector into weight views ``(n_in, n_out)`` and bias views ``(n_out,)``."""
    weights, biases = [], []
    offset = 0
    for n_in, n_out in itertools.pairwise(layer_sizes):
        weights.append(flat[offset : offset + n_in * n_out].reshape(n_in, n_out))
        offset += n_in * n_out
        biases.append(flat[offset : offset + n_out])
        offset += n_out
    return weights, biases


MAX_PARAMETERS = 10_000_000
"""The most weights and biases a trained network may have: with their gradients and
Adam's two moments, about 320 MB."""


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights and biases of all layers: ``sum (n_in + 1) * n_out``."""
    return sum((a + 1) * b for a, b in itertools.pairwise(layer_sizes))


def size_problem(layer_sizes: Sequence[int]) -> str | None:
    """Why a network of ``layer_sizes`` is too large to train, or None when it fits."""
    count = parameter_count(layer_sizes)
    if count <= MAX_PARAMETERS:
        return None
    shape = "-".join(map(str, layer_sizes))
    return f"a {shape} network has {count} parameters, more than the {MAX_PARAMETERS} allowed"


class MLP:
    """Layer sizes ``(n_features, hidden..., n_classes)``; ReLU after every hidden layer.

    ``params`` is the flat vector of every weight and bias (``weights[k]`` has shape
    ``(layer_sizes[k], layer_sizes[k + 1])``); ``grads`` has the same layout and holds
    the gradient from the last ``loss_and_gradient`` call.
    """

    def __init__(self, layer_sizes: Sequence[int], params: ArrayLike | None = None) -> None:
        if len(layer_sizes) < 2 or min(layer_sizes) < 1:
            raise ValueError(f"need at least an input and an output layer, got {layer_sizes}")
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        size = parameter_count(self.layer_sizes)
        self.params = np.zeros(size)
        if params is not None:
            values = np.asarray(params, dtype=np.float64)
            if values.shape != (size,):
                raise ValueError(f"expected {size} parameters, got shape {values.shape}")
            self.params[:] = values
        self.grads = np.zeros(size)
        self.weights, self.biases = _layer_views(self.params, self.layer_sizes)
        self.weight_grads, self.bias_grads = _layer_views(self.grads, self.layer_sizes)
        self._hidden = list(zip(self.weights[:-1], self.biases[:-1], strict=True))

    @classmethod
    def initialized(cls, layer_sizes: Sequence[int], rng: np.random.Generator) -> MLP:
        """Keras' defaults as the article used them: hidden layers He-uniform (limit
        ``sqrt(6 / fan_in)``), the output layer Glorot-uniform (limit
        ``sqrt(6 / (fan_in + fan_out))``), biases zero."""
        model = cls(layer_sizes)
        last = len(model.weights) - 1
        for index, weight in enumerate(model.weights):
            fan_in, fan_out = weight.shape
            limit = np.sqrt(6.0 / (fan_in + fan_out if index == last else fan_in))
            weight[:] = rng.uniform(-limit, limit, size=weight.shape)
        return model

    @property
    def n_features(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_classes(self) -> int:
        return self.layer_sizes[-1]

    def _forward(self, features: FloatArray) -> tuple[list[FloatArray], FloatArray]:
        """The input of every layer (features, then each hidden ReLU output) and the logits."""
        inputs = [features]
        activation = features
        # In place where possible: a fresh large temporary costs more than the sum itself.
        for weight, bias in self._hidden:
            activation = activation @ weight
            activation += bias
            np.maximum(activation, 0.0, out=activation)
            inputs.append(activation)
        logits = activation @ self.weights[-1]
        logits += self.biases[-1]
        return inputs, logits

    def logits(self, features: ArrayLike) -> FloatArray:
        """Forward pass: ``(n_samples, n_features)`` → logits ``(n_samples, n_classes)``."""
        return self._forward(np.asarray(features, dtype=np.float64))[1]

    def predict_proba(self, features: ArrayLike) -> FloatArray:
        """Class probabilities, ``softmax(logits)``, shape ``(n_samples, n_classes)``."""
        return softmax(self.logits(features))

    def loss_and_gradient(
        self,
        features: FloatArray,
        targets: IntArray,
        sample_weight: FloatArray | None = None,
        l2: float = 0.0,
    ) -> tuple[float, int]:
        """The batch's objective ``mean_i(w_i CE_i) + l2/2 * sum ||W||^2`` (biases are not
        penalised) and how many of its samples the network classifies correctly; the
        gradient of the objective w.r.t. ``params`` goes into ``grads``.

        The gradient at the logits is ``w_i (p - onehot(t)) / batch``; each layer then
        gets ``dW = a_in^T d + l2 W``, ``db = sum_rows d``, and passes ``d W^T`` back,
        masked by ``z > 0`` (the ReLU's derivative) at every hidden layer.
        """
        inputs, logits = self._forward(features)
        correct = int((logits.argmax(axis=1) == targets).sum())
        loss, delta = mean_cross_entropy_and_gradient(logits, targets, sample_weight)
        for index in range(len(self.weights) - 1, -1, -1):
            activation = inputs[index]
            np.matmul(activation.T, delta, out=self.weight_grads[index])
            delta.sum(axis=0, out=self.bias_grads[index])
            if index:
                delta = delta @ self.weights[index].T
                # ReLU passes gradient only where it was active (its output > 0).
                delta *= activation > 0
        if l2:
            loss += 0.5 * l2 * self.weight_norm()
            for weight, weight_grad in zip(self.weights, self.weight_grads, strict=True):
                weight_grad += l2 * weight
        return loss, correct

    def weight_norm(self) -> float:
        """``sum ||W||^2`` over the layers' weights (not the biases)."""
        return float(sum(np.vdot(weight, weight) for weight in self.weights))
