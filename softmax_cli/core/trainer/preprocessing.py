"""Turning a table's columns into the feature matrix a classifier takes, with everything
learnt from the training rows only (so nothing leaks from the test rows).

Numeric columns: a missing cell (NaN) gets the training mean, then the column is
standardised (z-score, scikit-learn's ``StandardScaler``: the population standard
deviation, and 1 for a constant column). Categorical columns: one column per category
seen in training (one-hot), plus one for missing cells when training had any; at
prediction an unseen category (or a missing cell with no such column) is all zeros.
A categorical column's values are strings, with ``""`` for a missing cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray

MISSING = ""  # how a missing cell of a categorical column is given
MAX_CATEGORIES = 20  # above this, a column of mostly distinct values is not a category
MAX_CLASSES = 50  # above this, a numeric target of mostly distinct values is no class
MIN_COUNTING_ROWS = 3  # fewer rows always count up by 1 from somewhere: no sign of an index


class NumericColumn(NamedTuple):
    """A numeric feature: ``(value or fill - center) / scale``."""

    name: str
    fill: float
    center: float
    scale: float


class CategoricalColumn(NamedTuple):
    """A categorical feature: its categories in sorted order, and whether missing cells
    have a one-hot column of their own (after the categories)."""

    name: str
    categories: tuple[str, ...]
    missing_category: bool

    @property
    def width(self) -> int:
        return len(self.categories) + self.missing_category


class Preprocessor(NamedTuple):
    """The fitted transformation: numeric features first, then the one-hot columns."""

    numeric: tuple[NumericColumn, ...]
    categorical: tuple[CategoricalColumn, ...]

    @property
    def columns(self) -> list[str]:
        """The input columns it needs, numeric ones first."""
        return [c.name for c in self.numeric] + [c.name for c in self.categorical]

    @property
    def feature_names(self) -> list[str]:
        """One name per feature: the numeric column, or ``column=category``."""
        names = [column.name for column in self.numeric]
        for column in self.categorical:
            names += [f"{column.name}={category}" for category in column.categories]
            if column.missing_category:
                names.append(f"{column.name}=(missing)")
        return names

    @property
    def n_features(self) -> int:
        return len(self.numeric) + sum(column.width for column in self.categorical)

    def transform(
        self, numbers: FloatArray, texts: Sequence[Sequence[str]]
    ) -> tuple[FloatArray, list[int]]:
        """Features of shape ``(n, n_features)`` from the numeric columns ``numbers``
        (shape ``(n, len(numeric))``, NaN where missing) and one sequence of strings per
        categorical column; also, per categorical column, how many cells matched no
        column (unseen categories, or missing cells the training never had)."""
        n_rows = len(numbers)
        features = np.zeros((n_rows, self.n_features))
        if self.numeric:
            fill = np.array([c.fill for c in self.numeric])
            center = np.array([c.center for c in self.numeric])
            scale = np.array([c.scale for c in self.numeric])
            values = np.where(np.isnan(numbers), fill, numbers)
            features[:, : len(self.numeric)] = (values - center) / scale
        offset, unmatched = len(self.numeric), []
        rows = np.arange(n_rows)
        for column, cells in zip(self.categorical, texts, strict=True):
            index = _category_index(column, np.asarray(cells, dtype=str))
            found = index >= 0
            features[rows[found], offset + index[found]] = 1.0
            unmatched.append(int(np.count_nonzero(~found)))
            offset += column.width
        return features, unmatched


def _category_index(column: CategoricalColumn, cells: np.ndarray) -> IntArray:
    """Each cell's one-hot position within the column's block, -1 when it has none."""
    categories = np.array(column.categories, dtype=str)
    index = np.full(len(cells), -1, dtype=np.intp)
    if len(categories):
        position = np.minimum(np.searchsorted(categories, cells), len(categories) - 1)
        known = categories[position] == cells
        index[known] = position[known]
    if column.missing_category:
        index[cells == MISSING] = len(categories)
    return index


def fit_numeric_columns(
    names: Sequence[str], numbers: FloatArray, standardize: bool
) -> tuple[NumericColumn, ...]:
    """Learn each numeric column's fill value (the mean of its known cells, 0 when none
    is known) and, when ``standardize``, the mean ``c`` and population standard deviation
    ``s`` once filled (1 for a constant column). ``numbers``: shape ``(n, len(names))``,
    NaN where missing; all columns at once, as arrays."""
    missing = np.isnan(numbers)
    n_known = len(numbers) - missing.sum(axis=0)
    known_sums = np.where(missing, 0.0, numbers).sum(axis=0)
    fill = np.divide(known_sums, n_known, out=np.zeros(len(names)), where=n_known > 0)
    center, scale = np.zeros(len(names)), np.ones(len(names))
    if standardize and len(numbers):
        filled = np.where(missing, fill, numbers)
        center = filled.mean(axis=0)
        deviation = filled - center
        # Divide by the largest magnitude first so that squaring cannot overflow.
        magnitude = np.abs(deviation).max(axis=0)
        scaled = np.divide(deviation, magnitude, out=np.zeros_like(deviation), where=magnitude > 0)
        std = scaled.std(axis=0) * magnitude
        scale = np.where(std > 0, std, 1.0)
    columns = zip(names, fill.tolist(), center.tolist(), scale.tolist(), strict=True)
    return tuple(NumericColumn(*column) for column in columns)


def fit_categorical(name: str, cells: Sequence[str]) -> CategoricalColumn:
    """Learn a categorical column's categories (sorted) and whether it had missing cells."""
    distinct = set(cells)
    missing = MISSING in distinct
    distinct.discard(MISSING)
    return CategoricalColumn(name, tuple(sorted(distinct)), missing)


