"""Rich output for the trainers: a per-epoch progress display, the learning curves, the
confusion matrix (as wide as the console allows: class names when they fit, else
indices with a legend, else the first predicted classes' columns with a caption that
says what was left out and where to see it all) and ``train-blobs``' report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from softmax_cli.core.trainer.metrics import class_scores, confusion_matrix
from softmax_cli.render.console import fits, legend, most_that_fit, probability_bar

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.core.trainer.experiment import BlobsConfig
    from softmax_cli.core.trainer.metrics import ClassScores
    from softmax_cli.core.trainer.training import Dataset, EpochStats, TrainingResult

SPARKS = "▁▂▃▄▅▆▇█"
PREVIEW_POINTS = 5
MAX_MARKS = 40  # sparkline width: longer runs are averaged down to this many marks
OBJECTIVE_LABEL = "objective (loss + L2)"  # what the solver minimised: not the log loss


def sparkline(values: Sequence[float]) -> str:
    """One block character per value, scaled from the smallest (▁) to the largest (█)."""
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def epoch_line(stats: EpochStats, epochs: int) -> Text:
    """One line per epoch, the way Keras prints them with ``verbose=1``."""
    parts = [f"loss {stats.loss:.4f}", f"acc {stats.accuracy:.4f}"]
    if stats.val_loss is not None and stats.val_accuracy is not None:
        parts += [f"val_loss {stats.val_loss:.4f}", f"val_acc {stats.val_accuracy:.4f}"]
    width = len(str(epochs))
    text = Text(f"Epoch {stats.epoch:>{width}}/{epochs}  ", style="bold")
    text.append("  ".join(parts))
    text.append(f"  {stats.seconds * 1000:.0f} ms", style="dim")
    return text


class TrainingProgress:
    """Callbacks for the training engine: a bar over the current epoch's batches and a
    line printed for every finished epoch, on the given (stderr) console."""

    def __init__(self, console: Console, epochs: int) -> None:
        self.console = console
        self.epochs = epochs
        self.progress = Progress(
            TextColumn("[bold]Epoch {task.fields[epoch]}/" + str(epochs)),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("train", total=None, epoch=1)

    def on_batch(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def on_epoch(self, stats: EpochStats) -> None:
        self.progress.console.print(epoch_line(stats, self.epochs))
        self.progress.update(self.task, completed=0, epoch=min(stats.epoch + 1, self.epochs))


@contextmanager
def training_progress(console: Console, epochs: int) -> Iterator[TrainingProgress]:
    """Show the progress display while the block runs."""
    shown = TrainingProgress(console, epochs)
    with shown.progress:
        yield shown


@contextmanager
def fit_progress(
    console: Console, title: str, epochs: int, unit: str = "epoch"
) -> Iterator[Callable[[EpochStats], None]]:
    """A bar over at most ``epochs`` epochs (or iterations) with the latest loss (the log
    loss), the objective when an L2 penalty makes it another number, and the validation
    loss, shown while the block runs and gone after it; off a terminal, one line per
    epoch instead. The block gets the callback to give every epoch to."""
    progress = Progress(
        TextColumn(f"[bold]{escape(title)}"),
        BarColumn(),
        TextColumn(f"{unit} {{task.completed}}/{epochs}"),
        TextColumn("{task.fields[losses]}"),
        console=console,
        transient=True,
    )
    task = progress.add_task(title, total=epochs, losses="")

    def on_epoch(stats: EpochStats) -> None:
        losses = f"loss {stats.loss:.4f}"
        if stats.objective != stats.loss:
            losses += f"  objective {stats.objective:.4f}"
        if stats.val_loss is not None:
            losses += f"  val_loss {stats.val_loss:.4f}"
        if console.is_terminal:
            progress.update(task, completed=stats.epoch, losses=losses)
        else:
            console.print(Text(f"{title}: {unit} {stats.epoch}/{epochs}  {losses}"))

    if not console.is_terminal:
        yield on_epoch
        return
    with progress:
        yield on_epoch


def render_report(
    console: Console, config: BlobsConfig, seed: int, data: Dataset, result: TrainingResult
) -> None:
    """Test loss and accuracy, learning curves, confusion matrix, per-class precision and
    recall, and the softmax probabilities of a few test points."""
    sizes = "-".join(map(str, config.layer_sizes))
    console.print(
        Text(
            f"blobs, seed {seed}: {len(data.x_train)} training, {len(data.x_val)} "
            f"validation, {len(data.x_test)} test samples\n"
            f"network {sizes}, {config.epochs} epochs, batch size {config.batch_size}, "
            f"Adam lr {config.lr:g}",
            style="dim",
        )
    )
    console.print(
        Text(
            f"Results - test loss {result.test_loss:.6f} - test accuracy "
            f"{result.test_accuracy:.2%}",
            style="bold",
        )
    )
    render_curves(console, result.history)
    predicted = np.argmax(result.model.logits(data.x_test), axis=1)
    n_classes = config.layer_sizes[-1]
    matrix = confusion_matrix(data.y_test, predicted, n_classes)
    title = "test set: true class (rows) vs predicted"
    names = [str(k) for k in range(n_classes)]
    wider = "a wider terminal shows them all"
    console.print(confusion_table(console, matrix, names, title, with_f1=False, everything=wider))
    _render_test_points(console, data, result)


def penalised(history: Sequence[EpochStats]) -> bool:
    """Whether the objective minimised differs from the log loss (an L2 penalty)."""
    return any(s.objective != s.loss for s in history)


def render_curves(console: Console, history: Sequence[EpochStats], unit: str = "epoch") -> None:
    """Loss (the log loss) and accuracy (and their validation twins) as sparklines, first
    → last value, and with an L2 penalty the objective minimised, labelled as such; long
    runs (or narrow consoles) get one mark per group of epochs, the group's mean."""
    curves = [("loss", [s.loss for s in history])]
    if penalised(history):
        curves.append((OBJECTIVE_LABEL, [s.objective for s in history]))
    curves.append(("accuracy", [s.accuracy for s in history]))
    if history and history[0].val_loss is not None:
        curves.append(("val_loss", [s.val_loss or 0.0 for s in history]))
        curves.append(("val_accuracy", [s.val_accuracy or 0.0 for s in history]))
    most = max(1, min(MAX_MARKS, len(history)))
    found = most_that_fit(console, lambda marks: _curves_table(curves, marks, unit), most)
    console.print(found[1] if found is not None else _curves_table(curves, 1, unit))


