"""Sampling filters on hand-made boundary rows and against an exact reference, and draws
tested with fixed-seed chi-square tests against the filtered, renormalised distribution."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from helpers import filtered_probs
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator import sampling
from softmax_cli.core.calculator.activations import shifted_logits, softmax
from softmax_cli.core.calculator.sampling import (
    Filters,
    draw,
    drawn_probs,
    filtered_weights,
    keep_mask,
)

DRAWS = 100_000


def kept(probs: list[float], **filters: float) -> list[bool]:
    return keep_mask(np.array([probs]), Filters(**filters))[0].tolist()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("probs", "filters", "expected"),
    [
        # top-p: the class that crosses P is kept; one exactly at it ends the set
        ([0.5, 0.3, 0.2], {"top_p": 0.8}, [True, True, False]),
        ([0.5, 0.3, 0.2], {"top_p": 0.5}, [True, False, False]),
        ([0.5, 0.3, 0.2], {"top_p": 0.500001}, [True, True, False]),
        ([0.5, 0.3, 0.2], {"top_p": 0.800001}, [True, True, True]),
        ([0.2, 0.3, 0.5], {"top_p": 0.8}, [False, True, True]),  # by probability, not index
        ([0.5, 0.3, 0.2], {"top_p": 0.01}, [True, False, False]),  # the top class always
        ([0.5, 0.3, 0.2], {"top_p": 1.0}, [True, True, True]),
        ([0.1] * 10, {"top_p": 0.8}, [True] * 8 + [False] * 2),  # the float sum is 0.79999…
        # float sums just short of P: 0.5 + 0.2 + 0.2 is 0.8999999999999999, and the
        # second row's float total is 1.0000000000000002, so 0.4 of it is above 0.4
        ([0.5, 0.2, 0.2, 0.05, 0.05], {"top_p": 0.9}, [True, True, True, False, False]),
        ([0.4, 0.25, 0.2, 0.05, 0.05, 0.05], {"top_p": 0.4}, [True] + [False] * 5),
        ([0.25] * 4, {"top_p": 0.5}, [True, True, False, False]),  # ties: lower index first
        # top-k: exactly K kept, ties at the boundary go to the lower index
        ([0.3, 0.2, 0.3, 0.2], {"top_k": 1}, [True, False, False, False]),
        ([0.3, 0.2, 0.3, 0.2], {"top_k": 2}, [True, False, True, False]),
        ([0.3, 0.2, 0.3, 0.2], {"top_k": 3}, [True, True, True, False]),
        ([0.3, 0.2, 0.3, 0.2], {"top_k": 9}, [True, True, True, True]),  # K > classes: all
        # min-p: p >= P * max p, equality kept
        ([0.5, 0.25, 0.25, 0.125], {"min_p": 0.5}, [True, True, True, False]),
        ([0.5, 0.25, 0.25, 0.125], {"min_p": 0.25}, [True, True, True, True]),
        ([0.5, 0.25, 0.25, 0.125], {"min_p": 0.5000001}, [True, False, False, False]),
        ([0.4, 0.4, 0.2], {"min_p": 1.0}, [True, True, False]),
        ([0.4, 0.3, 0.26, 0.04], {"min_p": 0.1}, [True] * 4),  # 0.1 * 0.4 is 0.04000000000000001
        ([0.0, 1.0, 0.0], {"min_p": 1e-9}, [False, True, False]),
        # combinations, in the documented order, each on the renormalised survivors:
        # after top-k 3, top-p 0.75 is reached by 0.4 + 0.3 = 0.7 of the 0.9 left
        ([0.4, 0.3, 0.2, 0.1], {"top_k": 2, "top_p": 0.5}, [True, False, False, False]),
        ([0.4, 0.3, 0.2, 0.1], {"top_k": 3, "top_p": 0.75}, [True, True, False, False]),
        ([0.4, 0.3, 0.2, 0.1], {"top_p": 0.9, "min_p": 0.6}, [True, True, False, False]),
        ([0.4, 0.3, 0.2, 0.1], {"top_k": 3, "min_p": 0.25}, [True, True, True, False]),
        (
            [0.4, 0.3, 0.2, 0.1],
            {"top_k": 3, "top_p": 0.9, "min_p": 0.6},
            [True, True, False, False],
        ),
    ],
)
def test_filter_boundaries(
    probs: list[float], filters: dict[str, float], expected: list[bool]
) -> None:
    assert kept(probs, **filters) == expected


def test_top_k_keeps_a_zero_probability_class_that_is_never_drawn() -> None:
    probs = np.array([[0.0, 1.0, 0.0]])
    assert keep_mask(probs, Filters(top_k=2))[0].tolist() == [True, True, False]
    assert filtered_probs(probs, Filters(top_k=2))[0].tolist() == [0.0, 1.0, 0.0]
    assert set(draw(probs, 1000, np.random.default_rng(0))[0].tolist()) == {1}


@pytest.mark.parametrize(
    "filters",
    [
        Filters(top_k=0),
        Filters(top_p=0.0),
        Filters(top_p=1.5),
        Filters(min_p=0.0),
        Filters(min_p=2),
    ],
)
def test_out_of_range_filters(filters: Filters) -> None:
    with pytest.raises(ValueError, match="must be"):
        keep_mask(np.ones((1, 2)), filters)


DECIMALS = ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.4", "0.5"]


def reference_mask(probs: list[str], filters: Filters) -> list[bool]:
    """The documented rules in exact rational arithmetic on the decimals as typed."""
    p = [Fraction(v) for v in probs]
    ranked = sorted(range(len(p)), key=lambda i: (-p[i], i))
    keep = set(ranked[: filters.top_k] if filters.top_k else ranked)
    if filters.top_p is not None and filters.top_p < 1:  # P = 1 keeps every class
        total = sum(p[i] for i in keep)
        running, nucleus = Fraction(0), set()
        for i in ranked:
            if i in keep and running < Fraction(str(filters.top_p)) * total:
                nucleus.add(i)
                running += p[i]
        keep = nucleus
    if filters.min_p is not None:
        floor = Fraction(str(filters.min_p)) * max(p)
        keep = {i for i in keep if p[i] >= floor}
    return [i in keep for i in range(len(p))]


@given(
    st.lists(st.sampled_from(DECIMALS), min_size=1, max_size=8).filter(
        lambda row: any(v != "0" for v in row)
    ),
    st.one_of(st.none(), st.integers(1, 8)),
    st.one_of(st.none(), st.sampled_from([0.05, 0.1, 0.3, 0.5, 0.55, 0.7, 0.8, 0.9, 1.0])),
    st.one_of(st.none(), st.sampled_from([0.1, 0.2, 0.3, 0.5, 0.6, 0.75, 1.0])),
)
def test_filters_match_exact_arithmetic_on_decimal_inputs(
    row: list[str], top_k: int | None, top_p: float | None, min_p: float | None
) -> None:
    filters = Filters(top_k, top_p, min_p)
    weights = np.array([[float(v) for v in row]])  # need not sum to 1: scale is irrelevant
    got = keep_mask(weights, filters)[0].tolist()
    expected = reference_mask(row, filters)
    assert got == expected


CHI_SQUARE_CASES = {
    "plain": ([2.0, 1.0, 0.5, 0.0, -1.0], 1.0, Filters()),
    "temperature 0.5": ([2.0, 1.0, 0.5, 0.0, -1.0], 0.5, Filters()),
    "temperature 3": ([2.0, 1.0, 0.5, 0.0, -1.0], 3.0, Filters()),
    "top-k": ([2.0, 1.0, 0.5, 0.0, -1.0], 1.0, Filters(top_k=3)),
    "top-k ties": ([1.0, 0.0, 1.0, 0.0, 1.0], 1.0, Filters(top_k=2)),
    "top-p": ([2.0, 1.0, 0.5, 0.0, -1.0], 1.0, Filters(top_p=0.9)),
    "min-p": ([2.0, 1.0, 0.5, 0.0, -1.0], 1.0, Filters(min_p=0.2)),
    "masked class": ([0.0, -np.inf, 0.0, 1.0], 1.0, Filters()),
    "top-k and top-p": ([2.0, 1.0, 0.5, 0.0, -1.0], 1.0, Filters(top_k=4, top_p=0.8)),
    "top-p and min-p": ([2.0, 1.5, 1.0, 0.5, 0.0], 1.0, Filters(top_p=0.95, min_p=0.3)),
    "all, temperature 2": ([2.0, 1.5, 1.0, 0.5, 0.0, -1.0], 2.0, Filters(4, 0.8, 0.5)),
}


@pytest.mark.parametrize("case", list(CHI_SQUARE_CASES.values()), ids=list(CHI_SQUARE_CASES))
def test_draws_follow_the_filtered_renormalised_distribution(
    case: tuple[list[float], float, Filters],
) -> None:
    logits, temperature, filters = case
    probs = filtered_probs(softmax(np.array([logits]), temperature), filters)[0]
    # Drawn, as sample does, from weights that are not renormalised: exp(z / T - max).
    weights = filtered_weights(np.exp(shifted_logits(np.array([logits]), temperature)), filters)
    drawn = draw(weights, DRAWS, np.random.default_rng(20240601))[0]
    counts = np.bincount(drawn, minlength=len(probs))
    assert counts[probs == 0].sum() == 0, "a filtered-out class was drawn"
    support = probs > 0
    result = scipy.stats.chisquare(counts[support], DRAWS * probs[support])
    assert result.pvalue > 0.001, (counts, DRAWS * probs)


def test_many_rows_with_one_draw_each_follow_their_own_rows() -> None:
    # Two alternating rows, one draw each: the rows' counts must follow their own rows.
    rows = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]] * (DRAWS // 2))
    drawn = draw(rows, 1, np.random.default_rng(7))[:, 0]
    for start in (0, 1):
        counts = np.bincount(drawn[start::2], minlength=3)
        assert scipy.stats.chisquare(counts, DRAWS // 2 * rows[start]).pvalue > 0.001


@given(st.integers(0, 2**32 - 1), st.lists(st.integers(0, 30), min_size=1, max_size=4))
def test_draws_do_not_depend_on_how_rows_are_chunked(seed: int, cuts: list[int]) -> None:
    probs = softmax(np.random.default_rng(1).normal(size=(30, 4)))
    at_once = draw(probs, 3, np.random.default_rng(seed))
    rng = np.random.default_rng(seed)
    bounds = [0, *sorted(cuts), len(probs)]
    chunked = [draw(probs[a:b], 3, rng) for a, b in itertools.pairwise(bounds)]
    np.testing.assert_array_equal(np.concatenate(chunked), at_once)


def test_the_same_seed_gives_the_same_draws() -> None:
    probs = softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    first = draw(probs, 50, np.random.default_rng(42))
    np.testing.assert_array_equal(first, draw(probs, 50, np.random.default_rng(42)))
    assert not np.array_equal(first, draw(probs, 50, np.random.default_rng(43)))


class LargestUniform:
    """A generator stand-in whose every uniform is the largest float below 1."""

    def random(self, size: tuple[int, int]) -> np.ndarray:
        return np.full(size, np.nextafter(1.0, 0.0))


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ([0.3, 0.7, 0.0, 0.0], 1),  # the last class of positive weight, never a zero one
        ([1 / 3, 1 / 3, 1 / 3], 2),
        ([1e-300, 1e-300], 1),
    ],
)
def test_a_uniform_next_to_1_finds_the_last_class_of_positive_weight(
    probs: list[float], expected: int
) -> None:
    drawn = draw(np.array([probs]), 2, LargestUniform())  # type: ignore[arg-type]
    assert drawn.tolist() == [[expected, expected]]


@given(st.integers(1, 40), st.integers(1, 24), st.integers(1, 9), st.sampled_from([0, 16]))
def test_both_ways_of_comparing_agree_with_searchsorted(
    n_draws: int, n_classes: int, block: int, few_classes: int
) -> None:
    """Class by class (few classes) and block-wise (any number of classes, here with
    tiny blocks and, with ``few_classes`` 0, for every row length)."""
    rng = np.random.default_rng(n_draws * 100 + n_classes)
    cumulative = np.cumsum(rng.random((5, n_classes)), axis=1)
    targets = rng.random((5, n_draws)) * cumulative[:, -1:]
    expected = [
        np.searchsorted(c, t, side="right") for c, t in zip(cumulative, targets, strict=True)
    ]
    original = sampling._BLOCK_CELLS, sampling.COLUMN_WISE_CLASSES
    sampling._BLOCK_CELLS, sampling.COLUMN_WISE_CLASSES = block, few_classes
    try:
        got = sampling._first_above(cumulative, targets)
    finally:
        sampling._BLOCK_CELLS, sampling.COLUMN_WISE_CLASSES = original
    np.testing.assert_array_equal(got, np.array(expected))


@given(st.integers(1, 40), st.integers(1, 40))
def test_running_sums_are_cumsum_to_the_last_bit(n_rows: int, n_classes: int) -> None:
    """Column by column or not, the same additions in the same order: draws with a seed
    do not depend on the number of classes crossing ``COLUMN_WISE_CLASSES``."""
    p = np.random.default_rng(n_rows * 100 + n_classes).random((n_rows, n_classes)) ** 8
    np.testing.assert_array_equal(sampling._running_sums(p), np.cumsum(p, axis=1))


@given(
    arrays(np.float64, (6, 5), elements=st.floats(-20, 20)),
    st.sampled_from([Filters(), Filters(top_k=2), Filters(top_p=0.7), Filters(2, 0.9, 0.1)]),
)
def test_drawn_probs_are_the_filtered_renormalised_probabilities(
    logits: np.ndarray, filters: Filters
) -> None:
    weights = filtered_weights(np.exp(shifted_logits(logits)), filters)
    classes = draw(weights, 4, np.random.default_rng(3))
    expected = np.take_along_axis(filtered_probs(softmax(logits), filters), classes, axis=1)
    np.testing.assert_allclose(drawn_probs(weights, classes), expected, rtol=1e-13)


@pytest.mark.parametrize("filters", [Filters(), Filters(top_p=1.0)])
def test_without_an_active_filter_the_weights_are_returned_as_they_are(filters: Filters) -> None:
    weights = np.array([[0.2, 0.5, 0.3]])
    assert filtered_weights(weights, filters) is weights
