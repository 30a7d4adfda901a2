"""Draws for people: one per line for a single vector, a table for many rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import fixed

if TYPE_CHECKING:
    from softmax_cli.views.sample import Draws, SampleView


def render_draws(console: Console, draws: Draws, view: SampleView) -> None:
    """Draws of one vector, one row of ``draws`` each: a drawn class per line, with its
    probability after filtering beside it, aligned, when ``view.with_prob``."""
    width = max(map(len, view.names))
    lines = []
    for index, prob in zip(draws.classes[:, 0].tolist(), draws.probs[:, 0].tolist(), strict=True):
        name = view.names[index]
        lines.append(
            f"{name.ljust(width)}  {fixed(prob, view.precision)}" if view.with_prob else name
        )
    console.print(Text("\n".join(lines)), soft_wrap=True)


def render_preview(console: Console, chunks: Sequence[Draws], total: int, view: SampleView) -> None:
    """Many rows: the input line and the classes drawn for it (each with its probability
    after filtering when ``view.with_prob``), for the first rows."""
    n_draws = chunks[0].classes.shape[1]
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("line", justify="right", style="dim", no_wrap=True)
    table.add_column("sample" if n_draws == 1 else f"{n_draws} samples", overflow="fold")
    shown = 0
    for chunk in chunks:
        for line, classes, probs in zip(
            chunk.line_numbers.tolist(), chunk.classes.tolist(), chunk.probs.tolist(), strict=True
        ):
            drawn = [
                f"{view.names[c]} {fixed(p, view.precision)}" if view.with_prob else view.names[c]
                for c, p in zip(classes, probs, strict=True)
            ]
            table.add_row(str(line), Text(", ".join(drawn)))
            shown += 1
    if total > shown:
        table.caption = f"… {total - shown} more rows not shown (use --format csv for all)"
    console.print(table)
