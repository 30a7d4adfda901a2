"""Number options that must lie in a range: never nan, which no comparison with a bound
catches."""

from __future__ import annotations

import math
from typing import Any

import click


class FloatRange(click.FloatRange):
    """``click.FloatRange`` that refuses nan too: nan fails no comparison with a bound, so
    Click's own check lets it through (a ``--top-p nan`` then filtered nothing)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"nan is not a number in the range {self._describe_range()}.", param, ctx)
        return number


def positive_finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A value such as a temperature: greater than 0 and finite."""
    if not 0 < value < float("inf"):
        raise click.BadParameter(f"must be a positive finite number, got {value:g}")
    return value
