"""The calibrate report: the fitted temperature, the metrics before and after, and a
reliability table per temperature with bars of accuracy against confidence."""

from __future__ import annotations

import math
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import first_that_fits, fixed, probability_bar

if TYPE_CHECKING:
    from softmax_cli.core.calculator.calibration import Calibration, ReliabilityBins

BAR_WIDTH = 16
HEADINGS = {"nll": "NLL (nats)", "accuracy": "accuracy", "brier": "Brier score", "mce": "MCE"}


def render_report(console: Console, result: Calibration, precision: int, applying: str) -> None:
    """T and how it was found, the metrics before and after, both reliability tables,
    and how to apply T."""
    fit = result.fit
    headline = Text(f"temperature T = {result.temperature:.{precision}f}", style="bold")
    if fit.bound is None:
        headline.append(f", minimising the NLL over {result.rows} rows")
    console.print(headline)
    if fit.note is not None:
        console.print(Text(fit.note, style="yellow"))
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("")
    table.add_column("before (T = 1)", justify="right", no_wrap=True)
    table.add_column("after", justify="right", no_wrap=True)
    table.add_row("temperature", fixed(1.0, precision), fixed(result.temperature, precision))
    headings = {**HEADINGS, "ece": f"ECE ({result.n_bins} bins)"}
    after = result.after.scalars()
    for name, before in result.before.scalars().items():
        table.add_row(headings[name], fixed(before, precision), fixed(after[name], precision))
    console.print(table)
    _render_bins(console, result.before.bins, precision, "before (T = 1)")
    _render_bins(console, result.after.bins, precision, f"after (T = {result.temperature:g})")
    console.print(Text(f"apply it: {applying}", style="bold"))


def reliability_bar(confidence: float, accuracy: float, width: int = BAR_WIDTH) -> Text:
    """Accuracy as a bar with the mean confidence marked │ on it: a calibrated bin's bar
    ends at its mark; an over-confident bin's bar stops short of it."""
    bar = probability_bar(accuracy, width)
    mark = min(width - 1, math.floor(confidence * width))
    return Text.assemble(bar[:mark], ("│", "bold yellow"), bar[mark + 1 :])


def _render_bins(console: Console, bins: ReliabilityBins, precision: int, when: str) -> None:
    """The non-empty bins: range, count, mean confidence, accuracy, gap and a bar; on a
    narrow console the bar narrows, then goes, then the gap goes (it is acc. - conf.)."""
    tables = chain(
        (_bins_table(bins, precision, when, width, True) for width in range(BAR_WIDTH, 7, -1)),
        (_bins_table(bins, precision, when, 0, with_gap) for with_gap in (True, False)),
    )
    console.print(first_that_fits(console, tables))


def _bins_table(
    bins: ReliabilityBins, precision: int, when: str, bar_width: int, with_gap: bool
) -> Table:
    """The bins' table with bars ``bar_width`` wide (none for 0), with or without the
    gap column; its caption counts the empty bins and names what was left out."""
    digits = max(2, len(str(len(bins.counts))))  # enough to tell the edges apart
    table = Table(box=box.SIMPLE_HEAD, title=f"reliability {when}: █ accuracy, │ confidence")
    table.add_column("confidence", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("conf.", justify="right", no_wrap=True)
    table.add_column("acc.", justify="right", no_wrap=True)
    if with_gap:
        table.add_column("gap", justify="right", no_wrap=True)
    if bar_width:
        table.add_column("", no_wrap=True)
    for lower, upper, count, confidence, accuracy in bins.rows():
        if count:
            gap = Text(fixed(accuracy - confidence, precision))
            if accuracy < confidence:
                gap.stylize("red")
            table.add_row(
                f"({lower:.{digits}f}, {upper:.{digits}f}]",
                str(count),
                fixed(confidence, precision),
                fixed(accuracy, precision),
                *([gap] if with_gap else []),
                *([reliability_bar(confidence, accuracy, bar_width)] if bar_width else []),
            )
    notes = []
    empty = int(np.count_nonzero(bins.counts == 0))
    if empty:
        notes.append(f"{empty} empty bin{'s' if empty > 1 else ''} not shown")
    left = [name for name, kept in (("bars", bar_width), ("gap", with_gap)) if not kept]
    if left:
        notes.append(f"{' and '.join(left)} left out for the terminal's width")
    table.caption = "; ".join(notes) or None
    return table
