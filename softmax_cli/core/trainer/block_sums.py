"""Softmax regression's loss and gradient as sums over a block of rows.

The training objective is ``sum_i(w_i CE_i) / n + l2/2 ||W||^2``. Its data part is a
sum over rows, so any split of the rows into blocks (one block in memory, a block per
shard on a cluster) gives the same sum: each block's ``BlockSums``, added up. One
function computes a block's sums for both, so the two objectives are the same function.

A point is the flat parameter vector: ``W`` of shape ``(n_features, n_classes)`` then
the bias ``b`` of shape ``(n_classes,)`` (the layout of ``MLP.params``); for two
classes, the weight difference ``w`` of shape ``(n_features,)`` then the bias
difference ``c`` (see ``objectives``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.losses import (
    binary_cross_entropy_sum_and_gradient,
    cross_entropy_sum_and_gradient,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


class BlockSums(NamedTuple):
    """Over a block of rows: ``sum_i w_i CE_i``, its gradient with respect to the point
    (shaped like it), and how many rows the point classifies right."""

    loss: float
    grad: FloatArray
    correct: int

    def plus(self, other: BlockSums) -> BlockSums:
        """The sums over both blocks' rows."""
        return BlockSums(
            self.loss + other.loss, self.grad + other.grad, self.correct + other.correct
        )


def softmax_regression_sums(
    point: FloatArray, features: FloatArray, targets: IntArray, weight: FloatArray | None
) -> BlockSums:
    """The block's sums at ``point`` (``W`` then ``b``) for ``features`` of shape
    ``(n, p)``, class indices ``targets`` and optional row weights, shape ``(n,)``:
    ``dW = X^T d`` and ``db = sum_rows d`` with ``d = w_i (p_i - onehot(t_i))``."""
    n_features = features.shape[1]
    n_classes = len(point) // (n_features + 1)
    weights = point[: n_features * n_classes].reshape(n_features, n_classes)
    logits = features @ weights
    logits += point[n_features * n_classes :]
    loss, delta = cross_entropy_sum_and_gradient(logits, targets, weight)
    grad = np.empty_like(point)
    np.matmul(features.T, delta, out=grad[: n_features * n_classes].reshape(weights.shape))
    delta.sum(axis=0, out=grad[n_features * n_classes :])
    correct = int((logits.argmax(axis=1) == targets).sum())
    return BlockSums(loss, grad, correct)


def binary_sums(
    point: FloatArray, features: FloatArray, targets: IntArray, weight: FloatArray | None
) -> BlockSums:
    """The block's sums at ``point`` (``w`` then ``c``) for two classes: the binary
    cross-entropy of ``sigmoid(x w + c)``, whose gradient is ``X^T d`` and ``sum d``."""
    logits = features @ point[:-1]
    logits += point[-1]
    loss, delta = binary_cross_entropy_sum_and_gradient(logits, targets, weight)
    grad = np.empty_like(point)
    np.matmul(delta, features, out=grad[:-1])
    grad[-1] = delta.sum()
    # Softmax's argmax takes class 0 on a tie, i.e. class 1 only where z > 0.
    return BlockSums(loss, grad, int(((logits > 0) == targets).sum()))
