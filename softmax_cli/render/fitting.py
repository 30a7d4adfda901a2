"""Tables that fit the console: measure a table at its natural width, find the most
columns of a kind that fit, and say in a caption what was left out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` fits the console's width with every column at its natural width
    (so Rich neither wraps a heading nor cuts a number to make it fit)."""
    unbounded = console.options.update_width(1 << 16)  # measure, do not clamp, its width
    return console.measure(table, options=unbounded).maximum <= console.width


def most_that_fit(
    console: Console, build: Callable[[int], Table], most: int
) -> tuple[int, Table] | None:
    """The largest ``k`` in ``1..most`` for which ``build(k)`` fits, and that table;
    ``None`` when not even ``build(1)`` fits. The width grows with ``k``."""
    low, high, best = 1, most, None
    while low <= high:
        middle = (low + high) // 2
        table = build(middle)
        if fits(console, table):
            low, best = middle + 1, (middle, table)
        else:
            high = middle - 1
    return best


def legend(names: Sequence[str]) -> str:
    """Which index stands for which class."""
    return "classes: " + ", ".join(f"{index} = {name}" for index, name in enumerate(names))


def left_out(shown: int, total: int, what: str, everything: str) -> str:
    """The caption of a cut table: ``3 of 10 classes shown (use --format csv for
    everything)``."""
    return f"{shown} of {total} {what} shown ({everything})"
