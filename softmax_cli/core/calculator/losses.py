"""Cross-entropy on NumPy arrays: from logits, from probabilities, binary, per row.

Every loss is computed from log-probabilities of shape ``(n_samples, n_classes)`` and
integer targets of shape ``(n_samples,)``. From logits those come from ``log_softmax``
(or ``log_sigmoid`` for a binary logit), never as ``log(softmax(x))``, so a confident
wrong prediction gets its exact large loss instead of ``log(0)``. A probability of
exactly 0 gives a log-probability of ``-inf`` and a loss of ``+inf``, without a warning
and without ``nan``. Losses are in nats; divide by ``ln 2`` for bits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.calculator.activations import log_sigmoid, log_softmax

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray

KERAS_EPSILON = 1e-7  # Keras' backend epsilon, its clip for probabilities


def log_probs_from_probs(
    probs: ArrayLike, clip: float | None = None, renormalize: bool = False
) -> FloatArray:
    """Return ``log p`` element-wise, ``-inf`` where ``p == 0``, shape as given.

    With ``renormalize`` each row is first divided by its sum. With ``clip`` (Keras:
    1e-7), ``p`` is then clipped to ``[clip, 1 - clip]`` so that no log-probability is
    below ``log(clip)``.
    """
    p = np.asarray(probs, dtype=np.float64)
    if renormalize:
        p = p / np.sum(p, axis=-1, keepdims=True)
    if clip is not None:
        p = np.clip(p, clip, 1.0 - clip)
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(p))


def binary_log_probs(logits: ArrayLike) -> FloatArray:
    """Log-probabilities of classes 0 and 1 for binary logits ``z`` of shape ``(n,)``.

    Returns shape ``(n, 2)``: ``[log sigmoid(-z), log sigmoid(z)]``, which is
    ``log_softmax`` of the two logits ``(0, z)``: stable for any ``z``.
    """
    z = np.asarray(logits, dtype=np.float64)
    return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])


def binary_log_probs_from_probs(probs: ArrayLike, clip: float | None = None) -> FloatArray:
    """``[log(1 - p), log p]`` for probabilities ``p`` of class 1, shape ``(n,)`` → ``(n, 2)``."""
    p = np.asarray(probs, dtype=np.float64)
    if clip is not None:
        p = np.clip(p, clip, 1.0 - clip)
    with np.errstate(divide="ignore"):
        return np.column_stack([np.log1p(-p), np.log(p)])


def _weighted(weights: FloatArray, neg_log_probs: FloatArray) -> FloatArray:
    # A class weighted 0 contributes 0 even when its probability is 0 (0 * inf is nan).
    with np.errstate(invalid="ignore"):
        return np.asarray(np.where(weights > 0, weights * neg_log_probs, 0.0))


def cross_entropy_from_log_probs(
    log_probs: ArrayLike,
    targets: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """Per-row cross-entropy ``l_i = -sum_c w_c q_ic log p_ic``, shape ``(n_samples,)``.

    ``log_probs`` has shape ``(n_samples, n_classes)``, ``targets`` holds class indices.
    The target distribution is ``q_i = (1 - e) onehot(t_i) + e / K`` for label smoothing
    ``e``; ``weights`` (shape ``(n_classes,)``, default all 1) scales each class's term.
    This is PyTorch's ``cross_entropy(..., reduction="none")``.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.intp)
    n_classes = lp.shape[-1]
    w = np.ones(n_classes) if weights is None else np.asarray(weights, dtype=np.float64)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label smoothing must be in [0, 1), got {label_smoothing}")
    target_term = _weighted(w[t], -lp[np.arange(len(t)), t])
    if label_smoothing == 0.0:
        return target_term
    uniform_term = np.sum(_weighted(w, -lp), axis=-1) / n_classes
    return np.asarray((1.0 - label_smoothing) * target_term + label_smoothing * uniform_term)


