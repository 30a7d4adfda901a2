"""The full-batch training objective that L-BFGS minimises, over a parameter vector.

``FullBatch`` is the network's own objective over its flat ``params``. For softmax
regression on two classes, ``BinaryFullBatch`` solves the same problem in half the
parameters: the logits ``x W_0 + b_0`` and ``x W_1 + b_1`` enter the loss only through
their difference ``x w + c`` (``w = W_1 - W_0``, ``c = b_1 - b_0``), and of all weights
with that difference the penalty ``||W_0||^2 + ||W_1||^2`` is smallest at
``W_1 = -W_0 = w / 2``, where it is ``||w||^2 / 2``. So the optimum is antisymmetric,
and it is the optimum of the binary cross-entropy of ``sigmoid(x w + c)`` with the
penalty ``l2/4 ||w||^2``: the same objective value at every antisymmetric point, and
a problem L-BFGS solves in fewer iterations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.calculator.losses import mean_binary_cross_entropy_and_gradient

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.trainer.mlp import MLP


class FullBatch:
    """The objective ``mean_i(w_i CE_i) + l2/2 sum ||W||^2`` over every training row, as
    a function of the model's flat parameters; it remembers its last point, so that an
    iteration's statistics need no second pass."""

    def __init__(
        self,
        model: MLP,
        features: FloatArray,
        targets: IntArray,
        weight: FloatArray | None,
        l2: float,
    ) -> None:
        self.model, self.features, self.targets = model, features, targets
        self.weight, self.l2 = weight, l2
        self.point = np.full(self.size, np.nan)
        self.loss, self.correct = np.nan, 0

    @property
    def size(self) -> int:
        """The number of parameters optimised."""
        return len(self.model.params)

    def start(self) -> FloatArray:
        """The point that the model's current parameters stand for."""
        return self.model.params.copy()

    def store(self, point: FloatArray) -> None:
        """Write the parameters at ``point`` into the model."""
        self.model.params[:] = point

    def __call__(self, point: FloatArray) -> tuple[float, FloatArray]:
        """The objective and its gradient at ``point``."""
        self.store(point)
        self.loss, self.correct = self.model.loss_and_gradient(
            self.features, self.targets, self.weight, self.l2
        )
        self.point = point.copy()
        return self.loss, self.model.grads.copy()

    def at(self, point: FloatArray) -> tuple[float, float]:
        """Move the model to ``point``; the objective and the training accuracy there."""
        if not np.array_equal(point, self.point):
            self(point)
        self.store(point)
        return self.loss, self.correct / len(self.targets)


class BinaryFullBatch(FullBatch):
    """Softmax regression on two classes, solved over ``(w, c)``: ``n_features + 1``
    parameters, the weight difference then the bias difference (see the module)."""

    @property
    def size(self) -> int:
        return self.model.n_features + 1

    def start(self) -> FloatArray:
        weights, bias = self.model.weights[0], self.model.biases[0]
        return np.append(weights[:, 1] - weights[:, 0], bias[1] - bias[0])

    def store(self, point: FloatArray) -> None:
        half = 0.5 * point
        self.model.weights[0][:, 0], self.model.weights[0][:, 1] = -half[:-1], half[:-1]
        self.model.biases[0][:] = -half[-1], half[-1]

    def __call__(self, point: FloatArray) -> tuple[float, FloatArray]:
        w, c = point[:-1], point[-1]
        logits = self.features @ w
        logits += c
        loss, delta = mean_binary_cross_entropy_and_gradient(logits, self.targets, self.weight)
        grad = np.empty_like(point)
        np.matmul(delta, self.features, out=grad[:-1])
        grad[-1] = delta.sum()
        if self.l2:
            loss += 0.25 * self.l2 * float(w @ w)
            grad[:-1] += 0.5 * self.l2 * w
        # Softmax's argmax takes class 0 on a tie, i.e. class 1 only where z > 0.
        self.loss, self.correct = loss, int(((logits > 0) == self.targets).sum())
        self.point = point.copy()
        return loss, grad


def full_batch_objective(
    model: MLP, features: FloatArray, targets: IntArray, weight: FloatArray | None, l2: float
) -> FullBatch:
    """The objective for ``model``: over ``(w, c)`` for two-class softmax regression,
    else over the model's parameters."""
    binary = len(model.layer_sizes) == 2 and model.n_classes == 2
    kind = BinaryFullBatch if binary else FullBatch
    return kind(model, features, targets, weight, l2)
