"""The pieces every Rich table here shares: a console that honours --color, probability
bars, fixed-point numbers, and tables fitted to the console's width (measured at their
natural width, with a caption that says what was left out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

BAR_WIDTH = 16
_EIGHTHS = " ▏▎▍▌▋▊▉"


def make_console(color: str = "auto", stderr: bool = False) -> Console:
    """A console for tables; ``color`` is auto (terminal and no NO_COLOR), always or never."""
    if color == "always":
        return Console(stderr=stderr, force_terminal=True, highlight=False)
    if color == "never":
        return Console(stderr=stderr, no_color=True, highlight=False)
    return Console(stderr=stderr, highlight=False)


def probability_bar(probability: float, width: int = BAR_WIDTH) -> Text:
    """A horizontal bar of ``probability * width`` cells, drawn to an eighth of a cell."""
    eighths = round(max(0.0, min(1.0, probability)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part else "")
    return Text(bar.ljust(width), style="cyan")


def fixed(value: float, precision: int) -> str:
    """``value`` with ``precision`` decimal places."""
    return f"{value:.{precision}f}"


def print_summary(console: Console, line: str) -> None:
    """A summary line under a table, in bold (as plain text: no markup is read)."""
    console.print(Text(line, style="bold"))


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


def first_that_fits(console: Console, tables: Iterable[Table]) -> Table:
    """The first of ``tables`` (built lazily, from the fullest down) that fits the
    console; the last one when none does."""
    table = None
    for table in tables:
        if fits(console, table):
            return table
    assert table is not None, "no table to show"
    return table
