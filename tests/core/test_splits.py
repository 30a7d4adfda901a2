"""Stratified train/test splits and K folds."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from softmax_cli.core.trainer.splits import holdout_count, stratified_folds, stratified_split

class_sizes = st.lists(st.integers(1, 30), min_size=2, max_size=6)


def targets_of(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes)), sizes)


@given(class_sizes, st.floats(0.05, 0.6), st.integers(0, 2**32 - 1))
def test_split_is_stratified_and_exact(sizes: list[int], fraction: float, seed: int) -> None:
    targets = np.random.default_rng(seed).permutation(targets_of(sizes))
    n_test = min(holdout_count(len(targets), fraction), len(targets) - len(sizes))
    train, test = stratified_split(targets, n_test, np.random.default_rng(seed))
    assert len(test) == n_test
    assert sorted([*train, *test]) == list(range(len(targets)))
    assert np.all(np.diff(test) > 0) and np.all(np.diff(train) > 0), "input order"
    counts = np.bincount(targets[test], minlength=len(sizes))
    expected = n_test * np.array(sizes) / len(targets)
    assert np.all(np.abs(counts - expected) < 1 + 1e-9) or np.any(np.array(sizes) == 1)
    assert set(targets[train]) == set(range(len(sizes))), "every class is trained on"


def test_a_class_of_one_row_stays_in_training() -> None:
    targets = np.array([0] * 10 + [1] * 10 + [2])
    train, test = stratified_split(targets, 5, np.random.default_rng(0))
    assert 20 in train and len(test) == 5
    assert sorted(np.bincount(targets[test], minlength=3).tolist()) == [0, 2, 3]


def test_same_seed_same_split_and_another_seed_another() -> None:
    targets = targets_of([40, 40, 40])
    first = stratified_split(targets, 30, np.random.default_rng(1))[1]
    again = stratified_split(targets, 30, np.random.default_rng(1))[1]
    other = stratified_split(targets, 30, np.random.default_rng(2))[1]
    assert first.tolist() == again.tolist() != other.tolist()


@given(class_sizes, st.integers(2, 5), st.integers(0, 1000))
def test_folds_hold_every_row_out_once_and_are_stratified(
    sizes: list[int], n_folds: int, seed: int
) -> None:
    targets = targets_of(sizes)
    folds = stratified_folds(targets, n_folds, np.random.default_rng(seed))
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(targets)))
    per_class = np.array([np.bincount(targets[fold], minlength=len(sizes)) for fold in folds])
    assert np.all(per_class.max(axis=0) - per_class.min(axis=0) <= 1)
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
