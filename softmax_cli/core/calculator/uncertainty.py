"""How sure a distribution is: entropy, perplexity, margin and its most probable classes.

Every function works row-wise along the last axis of an array of shape
``(n_samples, n_classes)`` (or a single vector), except ``Distribution``, which for speed
takes few classes laid out a row per class, ``(n_classes, n_samples)``, and many classes
(a vocabulary) a row per sample.
Probabilities are non-negative and sum to 1; a class of probability 0 has
log-probability ``-inf``. No function emits a ``RuntimeWarning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.ranking import in_rank_order, top_classes

if TYPE_CHECKING:
    from softmax_cli.arraytypes import ArrayLike, FloatArray, IntArray


class Distribution(NamedTuple):
    """Softmax distributions given by the exponentials of their shifted logits ``e =
    exp(s)``, laid out as given: ``class_axis`` 0, shape ``(n_classes, n_samples)``, or
    1, shape ``(n_samples, n_classes)``; per sample, shape ``(n_samples,)``: the sum
    ``total`` ``S``, the most probable class ``argmax``, the entropy in nats, and
    ``runner_up``, the largest ``e`` but the argmax one (0 with one class). The
    probabilities are ``e / S``, never divided out unless asked for. Each sample's
    largest ``e`` is ``exp(0) = 1``."""

    exps: FloatArray
    total: FloatArray
    argmax: IntArray
    entropy: FloatArray
    runner_up: FloatArray
    class_axis: int = 0

    @classmethod
    def from_shifted(cls, shifted_by_class: ArrayLike) -> Distribution:
        """From shifted logits ``s`` laid out one row per class, shape ``(n_classes,
        n_samples)`` (each sample's largest 0, ``-inf`` for a class of probability 0;
        see ``activations.shifted_logits`` with ``axis=0``), with the entropy
        ``H = ln S - sum(e s) / S``, which is ``-sum p ln p`` with ``ln p = s - ln S``.
        A class of probability 0 adds nothing to H. Ties for the largest go to the lower
        index, and a tie for the top is its own runner-up."""
        # Every sum and search runs along contiguous rows of all samples at once; NumPy
        # reduces many short rows (one per sample) one at a time, slowly.
        s = np.asarray(shifted_by_class, dtype=np.float64)
        e = np.exp(s)
        total = e.sum(axis=0)
        argmax = _first_at_zero(s)
        weighted = np.einsum("ij,ij->j", e, _finite(s, e))
        others = s.copy()
        others[argmax, np.arange(s.shape[1])] = -np.inf
        runner_up = np.exp(others.max(axis=0))
        return cls(e, total, argmax, np.log(total) - weighted / total, runner_up)

    @classmethod
    def from_shifted_rows(cls, shifted: ArrayLike) -> Distribution:
        """As ``from_shifted``, from shifted logits laid out a row per sample, shape
        ``(n_samples, n_classes)``: for many classes, whose rows NumPy reduces fast."""
        s = np.asarray(shifted, dtype=np.float64)
        e = np.exp(s)
        total = e.sum(axis=1)
        argmax = np.argmax(s, axis=1)  # the first at 0
        weighted = np.einsum("ij,ij->i", e, _finite(s, e))
        others = [_largest_but(row, top) for row, top in zip(s, argmax.tolist(), strict=True)]
        runner_up = np.exp(np.asarray(others, dtype=np.float64))
        return cls(e, total, argmax, np.log(total) - weighted / total, runner_up, 1)

    def probs(self) -> FloatArray:
        """``p = e / S``, shape ``(n_samples, n_classes)``."""
        if self.class_axis == 1:
            return np.asarray(self.exps / self.total[:, None])
        return np.asarray((self.exps / self.total).T)

    def top(self, k: int) -> tuple[IntArray, FloatArray]:
        """``top_k`` of the probabilities. A row of many classes is searched by itself,
        by partial selection on ``e``, and only its ``k`` most probable are divided."""
        if self.class_axis == 0:
            return top_k(self.probs(), k)
        if not 1 <= k <= self.exps.shape[1]:
            raise ValueError(f"k must be between 1 and the number of classes, got {k}")
        classes = np.empty((len(self.exps), k), dtype=np.int64)
        for row, exps in enumerate(self.exps):
            kept = top_classes(exps, k)
            classes[row] = in_rank_order(kept, exps[kept] / self.total[row])
        return classes, np.take_along_axis(self.exps, classes, axis=1) / self.total[:, None]

    def max_prob(self) -> FloatArray:
        """The largest probability, ``1 / S`` (the largest ``e`` is 1)."""
        return np.asarray(1.0 / self.total)

    def margin(self) -> FloatArray:
        """The largest minus the second largest probability, ``(1 - e_2) / S`` with
        ``e_2`` the ``runner_up``: one division per sample, not per class. A single class
        has no runner-up, so its margin is its own probability."""
        return np.asarray((1.0 - self.runner_up) / self.total)


def _finite(shifted: FloatArray, exps: FloatArray) -> FloatArray:
    """The shifted logits with 0 for a class of probability 0, whose ``e * s`` would be
    ``0 * -inf``, nan."""
    return shifted if np.isfinite(shifted).all() else np.where(exps > 0, shifted, 0.0)


def _largest_but(row: FloatArray, skipped: int) -> float:
    """The largest entry of ``row`` but the one at ``skipped`` (``-inf`` if none is left),
    without copying the row."""
    before = row[:skipped].max(initial=-np.inf)
    return float(max(before, row[skipped + 1 :].max(initial=-np.inf)))


def _first_at_zero(shifted_by_class: FloatArray) -> IntArray:
    """The first class whose shifted logit is 0 (each sample's largest), per sample.

    Of the classes at 0 it is the one of largest descending rank ``K - 1 - j``: a product
    and a maximum down contiguous rows, several times faster than ``argmax(axis=0)``."""
    n_classes = len(shifted_by_class)
    ranks = np.arange(n_classes - 1, -1, -1, dtype=np.min_scalar_type(n_classes - 1))
    ranked = (shifted_by_class == 0) * ranks[:, None]
    return np.asarray((n_classes - 1) - ranked.max(axis=0), dtype=np.int64)


def perplexity(entropy_nats: ArrayLike) -> FloatArray:
    """Return ``exp(H)``, the effective number of classes: K for the uniform distribution
    over K classes, 1 for a one-hot row. It is the same whatever the entropy's base,
    ``2 ** H_bits = e ** H_nats``; this takes nats."""
    return np.asarray(np.exp(np.asarray(entropy_nats, dtype=np.float64)))


def top_k(probs: ArrayLike, k: int) -> tuple[IntArray, FloatArray]:
    """Return the ``k`` most probable classes of each row, most probable first, and their
    probabilities: two arrays of shape ``(n_samples, k)``.

    Ties go to the lower class index (a stable sort of ``-p``), so the order is fully
    determined; ``top_k(p, 1)`` is ``argmax``, which also takes the first of tied maxima.
    """
    p = np.asarray(probs, dtype=np.float64)
    if not 1 <= k <= p.shape[-1]:
        raise ValueError(f"k must be between 1 and the number of classes, got {k}")
    if k == 1:
        classes = np.argmax(p, axis=-1)[..., None]
    else:
        classes = np.argsort(-p, axis=-1, kind="stable")[..., :k]
    return classes, np.take_along_axis(p, classes, axis=-1)
