"""Stratified splits of row indices: train/test, and K folds for cross-validation.

Every class keeps its share of rows in each part. Randomness comes only from the given
``numpy.random.Generator``, so a seed fixes the split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray


def holdout_count(n_rows: int, test_size: float) -> int:
    """Rows to hold out: ``test_size`` is a fraction in (0, 1) or a count >= 1."""
    if 0 < test_size < 1:
        return round(n_rows * test_size)
    return int(test_size)


def stratified_split(
    targets: IntArray, n_test: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Split row indices into ``(train, test)`` with ``n_test`` test rows, shape ``(n,)``
    each, in input order.

    Each class k with ``n_k`` rows gives ``n_test * n_k / n`` test rows, rounded so the
    counts add up (largest remainders first), but always keeps at least one row in
    training: a class with a single row has no test row. Which rows of a class go to
    the test set is drawn by ``rng``.
    """
    classes, counts = np.unique(targets, return_counts=True)
    quota = n_test * counts / len(targets)
    taken = np.minimum(np.floor(quota).astype(np.intp), counts - 1)
    # The rest go one at a time to the classes with the largest remainders, round after
    # round, to those that still have a row to spare (every class keeps one in training).
    order = np.argsort(-(quota - taken), kind="stable")
    while taken.sum() < n_test and (taken < counts - 1).any():
        for index in order:
            if taken.sum() < n_test and taken[index] < counts[index] - 1:
                taken[index] += 1
    test = np.zeros(len(targets), dtype=bool)
    for label, count in zip(classes.tolist(), taken.tolist(), strict=True):
        rows = np.flatnonzero(targets == label)
        test[rng.permutation(rows)[:count]] = True
    return np.flatnonzero(~test), np.flatnonzero(test)


def stratified_folds(targets: IntArray, n_folds: int, rng: np.random.Generator) -> list[IntArray]:
    """The held-out rows of each of ``n_folds`` folds, in input order: each class's rows,
    shuffled by ``rng``, are dealt out in turn, so fold sizes per class differ by at most
    one. Every row is held out exactly once."""
    fold_of = np.empty(len(targets), dtype=np.intp)
    offset = 0
    for label in np.unique(targets).tolist():
        rows = rng.permutation(np.flatnonzero(targets == label))
        # Continue dealing where the last class stopped, so the folds' sizes stay even.
        fold_of[rows] = (np.arange(len(rows)) + offset) % n_folds
        offset += len(rows)
    return [np.flatnonzero(fold_of == fold) for fold in range(n_folds)]
