"""Rich report of a ``train`` run: the data, the results, learning curves, the confusion
matrix with per-class scores, the softmax outputs of the first evaluated rows, and the
cross-validation folds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import left_out, legend, most_that_fit, probability_bar
from softmax_cli.render.training import confusion_table, render_curves

if TYPE_CHECKING:
    from softmax_cli.core.trainer.outcome import TrainOutcome

MAX_PREVIEW_CLASSES = 6  # class columns in the softmax-output table before it is cut


def render_train_report(console: Console, outcome: TrainOutcome, source: str) -> None:
    """The whole report on ``console``; ``source`` names the training data."""
    console.print(Text(_data_lines(outcome, source), style="dim"))
    console.print(Text(_results_line(outcome), style="bold"))
    if outcome.folds is not None:
        console.print(_folds_table(outcome))
    fitted = outcome.fitted
    if fitted.history:
        unit = "iteration" if fitted.settings.solver == "lbfgs" else "epoch"
        render_curves(console, fitted.history, unit)
    where = "every row, out of fold" if outcome.folds else "test set"
    title = f"{where}: true class (rows) vs predicted"
    matrix, classes = outcome.evaluation.matrix, outcome.schema.classes
    console.print(confusion_table(console, matrix, classes, title, with_f1=True))
    console.print(_preview_table(console, outcome))


def _data_lines(outcome: TrainOutcome, source: str) -> str:
    schema, summary, fitted = outcome.schema, outcome.summary, outcome.fitted
    classes = ", ".join(
        f"{label} {count}"
        for label, count in zip(schema.classes, outcome.class_counts, strict=True)
    )
    lines = [
        f"{source}: {summary.rows_read} rows, target {schema.target!r}: {classes}",
        f"features: {len(schema.numeric)} numeric, {len(schema.categorical)} categorical "
        f"→ {fitted.preprocessor.n_features} after one-hot encoding",
    ]
    dropped = []
    if summary.dropped_without_target:
        dropped.append(f"{summary.dropped_without_target} without a target")
    if summary.dropped_with_missing:
        dropped.append(f"{summary.dropped_with_missing} with a missing cell")
    if dropped:
        lines.append(f"dropped rows: {', '.join(dropped)}")
    if summary.missing_kept:
        cells = ", ".join(f"{name} {count}" for name, count in summary.missing_kept.items())
        lines.append(f"missing cells filled (numeric: mean, categorical: own category): {cells}")
    settings = outcome.settings
    layers = "-".join(map(str, fitted.model.layer_sizes))
    model = "softmax regression" if len(fitted.model.layer_sizes) == 2 else "MLP"
    lines.append(
        f"{model} {layers}, {settings['solver']}, l2 {settings['l2']:.3g}, "
        f"{fitted.train_rows} training rows"
        + (f", {fitted.validation_rows} validation rows" if fitted.validation_rows else "")
        + (f", stopped early: best epoch {fitted.best_epoch}" if fitted.best_epoch else "")
        + _fit_length(outcome)
    )
    return "\n".join(lines)


def _fit_length(outcome: TrainOutcome) -> str:
    """How long the final fit ran, and whether it converged."""
    fitted = outcome.fitted
    unit = "iteration" if fitted.settings.solver == "lbfgs" else "epoch"
    runs = len(fitted.history)
    said = f", {runs} {unit}{'s' if runs != 1 else ''}"
    return said if fitted.converged else f"{said}, not converged"


def _results_line(outcome: TrainOutcome) -> str:
    evaluation = outcome.evaluation
    scores = (
        f"accuracy {evaluation.accuracy:.2%} - log loss {evaluation.loss:.4f} - "
        f"macro-F1 {evaluation.macro_f1:.4f}"
    )
    if outcome.folds is None:
        return f"Results - {scores} ({outcome.test_rows} test rows)"
    accuracies = np.array([fold.accuracy for fold in outcome.folds])
    return (
        f"{len(outcome.folds)}-fold cross-validation - accuracy {accuracies.mean():.2%} "
        f"± {accuracies.std():.2%} per fold\nEvery row predicted by the fold that held it "
        f"out - {scores}"
    )


def _folds_table(outcome: TrainOutcome) -> Table:
    assert outcome.folds is not None
    table = Table(box=box.SIMPLE_HEAD, title="cross-validation folds")
    for column in ("fold", "rows", "accuracy", "log loss"):
        table.add_column(column, justify="right")
    for fold in outcome.folds:
        loss = f"{fold.loss:.4f}" if math.isfinite(fold.loss) else "inf"
        table.add_row(str(fold.fold), str(fold.rows), f"{fold.accuracy:.2%}", loss)
    return table


def _preview_table(console: Console, outcome: TrainOutcome) -> Table:
    """The first rows' probabilities, as many class columns as fit (at most
    ``MAX_PREVIEW_CLASSES``): class names when they fit, else indices with a legend,
    else without the bar; a caption says what was left out."""
    classes = outcome.schema.classes
    indices = [str(index) for index in range(len(classes))]
    most = len(classes) if len(classes) <= MAX_PREVIEW_CLASSES else MAX_PREVIEW_CLASSES - 1
    modes = [(classes, classes, True), (indices, classes, True), (indices, indices, True)]
    modes.append((indices, indices, False))
    best: tuple[int, Table, bool] | None = None
    for headings, labels, bar in modes:
        build = partial(_preview, outcome, headings, labels, bar)
        found = most_that_fit(console, build, most)
        if found is not None and (best is None or found[0] > best[0]):
            best = (*found, headings is indices or labels is indices)
        if best is not None and best[0] == most:
            break
    if best is None:
        best = (1, _preview(outcome, indices, indices, False, 1), True)
    shown, table, with_legend = best
    notes = [legend(classes)] if with_legend else []
    if shown < len(classes):
        everything = "softmax predict with a --save'd model gives them all"
        notes.append(left_out(shown, len(classes), "classes", everything))
    table.caption = "; ".join(notes) or None
    return table


def _preview(
    outcome: TrainOutcome,
    headings: Sequence[str],
    labels: Sequence[str],
    bar: bool,
    shown: int,
) -> Table:
    """The preview with the first ``shown`` classes' probabilities, classes named by
    ``headings`` over the columns and by ``labels`` in the rows, with or without a bar."""
    preview, n_classes = outcome.preview, len(outcome.schema.classes)
    title = f"softmax output for the first {len(preview.targets)} evaluated rows"
    table = Table(box=box.SIMPLE_HEAD, title=title)
    table.add_column("line", justify="right", style="dim", no_wrap=True)
    for name in headings[:shown]:
        table.add_column(Text(f"p({name})"), justify="right", no_wrap=True)
    cut = shown < n_classes
    if cut:
        table.add_column("…", no_wrap=True)
    if bar:
        table.add_column("", no_wrap=True)
    table.add_column("predicted", no_wrap=True)
    table.add_column("true", no_wrap=True)
    for line, row, true in zip(
        preview.line_numbers.tolist(), preview.probs, preview.targets.tolist(), strict=True
    ):
        best = int(np.argmax(row))
        table.add_row(
            str(line),
            *(f"{p:.4f}" for p in row[:shown]),
            *([Text("…")] if cut else []),
            *([probability_bar(float(row[best]), width=6)] if bar else []),
            Text(labels[best], style="green" if best == true else "red"),
            Text(labels[true]),
        )
    return table