def _curves_table(curves: list[tuple[str, list[float]]], marks: int, unit: str) -> Table:
    """The curves with at most ``marks`` marks each."""
    n_values = len(curves[0][1])
    per_mark = -(-n_values // marks) if n_values else 1
    every = f"{unit}" if per_mark == 1 else f"{per_mark} {unit}s"
    title = f"learning curves (one mark per {every})"
    table = Table(box=None, title=title, title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("first → last", justify="right", no_wrap=True)
    for name, values in curves:
        change = f"{values[0]:.4f} → {values[-1]:.4f}" if values else ""
        means = [
            sum(values[i : i + per_mark]) / len(values[i : i + per_mark])
            for i in range(0, len(values), per_mark)
        ]
        table.add_row(name, Text(sparkline(means) if means else "", style="cyan"), change)
    return table


def _render_test_points(console: Console, data: Dataset, result: TrainingResult) -> None:
    points = data.x_test[:PREVIEW_POINTS]
    probs = result.model.predict_proba(points)
    title = f"softmax output for the first {len(points)} test points"
    table = Table(box=box.SIMPLE_HEAD, title=title)
    table.add_column("features", no_wrap=True)
    for name in range(probs.shape[1]):
        table.add_column(f"p({name})", justify="right")
    table.add_column("")
    table.add_column("predicted")
    table.add_column("true")
    for point, row, true in zip(points, probs, data.y_test[:PREVIEW_POINTS], strict=True):
        best = int(np.argmax(row))
        table.add_row(
            ", ".join(f"{v:.2f}" for v in point),
            *(f"{p:.4f}" for p in row),
            probability_bar(float(row[best]), width=6),
            Text(str(best), style="green" if best == true else "red"),
            str(true),
        )
    console.print(table)


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
    if 6 * n_classes > console.width:  # each "→ k" column takes 6 cells or more
        candidates = []  # too many to build a whole matrix just to see it does not fit
    columns: Sequence[str] = indices
    kept = 0
    for rows, columns, kept in candidates:
        shown, table = n_classes, build(rows, columns, n_classes, kept=kept)
        if fits(console, table):
            break
    else:
        most = min(n_classes, console.width // 5)  # no "→ k" column is narrower than 5
        found = most_that_fit(console, partial(build, indices, indices, kept=0), max(1, most))
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
