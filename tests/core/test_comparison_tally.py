"""Tallies of parts of the rows add up, in order, to the tally of all of them."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import log_softmax

from softmax_cli.core.comparison.divergences import compare_block
from softmax_cli.core.comparison.tally import combined, tally


def blocks(rows: int, seed: int, targets: bool):
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 2, (rows, 5))
    other = base + rng.normal(0, 0.5, base.shape)
    classes = rng.integers(0, 5, rows) if targets else None
    log_p, log_q = log_softmax(base, axis=1), log_softmax(other, axis=1)
    return [
        compare_block(
            log_p[i : i + 4], log_q[i : i + 4], None if classes is None else classes[i : i + 4], 2
        )
        for i in range(0, rows, 4)
    ]


def test_parts_add_up_to_the_whole() -> None:
    every = blocks(30, 1, targets=True)
    whole = tally(every, targets=True)
    parts = combined([tally(every[:3], True), tally(every[3:5], True), tally(every[5:], True)])
    assert np.array_equal(parts.kl, whole.kl)
    assert parts.delta_p is not None and whole.delta_p is not None
    assert np.array_equal(parts.delta_p, whole.delta_p)
    for field in dataclasses.fields(whole.sums):
        expected, actual = getattr(whole.sums, field.name), getattr(parts.sums, field.name)
        assert math.isclose(actual, expected, rel_tol=1e-13, abs_tol=1e-15), field.name


def test_one_part_comes_back_as_it_was() -> None:
    alone = tally(blocks(9, 2, targets=False), targets=False)
    again = combined([alone])
    assert again.sums == alone.sums and again.delta_p is None
    assert np.array_equal(again.kl, alone.kl)


def test_an_empty_input_with_targets_has_an_empty_delta_p() -> None:
    empty = combined([tally([], targets=True)])
    assert empty.sums.rows == 0 and empty.kl.shape == (0,)
    assert empty.delta_p is not None and empty.delta_p.shape == (0,)
