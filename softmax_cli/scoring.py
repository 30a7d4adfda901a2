"""Cross-entropy over a stream of rows with targets: per-row scores, running totals, output.

Used by the ``xent`` command. Each chunk of rows (logits or probabilities, and a target
class per row) becomes per-row losses, target probabilities and predicted classes; they
are written in a machine format as they come, or kept as a preview for a Rich table,
while ``LossTotals`` sums what the summary and the ``mean``/``sum`` reductions need.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli import losses
from softmax_cli.core import fully_masked_rows, log_softmax
from softmax_cli.reader import Chunk, RowRule
from softmax_cli.writer import OutputSink, class_column, class_names, json_number

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray
    from softmax_cli.pipeline import OutputSpec, RowSource
    from softmax_cli.render import LossView

SUM_TOLERANCE = 1e-6
SCORE_COLUMNS = ["loss", "target_prob"]


class LossConfig(NamedTuple):
    """What the loss options said.

    ``probs``: rows are probabilities, not logits; ``binary``: one value per row for
    class 1 (sigmoid); ``weights`` has one entry per class (two when binary); ``clip``
    bounds probabilities to ``[clip, 1 - clip]``; ``base`` is ``"e"`` (nats) or ``"2"``.
    """

    probs: bool = False
    binary: bool = False
    label_smoothing: float = 0.0
    weights: tuple[float, ...] | None = None
    clip: float | None = None
    renormalize: bool = False
    base: str = "e"

    @property
    def unit(self) -> str:
        return "bits" if self.base == "2" else "nats"

    def n_classes(self, n_columns: int) -> int:
        return 2 if self.binary else n_columns

    def class_names(self, labels: Sequence[str] | None, n_columns: int) -> list[str]:
        return ["0", "1"] if self.binary else class_names(labels, n_columns)


def row_rule(config: LossConfig) -> RowRule | None:
    """The check each input row must pass: valid probabilities, or not every logit -inf."""
    if config.probs and config.binary:
        return RowRule(_outside_unit_interval, "", _describe_binary_probability)
    if config.probs:
        return RowRule(
            lambda values: _bad_distributions(values, config.renormalize),
            "",
            lambda row: _describe_distribution(row, config.renormalize),
        )
    if config.binary:
        return None
    return RowRule(fully_masked_rows, "every logit is -inf: no class can get a probability")


def _outside_unit_interval(values: FloatArray) -> BoolArray:
    return np.asarray(np.any((values < 0) | (values > 1), axis=1))


def _describe_binary_probability(row: FloatArray) -> tuple[str, int | None]:
    return f"probability {row[0]:g} is outside [0, 1]", 1


def _bad_distributions(values: FloatArray, renormalize: bool) -> BoolArray:
    sums = np.sum(values, axis=1)
    off = (sums <= 0) if renormalize else (np.abs(sums - 1.0) > SUM_TOLERANCE)
    return np.asarray(np.any(values < 0, axis=1) | off)


def _describe_distribution(row: FloatArray, renormalize: bool) -> tuple[str, int | None]:
    negative = np.flatnonzero(row < 0)
    if len(negative):
        return f"probability {row[negative[0]]:g} is negative", int(negative[0]) + 1
    total = float(np.sum(row))
    if renormalize:
        return "probabilities sum to 0: cannot renormalize", None
    return (
        f"probabilities sum to {total:.9g}, not 1 (tolerance {SUM_TOLERANCE:g}; "
        "--renormalize divides each row by its sum)",
        None,
    )


def class_log_probs(values: FloatArray, config: LossConfig) -> FloatArray:
    """Log-probabilities per class, shape ``(n_rows, n_classes)``, from one chunk of input."""
    if config.binary:
        column = values[:, 0]
        if config.probs:
            return losses.binary_log_probs_from_probs(column, config.clip)
        return losses.binary_log_probs(column)
    if config.probs:
        return losses.log_probs_from_probs(values, config.clip, config.renormalize)
    return log_softmax(values)


class ScoredRows(NamedTuple):
    """One chunk's results, every array with ``n_rows`` rows: the input ``values``, its
    ``log_probs`` per class, ``targets``, per-row ``losses`` (in the configured unit),
    ``target_probs`` and ``predicted`` classes, and the input ``line_numbers``."""

    values: FloatArray
    log_probs: FloatArray
    targets: IntArray
    losses: FloatArray
    target_probs: FloatArray
    predicted: IntArray
    line_numbers: IntArray

    def head(self, n_rows: int) -> ScoredRows:
        rows = slice(0, n_rows)
        return ScoredRows(
            self.values[rows],
            self.log_probs[rows],
            self.targets[rows],
            self.losses[rows],
            self.target_probs[rows],
            self.predicted[rows],
            self.line_numbers[rows],
        )


def score(chunk: Chunk, targets: IntArray, config: LossConfig) -> ScoredRows:
    """Cross-entropy of each row of ``chunk`` against ``targets``, shape ``(n_rows,)``."""
    log_probs = class_log_probs(chunk.values, config)
    row_losses = losses.cross_entropy_from_log_probs(
        log_probs, targets, label_smoothing=config.label_smoothing, weights=config.weights
    )
    if config.base == "2":
        row_losses = row_losses / math.log(2)
    rows = np.arange(len(targets))
    return ScoredRows(
        values=chunk.values,
        log_probs=log_probs,
        targets=targets,
        losses=row_losses,
        target_probs=np.exp(log_probs[rows, targets]),
        predicted=np.argmax(log_probs, axis=1),
        line_numbers=chunk.line_numbers,
    )


class LossTotals:
    """Running sums over every scored row: count, losses, target weights, correct
    predictions, and the rows whose loss is infinite (their target had probability 0)."""

    def __init__(self, weights: Sequence[float] | None) -> None:
        self.weights = weights
        self.rows = 0
        self.loss_sum = 0.0
        self.weight_sum = 0.0
        self.correct = 0
        self.infinite = 0
        self.first_infinite_line: int | None = None

    def add(self, scored: ScoredRows) -> None:
        self.rows += len(scored.losses)
        self.loss_sum += float(np.sum(scored.losses))
        self.weight_sum += float(np.sum(losses.target_weights(scored.targets, self.weights)))
        self.correct += int(np.count_nonzero(scored.predicted == scored.targets))
        infinite = np.isinf(scored.losses)
        if infinite.any():
            if self.first_infinite_line is None:
                self.first_infinite_line = int(scored.line_numbers[np.argmax(infinite)])
            self.infinite += int(np.count_nonzero(infinite))

    @property
    def mean(self) -> float:
        """The weighted mean loss, ``sum_i l_i / sum_i w[t_i]`` (PyTorch's ``mean``)."""
        return self.loss_sum / self.weight_sum if self.weight_sum else math.nan

    @property
    def accuracy(self) -> float:
        return self.correct / self.rows if self.rows else math.nan

    def reduced(self, reduction: str) -> float:
        return self.loss_sum if reduction == "sum" else self.mean

    def summary(self, unit: str, precision: int, reduction: str = "mean") -> str:
        noun = "row" if self.rows == 1 else "rows"
        total = f", sum {self.loss_sum:.{precision}f}" if reduction == "sum" else ""
        return (
            f"{self.rows} {noun}, mean loss {self.mean:.{precision}f} {unit}{total}, "
            f"accuracy {self.accuracy:.2%} ({self.correct}/{self.rows})"
        )

    def warning(self, probs: bool) -> str | None:
        """Why some losses are infinite, when they are (``probs``: the input was
        probabilities, which ``--clip`` can bound)."""
        if not self.infinite:
            return None
        noun = "row has" if self.infinite == 1 else "rows have"
        hint = "; --clip EPS bounds it, as Keras does with 1e-7" if probs else ""
        return (
            f"line {self.first_infinite_line}: {self.infinite} {noun} an infinite loss: "
            f"a class the target needs has probability 0{hint}"
        )


def scored_chunks(
    source: RowSource, config: LossConfig, target: int | None
) -> Iterator[ScoredRows]:
    """Score every chunk of ``source``; rows without a target column use ``target``."""
    for chunk in source:
        targets = chunk.targets
        if targets is None:
            assert target is not None
            targets = np.full(len(chunk.values), target, dtype=np.intp)
        yield score(chunk, targets, config)


def write_scores(
    scored: Iterator[ScoredRows],
    totals: LossTotals,
    labels: Sequence[str] | None,
    output: OutputSpec,
    stdout: BinaryIO,
    reduction: str,
) -> None:
    """Machine formats: one row per sample (loss, target_prob, target, predicted), or with
    ``reduction`` ``mean``/``sum`` one number (JSON: one object with the summary)."""
    sink = OutputSink(stdout, output.fmt, output.precision)
    wrote_header = False
    for chunk in scored:
        totals.add(chunk)
        if reduction != "none":
            continue
        if not wrote_header:
            sink.header([*SCORE_COLUMNS, "target", "predicted"])
            wrote_header = True
        extra: dict[str, Sequence[object]] = {
            "target": class_column(chunk.targets, labels),
            "predicted": class_column(chunk.predicted, labels),
        }
        values = np.column_stack([chunk.losses, chunk.target_probs])
        sink.rows(values, SCORE_COLUMNS, extra, nested=False)
        stdout.flush()
    if reduction == "none" or not totals.rows:
        return
    loss = totals.reduced(reduction)
    if output.fmt == "json":
        import json

        body = {
            "loss": json_number(loss),
            "reduction": reduction,
            "rows": totals.rows,
            "accuracy": totals.accuracy,
        }
        stdout.write((json.dumps(body) + "\n").encode())
    else:
        stdout.write(f"{loss:.{output.precision}f}\n".encode())


class ScorePreview:
    """The first ``limit`` scored rows of a stream, for a table."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.chunks: list[ScoredRows] = []
        self.kept = 0

    def add(self, scored: ScoredRows) -> None:
        room = self.limit - self.kept
        if room > 0:
            self.chunks.append(scored.head(room))
            self.kept += min(room, len(scored.losses))


def render_scores(
    scored: Iterator[ScoredRows],
    totals: LossTotals,
    names: list[str],
    config: LossConfig,
    output: OutputSpec,
    reduction: str,
) -> None:
    """A table: one sample in full (every class, the target marked, the loss), or a
    preview of many rows' losses with the summary as its footer."""
    from softmax_cli import render

    preview = ScorePreview()
    for chunk in scored:
        totals.add(chunk)
        preview.add(chunk)
    if not totals.rows:
        return
    console = render.make_console(output.color)
    if totals.rows == 1:
        render.render_cross_entropy(
            console, preview.chunks[0], names, output.precision, _loss_view(config)
        )
        return
    summary = totals.summary(config.unit, output.precision, reduction)
    render.render_scores(console, preview.chunks, totals.rows, names, output.precision, summary)


def _loss_view(config: LossConfig) -> LossView:
    from softmax_cli import render

    notes = []
    if config.label_smoothing:
        notes.append(f"label smoothing {config.label_smoothing:g}")
    if config.weights is not None:
        notes.append("weights " + ",".join(f"{w:g}" for w in config.weights))
    if config.clip is not None:
        notes.append(f"probabilities clipped to [{config.clip:g}, 1 - {config.clip:g}]")
    return render.LossView(
        unit=config.unit,
        show_logits=not (config.probs or config.binary),
        plain=not notes,
        binary=config.binary,
        note="; ".join(notes),
    )
