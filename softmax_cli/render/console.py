"""The pieces every Rich table here shares: a console that honours --color, probability
bars, and fixed-point numbers."""

from __future__ import annotations

from rich.console import Console
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
