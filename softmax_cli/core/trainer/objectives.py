"""The full-batch training objective that L-BFGS minimises, over a parameter vector.

``FullBatch`` is an MLP's own objective over its flat ``params``. Softmax regression's,
``LinearObjective``, is built from row sums (``block_sums``), so that rows held in
several places give the same objective. On two classes it solves the same problem in
half the parameters: the logits ``x W_0 + b_0`` and ``x W_1 + b_1`` enter the loss only through
their difference ``x w + c`` (``w = W_1 - W_0``, ``c = b_1 - b_0``), and of all weights
with that difference the penalty ``||W_0||^2 + ||W_1||^2`` is smallest at
``W_1 = -W_0 = w / 2``, where it is ``||w||^2 / 2``. So the optimum is antisymmetric,
and it is the optimum of the binary cross-entropy of ``sigmoid(x w + c)`` with the
penalty ``l2/4 ||w||^2``: the same objective value at every antisymmetric point, and
a problem L-BFGS solves in fewer iterations.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.trainer.block_sums import binary_sums, softmax_regression_sums

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.trainer.block_sums import BlockSums
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


class LinearObjective:
    """Softmax regression's objective ``sums.loss / n + l2/2 ||W||^2`` and its gradient,
    from ``sums(point)``: the ``BlockSums`` over all ``n_rows`` training rows (one block
    in memory, added over shards on a cluster). With ``binary`` the point is ``(w, c)``,
    ``n_features + 1`` parameters (see the module), else the model's parameters. It
    remembers its last point, so that an iteration's statistics need no second pass."""

    def __init__(
        self,
        model: MLP,
        sums: Callable[[FloatArray], BlockSums],
        n_rows: int,
        l2: float,
        binary: bool,
    ) -> None:
        self.model, self.sums, self.n_rows, self.l2 = model, sums, n_rows, l2
        self.binary = binary
        self.point = np.full(self.size, np.nan)
        self.loss, self.correct = np.nan, 0

    @property
    def size(self) -> int:
        """The number of parameters optimised."""
        return self.model.n_features + 1 if self.binary else len(self.model.params)

    def start(self) -> FloatArray:
        """The point that the model's current parameters stand for."""
        if not self.binary:
            return self.model.params.copy()
        weights, bias = self.model.weights[0], self.model.biases[0]
        return np.append(weights[:, 1] - weights[:, 0], bias[1] - bias[0])

    def store(self, point: FloatArray) -> None:
        """Write the parameters at ``point`` into the model."""
        if not self.binary:
            self.model.params[:] = point
            return
        half = 0.5 * point
        self.model.weights[0][:, 0], self.model.weights[0][:, 1] = -half[:-1], half[:-1]
        self.model.biases[0][:] = -half[-1], half[-1]

    def __call__(self, point: FloatArray) -> tuple[float, FloatArray]:
        """The objective and its gradient at ``point``."""
        sums = self.sums(point)
        loss, grad = sums.loss / self.n_rows, sums.grad / self.n_rows
        if self.l2:
            # The binary point's penalty is l2/4 ||w||^2 (see the module); biases are free.
            l2 = 0.5 * self.l2 if self.binary else self.l2
            weights = point[:-1] if self.binary else point[: -self.model.n_classes]
            loss += 0.5 * l2 * float(weights @ weights)
            grad[: len(weights)] += l2 * weights
        self.loss, self.correct = loss, sums.correct
        self.point = point.copy()
        return loss, grad

    def at(self, point: FloatArray) -> tuple[float, float]:
        """Move the model to ``point``; the objective and the training accuracy there."""
        if not np.array_equal(point, self.point):
            self(point)
        self.store(point)
        return self.loss, self.correct / self.n_rows


def full_batch_objective(
    model: MLP, features: FloatArray, targets: IntArray, weight: FloatArray | None, l2: float
) -> FullBatch | LinearObjective:
    """The objective for ``model`` on these rows: softmax regression's from one block's
    sums (over ``(w, c)`` for two classes), else an MLP's over its parameters."""
    if len(model.layer_sizes) > 2:
        return FullBatch(model, features, targets, weight, l2)
    binary = model.n_classes == 2
    block = binary_sums if binary else softmax_regression_sums
    return LinearObjective(
        model,
        partial(block, features=features, targets=targets, weight=weight),
        len(targets),
        l2,
        binary,
    )
