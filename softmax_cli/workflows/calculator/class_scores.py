"""Rows of class scores, as softmax, xent, stats and sample read them: logits, or with
``--probs`` probability distributions; the check each row must pass, and the
probabilities a row stands for."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator.activations import fully_masked_rows, shifted_logits
from softmax_cli.errors import ArgumentError
from softmax_cli.io.streaming.rows import RowRule

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray

SUM_TOLERANCE = 1e-6

MASKED_LOGITS = RowRule(fully_masked_rows, "every logit is -inf: no class can get a probability")


def distribution_rule(renormalize: bool = False) -> RowRule:
    """Rows of probabilities: non-negative and summing to 1 within ``SUM_TOLERANCE``
    (with ``renormalize``, to anything positive)."""
    return RowRule(
        lambda values: _bad_distributions(values, renormalize),
        "",
        lambda row: _describe_distribution(row, renormalize),
    )


def _bad_distributions(values: FloatArray, renormalize: bool) -> BoolArray:
    with np.errstate(over="ignore"):  # cells near 1e308 sum to inf: a bad row, not a warning
        sums = np.sum(values, axis=1)
    off = ~(sums > 0) | np.isinf(sums) if renormalize else ~(np.abs(sums - 1.0) <= SUM_TOLERANCE)
    return np.asarray(np.any(values < 0, axis=1) | off)


def _describe_distribution(row: FloatArray, renormalize: bool) -> tuple[str, int | None]:
    negative = np.flatnonzero(row < 0)
    if len(negative):
        return f"probability {row[negative[0]]:g} is negative", int(negative[0]) + 1
    with np.errstate(over="ignore"):
        total = float(np.sum(row))
    if renormalize:
        return f"probabilities sum to {total:g}: cannot renormalize", None
    return (
        f"probabilities sum to {total:.9g}, not 1 (tolerance {SUM_TOLERANCE:g}; "
        "--renormalize divides each row by its sum)",
        None,
    )


class ScoreInput(NamedTuple):
    """How to read rows of class scores: logits (``probs`` false), or probabilities that
    sum to 1 (to anything positive with ``renormalize``), divided by ``temperature``
    first: logits as ``z / T``, probabilities as ``ln p / T``, i.e. ``p ** (1/T)``
    renormalised."""

    probs: bool = False
    renormalize: bool = False
    temperature: float = 1.0

    def check(self) -> None:
        """Options that cannot go together are a usage error, before any input is read."""
        if self.renormalize and not self.probs:
            raise ArgumentError("--renormalize applies to --probs input only")

    def rule(self) -> RowRule:
        """The check every input row must pass."""
        return distribution_rule(self.renormalize) if self.probs else MASKED_LOGITS

    def shifted(self, values: FloatArray) -> FloatArray:
        """Each row's log-probabilities up to a constant, shifted so that the largest is
        0 (``-inf`` for a class of probability 0): ``z / T - max``."""
        return shifted_logits(self._log_scores(values), self.temperature)

    def shifted_by_class(self, values: FloatArray) -> FloatArray:
        """``shifted`` laid out one row per class and one column per sample, shape
        ``(n_classes, n_samples)``, in a new array: sums and searches over the classes
        of many samples then run along contiguous rows."""
        scores = np.ascontiguousarray(self._log_scores(values).T)
        return shifted_logits(scores, self.temperature, axis=0)

    def _log_scores(self, values: FloatArray) -> FloatArray:
        """Logits as they are; probabilities as their logarithms."""
        if not self.probs:
            return values
        from softmax_cli.core.calculator.losses import log_probs_from_probs  # not on softmax's path

        return log_probs_from_probs(values)

    def weights(self, values: FloatArray) -> FloatArray:
        """Each row's probabilities up to a positive factor per row, shape as given:
        ``exp`` of the shifted log-probabilities, each row's largest weight 1, with no
        division by their sum (those who draw from them need none).

        Probabilities at temperature 1 are returned as given, not divided by a sum that
        is 1 only within rounding, so that rules stated on them, such as min-p's
        ``p >= P * max p``, hold for the very numbers in the input."""
        if self.probs and self.temperature == 1.0:
            return values
        return np.asarray(np.exp(self.shifted(values)))
