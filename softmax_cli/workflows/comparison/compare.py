"""The compare use case: BASE and OTHER read in lockstep, each block turned into per-row
divergences (``core.comparison.divergences``) that are written as they come (``--rows``)
or summed (``core.comparison.sums``); the per-row KL and Δp alone are kept, n floats
each, for the percentiles of the report."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.core.comparison.divergences import RowDivergences, compare_block
from softmax_cli.core.comparison.summary import ComparisonReport, summarize
from softmax_cli.core.comparison.tally import Tally, combined, tally
from softmax_cli.io.formats.writer import OutputSink
from softmax_cli.io.sources import open_rows
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.compare import PREVIEW_ROWS, ComparedRows, preview
from softmax_cli.workflows.calculator.inputs import open_input
from softmax_cli.workflows.calculator.loss_input import LossConfig, class_log_probs, row_rule
from softmax_cli.workflows.comparison.lockstep import check_shapes, lockstep
from softmax_cli.workflows.comparison.pairs import ShardPair, shard_pairs

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowRule, RowSource
    from softmax_cli.io.text.text_columns import Column
    from softmax_cli.workflows.calculator.stream import OutputSpec


class CompareConfig(NamedTuple):
    """What the options said: ``scores`` how rows become log-probabilities (``--probs``,
    ``--clip``, ``--renormalize``, ``--base``), ``top_k`` (0: no overlap), ``targets`` a
    ``--targets`` file, ``rows`` per-row output instead of the report."""

    scores: LossConfig
    top_k: int = 0
    targets: str | None = None
    rows: bool = False


class Comparison(NamedTuple):
    """What a run found: the ``report``, and every row's KL and Δp (for a plot)."""

    report: ComparisonReport
    kl: FloatArray
    delta_p: FloatArray | None
    preview: ComparedRows | None = None


def stream_name(spec: InputSpec) -> str:
    """The name of the file ``spec`` reads: its one path, else its stream's name."""
    if len(spec.shards) == 1:
        return spec.shards[0]
    name = getattr(spec.stream, "name", "-")
    return "stdin" if name in ("-", "<stdin>", 0) else str(name)


def compare_files(
    base: InputSpec,
    other: InputSpec,
    config: CompareConfig,
    output: OutputSpec,
    stdout: BinaryIO,
) -> Comparison:
    """Compare every row of ``base`` with the same row of ``other``, shard by shard
    (``pairs.shard_pairs``); with ``config.rows`` write the per-row figures in
    ``output``'s format. Return the report."""
    pairs = shard_pairs(base, other, config.targets)
    counted, shown = compare_pairs(pairs, config, output, stdout)
    return comparison(counted, config, shown if config.rows and output.is_table else None)


def comparison(counted: Tally, config: CompareConfig, shown: ComparedRows | None) -> Comparison:
    """The report of the rows ``counted``."""
    report = summarize(counted.sums, counted.kl, counted.delta_p, config.top_k)
    return Comparison(report, counted.kl, counted.delta_p, shown)


def compare_pairs(
    pairs: Sequence[ShardPair], config: CompareConfig, output: OutputSpec, stdout: BinaryIO
) -> tuple[Tally, ComparedRows]:
    """Compare the ``pairs`` one after another: their tallies added in order, and with
    ``config.rows`` their rows written to ``stdout`` (or their first rows kept for a
    table). A tally is made per pair, so that this equals the pairs' tallies made
    elsewhere (on a cluster) and added in order."""
    rule = row_rule(config.scores)
    tallies: list[Tally] = []
    shown: dict[str, list[float | str]] = {}
    writing = config.rows and not output.is_table
    with _RowsWriter(stdout, output, config.scores.base, len(pairs) == 1) as writer:
        for pair in pairs:
            base_rows, other_rows, names = _opened(pair, rule)
            blocks = _compared(base_rows, other_rows, names, config)
            if writing:
                blocks = writer.through(blocks, base_rows)
            elif config.rows:
                blocks = _previewed(blocks, shown, base_rows.labels, config.scores.base)
            tallies.append(tally(blocks, config.targets is not None))
    counted = combined(tallies)
    return counted, ComparedRows(shown, counted.sums.rows)


