"""Rich tables for cross-entropy: one sample worked out class by class, or many rows' losses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import first_that_fits, fixed, probability_bar

if TYPE_CHECKING:
    from softmax_cli.views.xent import LossView, ScoredRows


def _marker(is_target: bool, is_best: bool) -> Text:
    """The target is marked; the most likely class too, when it is another one."""
    if is_target:
        return Text("◀ target", style="bold green" if is_best else "bold red")
    return Text("◀ most likely" if is_best else "", style="yellow")


def render_cross_entropy(
    console: Console, sample: ScoredRows, names: Sequence[str], precision: int, view: LossView
) -> None:
    """One sample: every class with its logit, exp(logit) and probability (with a bar),
    the target and the most likely class marked, then the loss worked out."""
    shown = ("logit", "exp(logit)", "bar") if view.show_logits else ("bar",)
    tables = (
        _sample_table(sample, names, precision, view, shown[:kept])
        for kept in range(len(shown), -1, -1)
    )
    table = first_that_fits(console, tables)
    console.print(table)
    target = int(sample.targets[0])
    loss = fixed(float(sample.losses[0]), precision)
    if view.plain:
        log = "log2" if view.unit == "bits" else "ln"
        p_target = fixed(float(sample.target_probs[0]), precision)
        line = f"loss = -{log} p({names[target]}) = -{log} {p_target} = {loss} {view.unit}"
    else:
        line = f"loss = {loss} {view.unit} ({view.note})"
    console.print(Text(line, style="bold"))


def _sample_table(
    sample: ScoredRows,
    names: Sequence[str],
    precision: int,
    view: LossView,
    shown: Sequence[str],
) -> Table:
    """The sample's table with the optional columns in ``shown`` (``logit``,
    ``exp(logit)``, ``bar``); a caption names those left out."""
    log_probs = sample.log_probs[0]
    probs = np.exp(log_probs)
    target, best = int(sample.targets[0]), int(sample.predicted[0])
    title = "binary cross-entropy: p(1) = sigmoid(z)" if view.binary else "cross-entropy"
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, title=title)
    table.add_column(
        "class", footer="sum", overflow="fold", min_width=min(max(map(len, names)), 24)
    )
    logits = sample.values[0]
    with np.errstate(over="ignore"):
        exps = np.exp(logits)
    if "logit" in shown:
        table.add_column("logit", justify="right", no_wrap=True)
    if "exp(logit)" in shown:
        exps_sum = fixed(float(exps.sum()), precision)
        table.add_column("exp(logit)", justify="right", no_wrap=True, footer=exps_sum)
    table.add_column(
        "probability", justify="right", no_wrap=True, footer=fixed(float(probs.sum()), precision)
    )
    if "bar" in shown:
        table.add_column("", no_wrap=True)
    table.add_column("")
    for index, name in enumerate(names):
        style = "bold" if index == target else ""
        cells = [Text(name, style=style)]
        if "logit" in shown:
            cells.append(Text(fixed(float(logits[index]), precision)))
        if "exp(logit)" in shown:
            cells.append(Text(fixed(float(exps[index]), precision)))
        cells.append(Text(fixed(float(probs[index]), precision), style=style))
        if "bar" in shown:
            cells.append(probability_bar(float(probs[index]), width=10))
        cells.append(_marker(index == target, index == best))
        table.add_row(*cells)
    optional = ("logit", "exp(logit)") if view.show_logits else ()
    left = [name for name in optional if name not in shown]
    if left:
        table.caption = f"{', '.join(left)} left out for the terminal's width"
    return table


def render_scores(
    console: Console,
    chunks: Sequence[ScoredRows],
    total: int,
    names: Sequence[str],
    precision: int,
    summary: str,
) -> None:
    """Many samples: line, target, predicted class (green when right, red when wrong),
    the target's probability and the loss, for the first rows; the summary below."""
    tables = (_scores_table(chunks, total, names, precision, with_p) for with_p in (True, False))
    console.print(first_that_fits(console, tables))
    console.print(Text(summary, style="bold"))


def _scores_table(
    chunks: Sequence[ScoredRows],
    total: int,
    names: Sequence[str],
    precision: int,
    with_p: bool,
) -> Table:
    """The rows' table, with or without the target's probability; the class columns
    wrap, as a last resort, when even the narrower table is too wide."""
    table = Table(box=box.SIMPLE_HEAD, title="cross-entropy per row")
    table.add_column("line", justify="right", style="dim", no_wrap=True)
    table.add_column("target", overflow="fold", min_width=len("target"))
    table.add_column("predicted", overflow="fold", min_width=len("predicted"))
    if with_p:
        table.add_column("p(target)", justify="right", no_wrap=True)
    table.add_column("loss", justify="right", no_wrap=True)
    shown = 0
    for chunk in chunks:
        for line, target, predicted, p_target, loss in zip(
            chunk.line_numbers.tolist(),
            chunk.targets.tolist(),
            chunk.predicted.tolist(),
            chunk.target_probs.tolist(),
            chunk.losses.tolist(),
            strict=True,
        ):
            table.add_row(
                str(line),
                Text(names[target]),
                Text(names[predicted], style="green" if predicted == target else "red"),
                *([Text(fixed(p_target, precision))] if with_p else []),
                Text(fixed(loss, precision)),
            )
            shown += 1
    notes = [] if with_p else ["p(target) left out for the terminal's width"]
    if total > shown:
        notes.append(f"… {total - shown} more rows not shown")
    if notes:
        table.caption = "; ".join(notes) + " (use --format csv for everything)"
    return table
