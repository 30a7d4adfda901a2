"""The Rich table for stats: each row's uncertainty with bars, and the means under it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, NamedTuple

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import first_that_fits, fixed, probability_bar
from softmax_cli.views.stats import STATS_MEASURES

if TYPE_CHECKING:
    from softmax_cli.views.stats import StatsRows, StatsView

MAX_BAR_WIDTH = 8
MIN_BAR_WIDTH = 3  # narrower bars say too little: then the table goes without them
# On a narrow console, measures are left out from the end of this: perplexity first
# (it is exp(entropy)), entropy last.
KEPT_LONGEST = ("entropy", "max_prob", "margin", "perplexity")


class _Row(NamedTuple):
    """One row's text, and the two shares its bars show."""

    line: str
    measures: list[str]  # as in STATS_MEASURES
    classes: str  # the most probable class, or the top classes one per line
    entropy_share: float  # of its maximum
    max_prob: float


def render_stats(console: Console, chunks: Sequence[StatsRows], view: StatsView) -> None:
    """The first rows: entropy with a bar against its maximum (the log of the number of
    classes), perplexity, max_prob with a bar, margin, and the most probable class (or
    the top classes with their probabilities, one per line, when asked for); the means
    over every row as the footer. The bars are as wide as the console has room for."""
    rows = [_row(chunk, index, view) for chunk in chunks for index in range(chunk.n_rows)]
    top = chunks[0].top_classes.shape[1]
    with_bars = (
        _table(rows, top, view, bar_width, STATS_MEASURES)
        for bar_width in range(MAX_BAR_WIDTH, MIN_BAR_WIDTH - 1, -1)
    )
    fewer = (
        _table(rows, top, view, 0, KEPT_LONGEST[:kept]) for kept in range(len(KEPT_LONGEST), 0, -1)
    )
    console.print(first_that_fits(console, chain(with_bars, fewer)))


def _table(
    rows: list[_Row], top: int, view: StatsView, bar_width: int, measures: Sequence[str]
) -> Table:
    """The table of ``rows``, with bars ``bar_width`` wide (none for 0), showing only the
    ``measures`` (in ``STATS_MEASURES`` order); the class column wraps, as a last resort,
    when even the narrowest table is too wide."""
    table = Table(
        box=box.SIMPLE_HEAD,
        collapse_padding=True,  # two spaces between columns, not three: room for the bars
        show_footer=view.total > 1,
        title=f"uncertainty (entropy in {view.unit})",
    )
    if view.show_lines:
        table.add_column("line", "mean", justify="right", style="dim", no_wrap=True)
    for name in measures:
        mean = fixed(view.means[name], view.precision) if view.total > 1 else ""
        table.add_column(name, mean, justify="right", no_wrap=True)
        if bar_width and name in ("entropy", "max_prob"):
            table.add_column("", no_wrap=True)
    heading = f"top {top}" if top else "argmax"
    table.add_column(heading, overflow="fold", min_width=len(heading))
    for row in rows:
        cells = [Text(row.line)] if view.show_lines else []
        for name, value in zip(STATS_MEASURES, row.measures, strict=True):
            if name in measures:
                cells.append(Text(value))
                if name in ("entropy", "max_prob"):
                    share = row.entropy_share if name == "entropy" else row.max_prob
                    cells += _bar(share, bar_width)
        table.add_row(*cells, Text(row.classes, style="bold"))
    log = "log2" if view.unit == "bits" else "ln"
    maximum = f"{log} {len(view.names)}"
    notes = [f"bars: entropy / {maximum} (its maximum) and max_prob"] if bar_width else []
    if len(measures) < len(STATS_MEASURES):
        left = ", ".join(name for name in STATS_MEASURES if name not in measures)
        notes.append(f"{left} left out for the terminal's width (--format csv has them)")
    if view.total > len(rows):
        notes.append(f"… {view.total - len(rows)} more rows not shown (use --format csv for all)")
    table.caption = "; ".join(notes) or None
    return table


def _row(chunk: StatsRows, index: int, view: StatsView) -> _Row:
    measures = [
        fixed(float(getattr(chunk, name)[index]), view.precision) for name in STATS_MEASURES
    ]
    if chunk.top_classes.shape[1]:
        ranked = zip(
            chunk.top_classes[index].tolist(), chunk.top_probs[index].tolist(), strict=True
        )
        classes = "\n".join(f"{view.names[c]} {fixed(p, view.precision)}" for c, p in ranked)
    else:
        classes = view.names[int(chunk.argmax[index])]
    entropy = float(chunk.entropy[index])
    return _Row(
        line=str(int(chunk.line_numbers[index])),
        measures=measures,
        classes=classes,
        entropy_share=entropy / view.max_entropy if view.max_entropy else 0.0,
        max_prob=float(chunk.max_prob[index]),
    )


def _bar(share: float, width: int) -> list[Text]:
    return [probability_bar(share, width)] if width else []