def _opened(pair: ShardPair, rule: RowRule | None) -> tuple[RowSource, RowSource, tuple[str, str]]:
    """Both sides of ``pair`` opened, checked for the same shape when both are known."""
    from softmax_cli.io.targets.parser import TargetFileSpec

    targets = None if pair.targets is None else TargetFileSpec(pair.targets)
    base_rows = open_input(pair.base, rule, None, targets)
    other_rows = open_rows(pair.other, rule)  # read in step with BASE: one progress bar is enough
    names = (stream_name(pair.base), stream_name(pair.other))
    if base_rows.n_columns is not None and other_rows.n_columns is not None:
        check_shapes(base_rows, other_rows, names)
    return base_rows, other_rows, names


def _previewed(
    blocks: Iterator[RowDivergences],
    shown: dict[str, list[float | str]],
    labels: list[str] | None,
    base: str,
) -> Iterator[RowDivergences]:
    """``blocks`` passed on, the first ``PREVIEW_ROWS`` rows kept in ``shown``."""
    for block in blocks:
        if len(shown.get("kl", ())) < PREVIEW_ROWS:
            preview(shown, _cells(row_columns(block, labels, base)))
        yield block


def _cells(columns: dict[str, Column]) -> dict[str, list[float | str]]:
    """Columns as plain cells for a table: numbers, and classes as their labels."""
    cells: dict[str, list[float | str]] = {}
    for name, column in columns.items():
        if isinstance(column, ClassColumn):
            labels = column.labels
            cells[name] = [labels[i] if labels else str(i) for i in column.indices.tolist()]
        else:
            cells[name] = column.tolist()
    return cells


def _compared(
    base: RowSource, other: RowSource, names: tuple[str, str], config: CompareConfig
) -> Iterator[RowDivergences]:
    for a, b in lockstep(base, other, names):
        log_p = class_log_probs(a.values, config.scores)
        log_q = class_log_probs(b.values, config.scores)
        yield compare_block(log_p, log_q, a.targets, config.top_k)


ROW_COLUMNS = ("kl", "kl_reverse", "js", "tv")
TARGET_COLUMNS = ("base_nll", "other_nll", "delta_p")
LOG_COLUMNS = {"kl", "kl_reverse", "js", "base_nll", "other_nll"}  # in bits with --base 2


def row_columns(block: RowDivergences, labels: list[str] | None, base: str) -> dict[str, Column]:
    """One block's per-row output columns, by name: ``ROW_COLUMNS``, ``same_top`` (0/1),
    ``base_top``, ``other_top``, then ``overlap`` (with -k) and ``TARGET_COLUMNS``."""
    scale = 1 / math.log(2) if base == "2" else 1.0
    columns: dict[str, Column] = {}
    for name in ROW_COLUMNS:
        values = getattr(block, name)
        columns[name] = values * scale if name in LOG_COLUMNS else values
    columns["same_top"] = (block.base_top == block.other_top).astype(np.float64)
    columns["base_top"] = ClassColumn(block.base_top, labels)
    columns["other_top"] = ClassColumn(block.other_top, labels)
    if block.overlap is not None:
        columns["overlap"] = block.overlap
    if block.delta_p is not None:
        for name in TARGET_COLUMNS:
            values = getattr(block, name)
            columns[name] = values * scale if name in LOG_COLUMNS else values
    return columns


class _RowsWriter:
    """The per-row figures of every pair, one after another, as rows of ``output``'s
    machine format (a header once); with ``single`` (one pair) an array's row count is
    known up front, as for that pair's files alone."""

    def __init__(self, stdout: BinaryIO, output: OutputSpec, base: str, single: bool) -> None:
        self.stdout, self.output, self.base, self.single = stdout, output, base, single
        self.sink: OutputSink | None = None
        self.n_columns = 0

    def __enter__(self) -> _RowsWriter:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if self.sink is None:
            return
        if error is None:
            self.sink.close(self.n_columns or len(ROW_COLUMNS) + 3)
        else:
            self.sink.__exit__(kind, error, traceback)

    def through(
        self, blocks: Iterator[RowDivergences], source: RowSource
    ) -> Iterator[RowDivergences]:
        """``blocks`` (of ``source``'s rows) passed on, each written first."""
        if self.sink is None:
            n_rows = source.n_rows if self.single else None
            self.sink = OutputSink(self.stdout, self.output.fmt, self.output.precision, n_rows)
        for block in blocks:
            columns = row_columns(block, source.labels, self.base)
            if not self.n_columns:
                self.sink.header(list(columns))
                self.n_columns = len(columns)
            self.sink.columns(columns)
            self.stdout.flush()
            yield block
