"""The confusion matrix with per-class scores, as wide as the console allows: class names
when they fit, else indices with a legend, else the first predicted classes' columns with
a caption that says what was left out and where to see it all."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.core.trainer.metrics import class_scores
from softmax_cli.render.fitting import fits, legend, most_that_fit

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.core.trainer.metrics import ClassScores

MEASURES = ("precision", "recall", "f1")


def confusion_table(
    console: Console,
    matrix: IntArray,
    names: Sequence[str],
    title: str,
    with_f1: bool,
    everything: str = "--format json has them all",
) -> Table:
    """The confusion matrix, true classes as rows, with each class's precision, recall
    (and F1) and number of samples, fitted to ``console``'s width.

    In order, the first that fits: names for rows and columns; names for rows, indices
    for columns; indices for both; then without F1, recall, precision in turn; then as
    many predicted-class columns as fit. ``everything`` says where to see it all."""
    n_classes = len(names)
    scores = class_scores(matrix)
    measures = MEASURES if with_f1 else MEASURES[:2]
    indices = [str(index) for index in range(n_classes)]
    notes: list[str] = []

    def build(rows: Sequence[str], columns: Sequence[str], shown: int, *, kept: int) -> Table:
        return _table(matrix, scores, title, rows, columns, shown, measures[:kept])

    candidates = [(names, names, len(measures)), (names, indices, len(measures))]
    candidates += [(indices, indices, kept) for kept in range(len(measures), -1, -1)]
    for rows, columns, kept in candidates:
        shown, table = n_classes, build(rows, columns, n_classes, kept=kept)
        if fits(console, table):
            break
    else:
        found = most_that_fit(console, partial(build, indices, indices, kept=0), n_classes)
        shown, table = found if found is not None else (1, build(indices, indices, 1, kept=0))
    if shown < n_classes or kept < len(measures):
        if kept < len(measures):
            notes.append(f"{', '.join(measures[kept:])} left out")
        if shown < n_classes:
            notes.append(f"{shown} of {n_classes} predicted classes shown")
        notes[-1] += f" ({everything})"
    if columns is indices:
        notes.insert(0, legend(names))
    table.caption = "; ".join(notes) or None
    return table


def _table(
    matrix: IntArray,
    scores: ClassScores,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    shown: int,
    measures: Sequence[str],
) -> Table:
    """The first ``shown`` predicted classes' columns (and ``…`` for the rest), then
    ``measures`` and the samples."""
    table = Table(box=box.SIMPLE_HEAD, title=title)
    table.add_column("class", no_wrap=True)
    for heading in columns[:shown]:
        table.add_column(Text(f"→ {heading}"), justify="right", no_wrap=True)
    cut = shown < len(columns)
    if cut:
        table.add_column("…", no_wrap=True)
    for column in (*measures, "samples"):
        table.add_column(column, justify="right", no_wrap=True)
    values = {"precision": scores.precision, "recall": scores.recall, "f1": scores.f1}
    for index, row in enumerate(matrix.tolist()):
        cells = [
            Text(str(v), style="bold" if i == index else "") for i, v in enumerate(row[:shown])
        ]
        table.add_row(
            Text(rows[index]),
            *cells,
            *([Text("…")] if cut else []),
            *(f"{values[measure][index]:.3f}" for measure in measures),
            str(scores.support[index]),
        )
    return table
