"""Rich output for ``train-blobs``: a per-epoch progress display and the final report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from softmax_cli.core.metrics import class_scores, confusion_matrix
from softmax_cli.render.console import probability_bar

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.core.experiment import BlobsConfig
    from softmax_cli.core.training import Dataset, EpochStats, TrainingResult

SPARKS = "▁▂▃▄▅▆▇█"
PREVIEW_POINTS = 5
MAX_MARKS = 40  # sparkline width: longer runs are averaged down to this many marks
MAX_HEADING = 8  # longer class names are replaced by their index in column headings


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
    """A bar over at most ``epochs`` epochs (or iterations) with the latest loss and
    validation loss, shown while the block runs and gone after it; off a terminal, one
    line per epoch instead. The block gets the callback to give every epoch to."""
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
