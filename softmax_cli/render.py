"""Rich tables for people: probabilities with bars, many-row previews, the softmax walk-through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.core import SoftmaxSteps
from softmax_cli.writer import class_names

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.pipeline import RowPreview, TableView
    from softmax_cli.scoring import ScoredRows


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


def _number(value: float, precision: int) -> str:
    return f"{value:.{precision}f}"


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
        value_name, justify="right", no_wrap=True, footer=_number(float(np.sum(probs)), precision)
    )
    table.add_column("", no_wrap=True)
    table.add_column("", no_wrap=True)
    for index, name in enumerate(names):
        style = "bold" if index == best else ""
        inputs = [Text(_number(float(logits[index]), precision))] if view.show_inputs else []
        table.add_row(
            Text(name, style=style),
            *inputs,
            Text(_number(float(values[index]), precision), style=style),
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
            Text(_number(float(v), precision), style="bold" if i == best else "")
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
    table.add_column("exp(z - max z)", justify="right", footer=_number(steps.sum_exps, precision))
    table.add_column(
        "exp / sum", justify="right", footer=_number(float(np.sum(steps.probs)), precision)
    )
    best = int(np.argmax(steps.probs))
    for index, name in enumerate(class_names(labels, len(steps.probs))):
        cells = [Text(name, style="bold" if index == best else "")]
        cells.append(Text(_number(float(steps.logits[index]), precision)))
        if scaled:
            cells.append(Text(_number(float(steps.scaled[index]), precision)))
        cells.append(Text(_number(float(steps.shifted[index]), precision)))
        cells.append(Text(_number(float(steps.exps[index]), precision)))
        cells.append(
            Text(
                _number(float(steps.probs[index]), precision), style="bold" if index == best else ""
            )
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
        "sigmoid", justify="right", no_wrap=True, footer=_number(float(np.sum(sigmoids)), precision)
    )
    table.add_column(
        "softmax", justify="right", no_wrap=True, footer=_number(float(np.sum(probs)), precision)
    )
    for index, name in enumerate(class_names(labels, len(logits))):
        table.add_row(
            Text(name),
            Text(_number(float(logits[index]), precision)),
            Text(_number(float(sigmoids[index]), precision)),
            Text(_number(float(probs[index]), precision)),
        )
    console.print(table)


class LossView(NamedTuple):
    """How a cross-entropy table reads: the loss ``unit`` (nats or bits), whether the
    inputs were logits worth showing with their exps, whether the loss is the plain
    ``-log p(target)`` (no smoothing, weights or clip), whether it is binary, and a
    ``note`` on what else shaped the loss."""

    unit: str
    show_logits: bool
    plain: bool
    binary: bool
    note: str = ""


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
    log_probs = sample.log_probs[0]
    probs = np.exp(log_probs)
    target, best = int(sample.targets[0]), int(sample.predicted[0])
    title = "binary cross-entropy: p(1) = sigmoid(z)" if view.binary else "cross-entropy"
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, title=title)
    table.add_column(
        "class", footer="sum", overflow="fold", min_width=min(max(map(len, names)), 24)
    )
    if view.show_logits:
        logits = sample.values[0]
        with np.errstate(over="ignore"):
            exps = np.exp(logits)
        table.add_column("logit", justify="right", no_wrap=True)
        exps_sum = _number(float(exps.sum()), precision)
        table.add_column("exp(logit)", justify="right", no_wrap=True, footer=exps_sum)
    table.add_column(
        "probability", justify="right", no_wrap=True, footer=_number(float(probs.sum()), precision)
    )
    table.add_column("", no_wrap=True)
    table.add_column("", no_wrap=True)
    for index, name in enumerate(names):
        style = "bold" if index == target else ""
        cells = [Text(name, style=style)]
        if view.show_logits:
            cells.append(Text(_number(float(logits[index]), precision)))
            cells.append(Text(_number(float(exps[index]), precision)))
        cells.append(Text(_number(float(probs[index]), precision), style=style))
        cells.append(probability_bar(float(probs[index]), width=10))
        cells.append(_marker(index == target, index == best))
        table.add_row(*cells)
    console.print(table)
    loss = _number(float(sample.losses[0]), precision)
    if view.plain:
        log = "log2" if view.unit == "bits" else "ln"
        p_target = _number(float(sample.target_probs[0]), precision)
        line = f"loss = -{log} p({names[target]}) = -{log} {p_target} = {loss} {view.unit}"
    else:
        line = f"loss = {loss} {view.unit} ({view.note})"
    console.print(Text(line, style="bold"))


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
    table = Table(box=box.SIMPLE_HEAD, title="cross-entropy per row")
    table.add_column("line", justify="right", style="dim", no_wrap=True)
    table.add_column("target", overflow="fold")
    table.add_column("predicted", overflow="fold")
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
                Text(_number(p_target, precision)),
                Text(_number(loss, precision)),
            )
            shown += 1
    if total > shown:
        table.caption = f"… {total - shown} more rows not shown (use --format csv for everything)"
    console.print(table)
    console.print(Text(summary, style="bold"))
