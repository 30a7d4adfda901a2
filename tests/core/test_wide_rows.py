"""Rows of a vocabulary's width (at least ``ranking.WIDE_CLASSES``): the partial
selections of top-k, top-p and min-p against whole-row sorts and exact arithmetic, draws
against the whole-row implementation, and the uncertainty of rows laid out as they are
against the same rows laid out a class per row."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_cli.core.calculator.activations import shifted_logits
from softmax_cli.core.calculator.ranking import (
    WIDE_CLASSES,
    first_ranks,
    in_rank_order,
    top_classes,
)
from softmax_cli.core.calculator.sampling import (
    Filters,
    draw,
    drawn_probs,
    filtered_weights,
    keep_mask,
    kept_classes,
    sample,
)
from softmax_cli.core.calculator.uncertainty import Distribution, top_k

VOCABULARY = 50_257  # GPT-2's


def wide_mask(weights: np.ndarray, filters: Filters) -> np.ndarray:
    """The wide path's kept classes of each row, as a mask."""
    mask = np.zeros(weights.shape, dtype=bool)
    for row, row_weights in enumerate(weights):
        kept = kept_classes(row_weights, filters)
        mask[row, slice(None) if kept is None else kept] = True
    return mask


def ranked_oracle(weights: np.ndarray) -> list[int]:
    """Every class of one row by rank, in plain Python: largest first, ties by index."""
    return sorted(range(len(weights)), key=lambda i: (-weights[i], i))


@pytest.mark.parametrize("k", [1, 2, 7, 50, 1000])
@pytest.mark.parametrize("ties", [False, True])
def test_top_classes_are_the_first_ranks_of_a_full_sort(k: int, ties: bool) -> None:
    rng = np.random.default_rng(k)
    logits = rng.standard_normal(VOCABULARY) * 3
    weights = np.exp(np.round(logits) if ties else logits)  # rounding makes many ties
    expected = sorted(ranked_oracle(weights)[:k])
    assert top_classes(weights, k).tolist() == expected


@given(
    st.lists(st.integers(0, 4), min_size=WIDE_CLASSES, max_size=WIDE_CLASSES + 40),
    st.integers(1, WIDE_CLASSES),
)
@settings(max_examples=50)
def test_first_ranks_keep_the_lowest_indices_of_a_tie(values: list[int], k: int) -> None:
    weights = np.array(values, dtype=np.float64)
    order = ranked_oracle(weights)
    assert first_ranks(weights, k, weights[order[k - 1]]).tolist() == sorted(order[:k])
    kept = np.array(sorted(order[:k]))
    assert in_rank_order(kept, weights[kept]).tolist() == order[:k]