def cross_entropy(
    logits: ArrayLike,
    targets: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """Per-row cross-entropy of softmax(logits) against class indices, shape ``(n_samples,)``.

    Without smoothing or weights this is ``logsumexp(x_i) - x_i[t_i]``.
    """
    return cross_entropy_from_log_probs(
        log_softmax(logits), targets, label_smoothing=label_smoothing, weights=weights
    )


def binary_cross_entropy(
    logits: ArrayLike,
    targets: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    weights: ArrayLike | None = None,
) -> FloatArray:
    """Per-row binary cross-entropy of sigmoid(z) against 0/1 targets, shape ``(n,)``.

    Without smoothing or weights this is ``max(z, 0) - z y + log(1 + exp(-|z|))``;
    ``weights`` has two entries, for class 0 and class 1.
    """
    return cross_entropy_from_log_probs(
        binary_log_probs(logits), targets, label_smoothing=label_smoothing, weights=weights
    )


def target_weights(targets: ArrayLike, weights: ArrayLike | None) -> FloatArray:
    """The weight of each row's target class, shape ``(n_samples,)`` (all 1 without weights)."""
    t = np.asarray(targets, dtype=np.intp)
    if weights is None:
        return np.ones(len(t))
    return np.asarray(np.asarray(weights, dtype=np.float64)[t])


def cross_entropy_sum_and_gradient(
    logits: ArrayLike, targets: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[float, FloatArray]:
    """The summed cross-entropy of a batch and its gradient with respect to the logits.

    One ``log_softmax`` serves both: the loss is ``sum_i(-w_i log p_i[t_i])`` and the
    gradient ``w_i (p_i - onehot(t_i))`` with ``p = exp(log p)``, shape
    ``(n, n_classes)``. ``sample_weight`` (shape ``(n,)``, default all 1) weighs each
    row. Sums over blocks of rows add up to the sum over all of them.
    """
    log_probs = log_softmax(logits)
    t = np.asarray(targets, dtype=np.intp)
    rows = np.arange(len(t))
    grad = np.exp(log_probs)
    grad[rows, t] -= 1.0
    if sample_weight is None:
        loss = -float(log_probs[rows, t].sum())
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        loss = -float(w @ log_probs[rows, t])
        grad *= w[:, None]
    return loss, grad


def mean_cross_entropy_and_gradient(
    logits: ArrayLike, targets: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[float, FloatArray]:
    """The mean cross-entropy of a batch and its gradient with respect to the logits:
    ``cross_entropy_sum_and_gradient`` divided by ``n`` (with weights too, as
    scikit-learn does)."""
    loss, grad = cross_entropy_sum_and_gradient(logits, targets, sample_weight)
    grad /= len(grad)
    return loss / len(grad), grad


def binary_cross_entropy_sum_and_gradient(
    logits: ArrayLike, targets: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[float, FloatArray]:
    """The summed binary cross-entropy of sigmoid(z) against 0/1 targets, and its
    gradient with respect to the logits ``z``, shape ``(n,)``.

    The loss is ``sum_i(w_i softplus(-s_i z_i))`` with ``s_i = ±1`` for target 1 or 0,
    and the gradient ``w_i (sigmoid(z_i) - t_i)``. One ``exp(-|z|)`` serves both:
    ``softplus(-s z) = max(-s z, 0) + log1p(exp(-|z|))``, and it never overflows.
    """
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets, dtype=np.intp)
    e = np.exp(-np.abs(z))
    signed = np.where(t == 1, z, -z)
    losses = np.maximum(-signed, 0.0)
    losses += np.log1p(e)
    # sigmoid(z) from the same e: 1 / (1 + e) for z >= 0, e / (1 + e) below.
    grad = np.where(z >= 0, 1.0, e)
    grad /= 1.0 + e
    grad -= t
    if sample_weight is None:
        loss = float(losses.sum())
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        loss = float(w @ losses)
        grad *= w
    return loss, grad


def mean_binary_cross_entropy_and_gradient(
    logits: ArrayLike, targets: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[float, FloatArray]:
    """The mean binary cross-entropy and its gradient:
    ``binary_cross_entropy_sum_and_gradient`` divided by ``n``."""
    loss, grad = binary_cross_entropy_sum_and_gradient(logits, targets, sample_weight)
    grad /= len(grad)
    return loss / len(grad), grad
