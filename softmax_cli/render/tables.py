"""Rich tables for people: probabilities with bars, many-row previews, the softmax walk-through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import fixed, probability_bar
from softmax_cli.views.tables import class_names

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.core.calculator.activations import SoftmaxSteps
    from softmax_cli.views.tables import RowPreview, TableView


def render_probabilities(
    console: Console,
    logits: FloatArray,
    values: FloatArray,
    labels: Sequence[str] | None,
    precision: int,
    view: TableView,
) -> None:
    """One vector: class, logit, its value (probability, log-probability, sigmoid) and a
    bar; the most likely class is marked when ``view.mark_best``; the footer has the sum
    of the probabilities."""
    probs = np.exp(values) if view.log else values
    best = int(np.argmax(probs)) if view.mark_best else -1
    value_name = view.value_name
    table = Table(box=box.SIMPLE_HEAD, show_footer=True)
    names = class_names(labels, len(values))
    table.add_column(
        "class", footer=Text("sum"), overflow="fold", min_width=min(max(map(len, names)), 24)
    )
    if view.show_inputs:
        table.add_column("logit", justify="right", no_wrap=True)
    table.add_column(
        value_name, justify="right", no_wrap=True, footer=fixed(float(np.sum(probs)), precision)
    )
    table.add_column("", no_wrap=True)
    table.add_column("", no_wrap=True)
    for index, name in enumerate(names):
        style = "bold" if index == best else ""
        inputs = [Text(fixed(float(logits[index]), precision))] if view.show_inputs else []
        table.add_row(
            Text(name, style=style),
            *inputs,
            Text(fixed(float(values[index]), precision), style=style),
            probability_bar(float(probs[index])),
            Text("◀ most likely" if index == best else "", style="bold green"),
        )
    console.print(table)


def render_rows(
    console: Console,
    preview: RowPreview,
    labels: Sequence[str] | None,
    precision: int,
    view: TableView,
) -> None:
    """Many rows: input line, one column per class, the predicted class (when
    ``view.mark_best``); truncated to the preview with a note on the rows not shown."""
    values = np.concatenate(preview.values)
    lines = np.concatenate(preview.line_numbers)
    names = class_names(labels, values.shape[1])
    # Show as many class columns as fit the console; the predicted class is always shown.
    cell_width = max(precision + 5, *(len(name) + 3 for name in names))
    fitting = max(1, (console.width - 24) // cell_width)
    shown = len(names) if len(names) <= fitting else max(1, fitting - 1)
    table = Table(box=box.SIMPLE_HEAD, title=view.value_name)
    table.add_column("line", justify="right", style="dim", no_wrap=True)
    for name in names[:shown]:
        table.add_column(Text(name), justify="right", no_wrap=True)
    if shown < len(names):
        table.add_column("…", no_wrap=True)
    if view.mark_best:
        table.add_column("predicted", overflow="fold")
    for line, row in zip(lines.tolist(), values, strict=True):
        best = int(np.argmax(row)) if view.mark_best else -1
        cells = [
            Text(fixed(float(v), precision), style="bold" if i == best else "")
            for i, v in enumerate(row[:shown])
        ]
        if shown < len(names):
            cells.append(Text("…"))
        if view.mark_best:
            cells.append(Text(names[best], style="bold green"))
        table.add_row(str(line), *cells)
    notes = []
    if shown < len(names):
        notes.append(f"{shown} of {len(names)} classes shown")
    hidden = preview.total - preview.kept
    if hidden:
        notes.append(f"… {hidden} more rows not shown")
    if notes:
        table.caption = "; ".join(notes) + " (use --format csv for everything)"
    console.print(table)


def render_explanation(
    console: Console,
    steps: SoftmaxSteps,
    labels: Sequence[str] | None,
    precision: int,
    temperature: float,
) -> None:
    """The softmax walk-through: logit (and logit / T), logit - max, exp, exp / sum."""
    scaled = temperature != 1.0
    table = Table(
        box=box.SIMPLE_HEAD,
        show_footer=True,
        title="softmax step by step",
        caption="p = exp(z - max z) / Σ exp(z - max z); subtracting the max keeps exp from "
        "overflowing and leaves p unchanged",
    )
    table.add_column("class", footer="sum")
    table.add_column("logit z" if not scaled else "logit", justify="right")
    if scaled:
        table.add_column(f"z = logit / {temperature:g}", justify="right")
    table.add_column("z - max z", justify="right")
    table.add_column("exp(z - max z)", justify="right", footer=fixed(steps.sum_exps, precision))
    table.add_column(
        "exp / sum", justify="right", footer=fixed(float(np.sum(steps.probs)), precision)
    )
    best = int(np.argmax(steps.probs))
    for index, name in enumerate(class_names(labels, len(steps.probs))):
        cells = [Text(name, style="bold" if index == best else "")]
        cells.append(Text(fixed(float(steps.logits[index]), precision)))
        if scaled:
            cells.append(Text(fixed(float(steps.scaled[index]), precision)))
        cells.append(Text(fixed(float(steps.shifted[index]), precision)))
        cells.append(Text(fixed(float(steps.exps[index]), precision)))
        cells.append(
            Text(fixed(float(steps.probs[index]), precision), style="bold" if index == best else "")
        )
        table.add_row(*cells)
    console.print(table)


def render_comparison(
    console: Console,
    logits: FloatArray,
    values: FloatArray,
    labels: Sequence[str] | None,
    precision: int,
) -> None:
    """Sigmoid beside softmax for one vector, with both sums: sigmoid scores each class on
    its own (the sum need not be 1), softmax shares one unit of probability among them.

    ``values`` is one row of ``sigmoid --compare``: n sigmoids, then n softmax values
    (then the two sums, recomputed here from what is shown)."""
    n_classes = len(logits)
    sigmoids, probs = values[:n_classes], values[n_classes : 2 * n_classes]
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, title="sigmoid vs softmax")
    table.add_column("class", footer="sum", overflow="fold")
    table.add_column("logit", justify="right", no_wrap=True)
    table.add_column(
        "sigmoid", justify="right", no_wrap=True, footer=fixed(float(np.sum(sigmoids)), precision)
    )
    table.add_column(
        "softmax", justify="right", no_wrap=True, footer=fixed(float(np.sum(probs)), precision)
    )
    for index, name in enumerate(class_names(labels, len(logits))):
        table.add_row(
            Text(name),
            Text(fixed(float(logits[index]), precision)),
            Text(fixed(float(sigmoids[index]), precision)),
            Text(fixed(float(probs[index]), precision)),
        )
    console.print(table)