FILTERS = [
    Filters(top_k=1),
    Filters(top_k=50),
    Filters(top_k=5000),
    Filters(top_p=0.9),
    Filters(top_p=0.5),
    Filters(top_p=0.999999),
    Filters(top_p=1e-9),
    Filters(min_p=0.05),
    Filters(min_p=1.0),
    Filters(top_k=200, top_p=0.8),
    Filters(top_p=0.95, min_p=0.01),
    Filters(top_k=100, top_p=0.9, min_p=0.1),
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
@pytest.mark.parametrize("scale", [0.3, 2.5, 8.0])
def test_wide_kept_sets_equal_a_whole_row_sort(filters: Filters, scale: float) -> None:
    rng = np.random.default_rng(int(scale * 10))
    logits = rng.standard_normal((5, VOCABULARY)) * scale
    logits[2] = np.round(logits[2])  # ties everywhere, also at the boundaries
    # Top-p guesses its threshold from every 16th class: rows that mislead the guess.
    logits[3, ::16] += 6
    logits[4, 1::16] += 6
    weights = np.exp(shifted_logits(logits))
    np.testing.assert_array_equal(wide_mask(weights, filters), keep_mask(weights, filters))


def dyadic_row(masses: list[float]) -> np.ndarray:
    """A vocabulary-wide row holding ``masses`` at scattered classes, zeros elsewhere:
    powers of two, so every sum of them is exact."""
    row = np.zeros(VOCABULARY)
    places = np.random.default_rng(len(masses)).choice(VOCABULARY, len(masses), replace=False)
    row[places] = masses
    return row


@pytest.mark.parametrize(
    ("masses", "filters", "n_kept"),
    [
        # the mass reaches P exactly at a rank: that rank ends the nucleus
        ([0.5, 0.25, 0.125, 0.125], Filters(top_p=0.75), 2),
        ([0.5, 0.25, 0.125, 0.125], Filters(top_p=0.5), 1),
        ([0.5, 0.25, 0.125, 0.125], Filters(top_p=0.875), 3),
        ([0.5, 0.25, 0.125, 0.125], Filters(top_p=0.8750001), 4),
        # ties exactly at the boundary: the lower indices go first
        ([0.25] * 4, Filters(top_p=0.5), 2),
        ([0.25] * 4, Filters(top_k=3), 3),
        ([0.25] * 4 + [2.0**-40] * 3, Filters(top_k=5), 5),
        ([0.5, 0.25, 0.25], Filters(top_k=2, top_p=0.75), 2),
        ([0.5, 0.25, 0.25], Filters(min_p=0.5), 3),
        ([0.5, 0.25, 0.25], Filters(min_p=0.5000001), 1),
        # the mass reaches P only far down, below many halvings of the threshold
        ([1.0] + [2.0**-30] * 4096, Filters(top_p=0.999999), 3024),
    ],
)
def test_wide_boundaries_are_the_exact_rules(
    masses: list[float], filters: Filters, n_kept: int
) -> None:
    weights = dyadic_row(masses)
    got = wide_mask(weights[None, :], filters)[0]
    assert got.sum() == n_kept
    np.testing.assert_array_equal(got, keep_mask(weights[None, :], filters)[0])
    exact = [Fraction(value) for value in weights]
    ranked = sorted(range(VOCABULARY), key=lambda i: (-exact[i], i))
    top = ranked[: filters.top_k or VOCABULARY]
    if filters.top_p is not None:
        total, running, nucleus = sum(exact[i] for i in top), Fraction(0), []
        for i in top:
            if running < Fraction(str(filters.top_p)) * total:
                nucleus.append(i)
                running += exact[i]
        top = nucleus
    if filters.min_p is not None:
        floor = Fraction(str(filters.min_p)) * max(exact)
        top = [i for i in top if exact[i] >= floor]
    assert np.flatnonzero(got).tolist() == sorted(top)


DRAW_FILTERS = [Filters(), *FILTERS]


@pytest.mark.parametrize("filters", DRAW_FILTERS, ids=str)
@pytest.mark.parametrize("n_classes", [5, WIDE_CLASSES - 1, WIDE_CLASSES, VOCABULARY])
def test_draws_are_those_of_the_whole_row_implementation(filters: Filters, n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    logits = rng.standard_normal((6, n_classes)) * 4
    logits[-1] = np.round(logits[-1])
    weights = np.exp(shifted_logits(logits))
    classes, probs = sample(weights, filters, 4, np.random.default_rng(7))
    kept = filtered_weights(weights, filters)
    expected = draw(kept, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(classes, expected)
    expected_probs = drawn_probs(kept, expected)
    if filters == Filters():  # the same sums in the same order
        np.testing.assert_array_equal(probs, expected_probs)
    else:  # the kept classes' total, summed without the zeros between them
        np.testing.assert_allclose(probs, expected_probs, rtol=1e-13)


def test_wide_draws_take_the_same_uniforms_chunk_by_chunk() -> None:
    weights = np.exp(shifted_logits(np.random.default_rng(3).standard_normal((9, 2000))))
    whole = sample(weights, Filters(top_p=0.9), 2, np.random.default_rng(11))[0]
    rng = np.random.default_rng(11)
    parts = [
        sample(weights[rows], Filters(top_p=0.9), 2, rng)[0]
        for rows in np.split(np.arange(9), [2, 7])
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


@pytest.mark.parametrize("masked", [False, True])
def test_uncertainty_of_rows_as_laid_out_equals_a_class_per_row(masked: bool) -> None:
    rng = np.random.default_rng(int(masked))
    logits = rng.standard_normal((5, 3000)) * 3
    logits[1] = np.round(logits[1])  # a tie for the top, which is its own runner-up
    logits[1, [10, 20]] = logits[1].max()
    if masked:
        logits[:, ::3] = -np.inf
    shifted = shifted_logits(logits)
    by_class = Distribution.from_shifted(np.ascontiguousarray(shifted.T))
    by_row = Distribution.from_shifted_rows(shifted)
    np.testing.assert_array_equal(by_row.argmax, by_class.argmax)
    for name in ("total", "entropy", "runner_up"):
        np.testing.assert_allclose(getattr(by_row, name), getattr(by_class, name), rtol=1e-12)
    np.testing.assert_allclose(by_row.margin(), by_class.margin(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(by_row.probs(), by_class.probs(), rtol=1e-12)
    for k in (1, 5, 300):
        classes, probs = by_row.top(k)
        expected, expected_probs = top_k(by_class.probs(), k)
        np.testing.assert_array_equal(classes, expected)
        np.testing.assert_allclose(probs, expected_probs, rtol=1e-12)
    with pytest.raises(ValueError, match="k must be"):
        by_row.top(3001)
