"""The compare use case: BASE and OTHER read in lockstep, each block turned into per-row
divergences (``core.comparison.divergences``) that are written as they come (``--rows``)
or summed (``core.comparison.sums``); the per-row KL and Δp alone are kept, n floats
each, for the percentiles of the report."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.core.comparison.divergences import RowDivergences, compare_block
from softmax_cli.core.comparison.summary import ComparisonReport, summarize
from softmax_cli.core.comparison.sums import ComparisonSums, block_sums
from softmax_cli.io.formats.writer import OutputSink
from softmax_cli.io.sources import open_rows
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.compare import PREVIEW_ROWS, ComparedRows, preview
from softmax_cli.workflows.calculator.inputs import open_input
from softmax_cli.workflows.calculator.loss_input import LossConfig, class_log_probs, row_rule
from softmax_cli.workflows.comparison.lockstep import check_shapes, lockstep

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource
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
    name = getattr(spec.stream, "name", "-")
    return "stdin" if name in ("-", "<stdin>", 0) else str(name)


def compare_files(
    base: InputSpec,
    other: InputSpec,
    config: CompareConfig,
    output: OutputSpec,
    stdout: BinaryIO,
) -> Comparison:
    """Compare every row of ``base`` with the same row of ``other``; with ``config.rows``
    write the per-row figures in ``output``'s format. Return the report."""
    from softmax_cli.io.targets.parser import TargetFileSpec

    targets = None if config.targets is None else TargetFileSpec(config.targets)
    rule = row_rule(config.scores)
    base_rows = open_input(base, rule, None, targets)
    other_rows = open_rows(other, rule)  # read in step with BASE: one progress bar is enough
    names = (stream_name(base), stream_name(other))
    if base_rows.n_columns is not None and other_rows.n_columns is not None:
        check_shapes(base_rows, other_rows, names)
    blocks = _compared(base_rows, other_rows, names, config)
    sums = ComparisonSums()
    kl: list[FloatArray] = []
    delta_p: list[FloatArray] = []
    if config.rows and not output.is_table:
        blocks = _written(blocks, config, output, stdout, base_rows)
    shown: dict[str, list[float | str]] = {}
    for block in blocks:
        if config.rows and output.is_table and sums.rows < PREVIEW_ROWS:
            preview(shown, _cells(row_columns(block, base_rows.labels, config.scores.base)))
        sums = sums + block_sums(block)
        kl.append(block.kl)
        if block.delta_p is not None:
            delta_p.append(block.delta_p)
    all_kl = np.concatenate(kl) if kl else np.empty(0)
    all_dp = np.concatenate(delta_p) if config.targets is not None and delta_p else None
    report = summarize(sums, all_kl, all_dp, config.top_k)
    rows = ComparedRows(shown, sums.rows) if config.rows and output.is_table else None
    return Comparison(report, all_kl, all_dp, rows)


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


def _written(
    blocks: Iterator[RowDivergences],
    config: CompareConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    source: RowSource,
) -> Iterator[RowDivergences]:
    """``blocks`` passed on, each written first as rows of ``output``'s machine format."""
    with OutputSink(stdout, output.fmt, output.precision, source.n_rows) as sink:
        n_columns = 0
        for block in blocks:
            columns = row_columns(block, source.labels, config.scores.base)
            if not n_columns:
                sink.header(list(columns))
                n_columns = len(columns)
            sink.columns(columns)
            stdout.flush()
            yield block
        sink.close(n_columns or len(ROW_COLUMNS) + 3)
