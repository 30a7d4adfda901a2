"""The xent use case: cross-entropy over a stream of rows with targets.

Each chunk of rows (logits or probabilities, and a target class per row) becomes per-row
losses, target probabilities and predicted classes; they are written in a machine format
as they come, or kept as a preview for a Rich table, while ``LossTotals`` sums what the
summary and the ``mean``/``sum`` reductions need.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.core.calculator import losses
from softmax_cli.io.formats.writer import OutputSink, json_number
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.xent import LossView, ScoredRows
from softmax_cli.workflows.calculator.loss_input import (
    LossConfig,
    chunk_targets,
    class_log_probs,
    open_targeted_rows,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import Chunk, RowSource, SkipReport
    from softmax_cli.workflows.calculator.stream import OutputSpec

SCORE_COLUMNS = ["loss", "target_prob"]


def cross_entropy_rows(
    spec: InputSpec,
    config: LossConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    target: str | None = None,
    target_column: str | None = None,
    targets: str | None = None,
    reduction: str = "none",
) -> LossResult:
    """Score every row against its target (``target``, the file ``targets`` or a CSV
    column) and write the scores (or their ``reduction``) in ``output``'s format; return
    the totals, for a summary, and what was skipped."""
    source, fixed_target = open_targeted_rows(spec, config, target, target_column, targets)
    totals = LossTotals(config.weights, config.base)
    if source.n_columns is None:
        return LossResult(totals, source.skipped)
    scored = scored_chunks(source, config, fixed_target)
    if output.is_table:
        names = config.class_names(source.labels, source.n_columns)
        render_scores(scored, totals, names, config, output, reduction)
    else:
        labels = None if config.binary else source.labels
        write_scores(scored, totals, labels, output, stdout, reduction, source.n_rows)
    return LossResult(totals, source.skipped)


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


class LossResult(NamedTuple):
    """What scoring an input gave besides its output: the ``totals`` of its rows, for
    the summary, and the rows ``--skip-invalid`` ``skipped``."""

    totals: LossTotals
    skipped: SkipReport


class LossTotals:
    """Running sums over every scored row: count, losses (in the unit of ``base``: ``"e"``
    nats, ``"2"`` bits), target weights, correct predictions, and the rows whose loss is
    infinite (their target had probability 0)."""

    def __init__(self, weights: Sequence[float] | None, base: str = "e") -> None:
        self.weights = weights
        self.base = base
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

    def plus(self, other: LossTotals) -> LossTotals:
        """The totals over ``self``'s rows, then ``other``'s (a later shard's): every sum
        added, the first infinite loss ``self``'s when it has one."""
        total = LossTotals(self.weights, self.base)
        total.rows = self.rows + other.rows
        total.loss_sum = self.loss_sum + other.loss_sum
        total.weight_sum = self.weight_sum + other.weight_sum
        total.correct = self.correct + other.correct
        total.infinite = self.infinite + other.infinite
        first = self.first_infinite_line
        total.first_infinite_line = other.first_infinite_line if first is None else first
        return total

    __add__ = plus

    @property
    def mean(self) -> float:
        """The weighted mean loss, ``sum_i l_i / sum_i w[t_i]`` (PyTorch's ``mean``)."""
        return self.loss_sum / self.weight_sum if self.weight_sum else math.nan

    @property
    def perplexity(self) -> float:
        """``exp`` of the weighted mean loss in nats: the number of equally likely classes
        that would be as hard to predict (``2 ** bits`` is the same number)."""
        nats = self.mean * math.log(2) if self.base == "2" else self.mean
        with np.errstate(over="ignore"):  # a mean above ~709 nats: inf
            return float(np.exp(nats))

    @property
    def accuracy(self) -> float:
        return self.correct / self.rows if self.rows else math.nan

    def reduced(self, reduction: str) -> float:
        if reduction == "perplexity":
            return self.perplexity
        return self.loss_sum if reduction == "sum" else self.mean

    def summary(self, unit: str, precision: int, reduction: str = "mean") -> str:
        noun = "row" if self.rows == 1 else "rows"
        total = f", sum {self.loss_sum:.{precision}f}" if reduction == "sum" else ""
        return (
            f"{self.rows} {noun}, mean loss {self.mean:.{precision}f} {unit}{total}, "
            f"perplexity {self.perplexity:.{precision}f}, "
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
        yield score(chunk, chunk_targets(chunk, target), config)


def write_scores(
    scored: Iterator[ScoredRows],
    totals: LossTotals,
    labels: Sequence[str] | None,
    output: OutputSpec,
    stdout: BinaryIO,
    reduction: str,
    n_rows: int | None = None,
) -> None:
    """Machine formats: one row per sample (loss, target_prob, target, predicted), or with
    ``reduction`` ``mean``/``sum``/``perplexity`` one number (JSON: one object with the
    summary; npy: a 1 x 1 array). ``n_rows``, when known up front, is the number of
    samples."""
    if reduction != "none":
        for chunk in scored:
            totals.add(chunk)
        if totals.rows:
            write_reduced(totals, output, stdout, reduction)
        return
    with OutputSink(stdout, output.fmt, output.precision, n_rows) as sink:
        wrote_header = False
        for chunk in scored:
            totals.add(chunk)
            if not wrote_header:
                sink.header([*SCORE_COLUMNS, "target", "predicted"])
                wrote_header = True
            extra = {
                "target": ClassColumn(chunk.targets, labels),
                "predicted": ClassColumn(chunk.predicted, labels),
            }
            values = np.column_stack([chunk.losses, chunk.target_probs])
            sink.rows(values, SCORE_COLUMNS, extra, nested=False)
            stdout.flush()
        sink.close(len(SCORE_COLUMNS) + 2)


def write_reduced(totals: LossTotals, output: OutputSpec, stdout: BinaryIO, reduction: str) -> None:
    """One number; in JSON the summary, whose ``loss`` is the mean for ``perplexity``."""
    loss = totals.reduced(reduction)
    if output.fmt == "json":
        import json

        body = {
            "loss": json_number(totals.loss_sum if reduction == "sum" else totals.mean),
            "reduction": reduction,
            "rows": totals.rows,
            "accuracy": totals.accuracy,
            "perplexity": json_number(totals.perplexity),
        }
        stdout.write((json.dumps(body) + "\n").encode())
    elif output.fmt == "npy":
        with OutputSink(stdout, output.fmt, output.precision, 1) as sink:
            sink.rows(np.array([[loss]]), None)
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
    from softmax_cli.render import xent as tables
    from softmax_cli.render.console import make_console

    preview = ScorePreview()
    for chunk in scored:
        totals.add(chunk)
        preview.add(chunk)
    if not totals.rows:
        return
    console = make_console(output.color)
    if totals.rows == 1:
        tables.render_cross_entropy(
            console, preview.chunks[0], names, output.precision, _loss_view(config)
        )
        return
    summary = totals.summary(config.unit, output.precision, reduction)
    tables.render_scores(console, preview.chunks, totals.rows, names, output.precision, summary)


def _loss_view(config: LossConfig) -> LossView:
    notes = []
    if config.label_smoothing:
        notes.append(f"label smoothing {config.label_smoothing:g}")
    if config.weights is not None:
        notes.append("weights " + ",".join(f"{w:g}" for w in config.weights))
    if config.clip is not None:
        notes.append(f"probabilities clipped to [{config.clip:g}, 1 - {config.clip:g}]")
    return LossView(
        unit=config.unit,
        show_logits=not (config.probs or config.binary),
        plain=not notes,
        binary=config.binary,
        note="; ".join(notes),
    )
