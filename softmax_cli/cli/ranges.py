"""Number options that must lie in a range: never nan, which no comparison with a bound
catches, nor an infinity where none means anything; and the caps on sizes that could
not fit in memory."""

from __future__ import annotations

import itertools
import math
from typing import Any

import click

MAX_BINS = 1_000_000  # calibrate --bins: far more than any sample fills
MAX_LAYER_UNITS = 100_000  # one hidden layer
MAX_PARAMETERS = 10_000_000  # core.trainer.mlp.MAX_PARAMETERS, without importing NumPy
MAX_DRAWS_PER_ROW = 100_000  # sample -n for rows read from input: each draw is a column


class FloatRange(click.FloatRange):
    """``click.FloatRange`` that refuses nan too: nan fails no comparison with a bound, so
    Click's own check lets it through (a ``--top-p nan`` then filtered nothing). Infinities
    are refused as well: no float option gives one a meaning (``--lr inf`` trained a
    network of nan)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"nan is not a number in the range {self._describe_range()}.", param, ctx)
        if math.isinf(number):
            self.fail(f"{number:g} is not a finite number in {self._describe_range()}.", param, ctx)
        return number


def count_at_most(cap: int) -> click.IntRange:
    """A positive count with a cap (said in the error, and in ``--help``)."""
    return click.IntRange(1, cap)


def check_hidden_sizes(sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Hidden layer sizes that fit: each at most ``MAX_LAYER_UNITS``, and the weights
    between them at most ``MAX_PARAMETERS`` (the input and output layers are added to
    that count once the data is known)."""
    widest = max(sizes, default=0)
    if widest > MAX_LAYER_UNITS:
        raise click.BadParameter(
            f"a layer of {widest} units is more than the {MAX_LAYER_UNITS} allowed"
        )
    between = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if between > MAX_PARAMETERS:
        raise click.BadParameter(
            f"{between} weights between the hidden layers is more than the {MAX_PARAMETERS} allowed"
        )
    return sizes


def positive_finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A value such as a temperature: greater than 0 and finite."""
    if not 0 < value < float("inf"):
        raise click.BadParameter(f"must be a positive finite number, got {value:g}")
    return value
