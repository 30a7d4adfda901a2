"""Imputation, standardisation and one-hot encoding, against scikit-learn and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from softmax_cli.core.trainer.preprocessing import (
    fit_numeric_columns,
    fit_preprocessor,
    looks_like_an_identifier,
)


def test_numeric_columns_match_an_imputer_and_scaler_pipeline() -> None:
    rng = np.random.default_rng(0)
    numbers = rng.normal(loc=[1, -50, 1e6], scale=[1, 10, 1e4], size=(40, 3))
    numbers[rng.random((40, 3)) < 0.2] = np.nan
    numbers[:, 1] = np.where(np.isnan(numbers[:, 1]), np.nan, 7.0)  # constant when known
    prep = fit_preprocessor(["a", "b", "c"], numbers, [], [])
    features, unmatched = prep.transform(numbers, [])
    reference = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()).fit(numbers)
    np.testing.assert_allclose(features, reference.transform(numbers), atol=1e-12)
    assert unmatched == [] and prep.feature_names == ["a", "b", "c"]
    later = np.array([[np.nan, np.nan, np.nan]])
    np.testing.assert_allclose(prep.transform(later, [])[0], reference.transform(later), atol=1e-12)


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 5)),
        # No magnitudes below 1e-100: the reference's squares would underflow to 0.
        elements=st.one_of(
            st.floats(-1e6, 1e6).filter(lambda v: v == 0 or abs(v) > 1e-100), st.just(np.nan)
        ),
    )
)
def test_each_column_is_fitted_as_on_its_own(numbers: np.ndarray) -> None:
    """All columns at once give each column's nanmean fill, then the mean and the
    population standard deviation of the filled column (1 when it is constant)."""
    columns = fit_numeric_columns([f"x{i}" for i in range(numbers.shape[1])], numbers, True)
    for index, column in enumerate(columns):
        values = numbers[:, index]
        fill = float(np.mean(values[~np.isnan(values)])) if (~np.isnan(values)).any() else 0.0
        filled = np.where(np.isnan(values), fill, values)
        std = float(np.std(filled))
        assert column.fill == pytest.approx(fill, rel=1e-12, abs=1e-9)
        assert column.center == pytest.approx(filled.mean(), rel=1e-12, abs=1e-9)
        if std > 1e-6:
            assert column.scale == pytest.approx(std, rel=1e-9)
        elif std == 0:
            assert column.scale == 1.0


def test_all_missing_and_huge_columns() -> None:
    numbers = np.array([[np.nan, 1e300, -1e300], [np.nan, -1e300, -1e300]])
    columns = fit_numeric_columns(["gone", "huge", "same"], numbers, standardize=True)
    assert columns[0][1:] == (0.0, 0.0, 1.0)  # no known cell: filled with 0, scale 1
    assert columns[1][1:] == (0.0, 0.0, 1e300)  # squaring would overflow: scaled first
    assert columns[2][1:] == (-1e300, -1e300, 1.0)
    tiny = fit_numeric_columns(["tiny"], np.array([[0.0], [8e-222]]), standardize=True)
    assert tiny[0].scale == pytest.approx(4e-222)  # squaring would underflow: scaled first


def test_without_standardising_only_missing_cells_change() -> None:
    numbers = np.array([[1.0], [np.nan], [5.0]])
    prep = fit_preprocessor(["x"], numbers, [], [], standardize=False)
    np.testing.assert_array_equal(prep.transform(numbers, [])[0], [[1.0], [3.0], [5.0]])


def test_categories_are_one_hot_with_a_column_for_missing_cells() -> None:
    cells = ["red", "blue", "", "red", "green"]
    prep = fit_preprocessor([], np.zeros((5, 0)), ["colour"], [cells])
    assert prep.feature_names == ["colour=blue", "colour=green", "colour=red", "colour=(missing)"]
    features, unmatched = prep.transform(np.zeros((5, 0)), [cells])
    np.testing.assert_array_equal(
        features, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]
    )
    assert unmatched == [0]
    unseen, counts = prep.transform(np.zeros((2, 0)), [["purple", "blue"]])
    np.testing.assert_array_equal(unseen, [[0, 0, 0, 0], [1, 0, 0, 0]])
    assert counts == [1]


def test_a_missing_cell_never_seen_in_training_matches_no_column() -> None:
    prep = fit_preprocessor([], np.zeros((2, 0)), ["c"], [["a", "b"]])
    features, unmatched = prep.transform(np.zeros((1, 0)), [[""]])
    np.testing.assert_array_equal(features, [[0, 0]])
    assert unmatched == [1]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([f"id{i}" for i in range(21)], True),  # 21 distinct of 21
        ([f"id{i}" for i in range(20)], False),  # only 20 distinct
        ([f"v{i % 21}" for i in range(50)], False),  # 21 distinct of 50: not over half
        ([f"v{i % 26}" for i in range(50)], True),  # 26 of 50
        ([*(f"id{i}" for i in range(21)), *[""] * 40], True),  # missing cells don't count
    ],
)
def test_identifier_columns(cells: list[str], expected: bool) -> None:
    assert looks_like_an_identifier(cells) is expected