def looks_like_an_identifier(cells: Sequence[str]) -> bool:
    """A text column too varied to be a category (an ID or free text): more than
    ``MAX_CATEGORIES`` distinct values that are more than half of its known cells."""
    known = [cell for cell in cells if cell != MISSING]
    distinct = len(set(known))
    return distinct > MAX_CATEGORIES and distinct > len(known) / 2


def counts_rows(values: FloatArray) -> bool:
    """Whether a numeric column, shape ``(n,)``, is a row number: integers counting up by
    1 from the first, every row (a row index as pandas' ``reset_index`` or R writes it),
    with no missing cell, over at least ``MIN_COUNTING_ROWS`` rows."""
    if len(values) < MIN_COUNTING_ROWS or not np.isfinite(values[0]):
        return False
    # Exact in float64: integers below 2**53 are, and so is each step of 1 between them.
    return bool(np.all(values == values[0] + np.arange(len(values))) and values[0] % 1 == 0)


def looks_like_a_measurement(values: FloatArray) -> bool:
    """Whether a numeric target column, shape ``(n,)`` with NaN where missing, holds
    measurements rather than classes: a value that is no integer, or more than
    ``MAX_CLASSES`` distinct values that are more than half of its known cells."""
    known = values[~np.isnan(values)]
    if np.any(known % 1 != 0):
        return True
    distinct = len(np.unique(known))
    return distinct > MAX_CLASSES and distinct > len(known) / 2


def fit_preprocessor(
    numeric_names: Sequence[str],
    numbers: FloatArray,
    categorical_names: Sequence[str],
    texts: Sequence[Sequence[str]],
    standardize: bool = True,
) -> Preprocessor:
    """Fit on the training rows: ``numbers`` of shape ``(n, len(numeric_names))`` with
    NaN where missing, and one sequence of ``n`` strings per categorical column."""
    numeric = fit_numeric_columns(numeric_names, numbers, standardize)
    categorical = tuple(
        fit_categorical(name, cells) for name, cells in zip(categorical_names, texts, strict=True)
    )
    return Preprocessor(numeric, categorical)
