"""Classification metrics on arrays: confusion matrix, precision, recall, F1, log loss.

``targets`` and ``predicted`` are class indices of shape ``(n,)``; ``logits`` has shape
``(n, n_classes)``. Where a ratio has a zero denominator it is 0, as scikit-learn's
``zero_division=0`` gives.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.losses import cross_entropy

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


def confusion_matrix(targets: IntArray, predicted: IntArray, n_classes: int) -> IntArray:
    """``matrix[i, j]``: rows of true class i predicted as j, shape ``(K, K)``."""
    flat = np.bincount(targets * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    safe = np.where(denominator > 0, denominator, 1)
    return np.asarray(np.where(denominator > 0, numerator / safe, 0.0))


class ClassScores(NamedTuple):
    """Per class, shape ``(K,)``: precision, recall, F1 and the number of true rows."""

    precision: FloatArray
    recall: FloatArray
    f1: FloatArray
    support: IntArray


def class_scores(matrix: IntArray) -> ClassScores:
    """Precision ``tp / predicted``, recall ``tp / true`` and their harmonic mean F1."""
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    support = matrix.sum(axis=1)
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support.astype(np.float64))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return ClassScores(precision, recall, f1, support)


class Evaluation(NamedTuple):
    """How a classifier did on labelled rows: accuracy, mean log loss (nats), the
    unweighted mean of the F1 scores of the classes that occur (as true or predicted
    class: scikit-learn's ``average="macro"``), the confusion matrix and the per-class
    scores."""

    accuracy: float
    loss: float
    macro_f1: float
    matrix: IntArray
    scores: ClassScores


def evaluate_logits(logits: FloatArray, targets: IntArray) -> Evaluation:
    """Score a classifier's logits against the true classes; the log loss is the mean
    cross-entropy of ``softmax(logits)``, from ``log_softmax`` (finite for finite logits)."""
    n_classes = logits.shape[1]
    predicted = np.argmax(logits, axis=1)
    matrix = confusion_matrix(targets, predicted, n_classes)
    scores = class_scores(matrix)
    occurring = (matrix.sum(axis=0) + scores.support) > 0
    accuracy = float(np.mean(predicted == targets)) if len(targets) else math.nan
    macro_f1 = float(np.mean(scores.f1[occurring])) if occurring.any() else math.nan
    loss = float(np.mean(cross_entropy(logits, targets))) if len(targets) else math.nan
    return Evaluation(accuracy, loss, macro_f1, matrix, scores)
