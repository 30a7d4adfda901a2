"""The stats use case: how sure each row's distribution is.

Each chunk of rows (logits, or probabilities) becomes per-row entropy, perplexity,
largest probability, margin and most probable class (and with ``top`` the K most
probable classes); they are written in a machine format as they come, or kept as a
preview for a Rich table, while running sums give the means under it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.core.calculator import uncertainty
from softmax_cli.core.calculator.ranking import WIDE_CLASSES
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.writer import OutputSink
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.head import Head
from softmax_cli.views.stats import STATS_MEASURES, StatsRows, StatsView
from softmax_cli.views.tables import class_names
from softmax_cli.workflows.calculator.class_scores import ScoreInput
from softmax_cli.workflows.calculator.inputs import open_input

if TYPE_CHECKING:
    from collections.abc import Sequence

    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import Chunk, RowSource, SkipReport
    from softmax_cli.io.text.text_columns import Column
    from softmax_cli.workflows.calculator.stream import OutputSpec


class StatsConfig(NamedTuple):
    """What the stats options said: how to read the rows, the entropy's ``base`` (``"e"``
    for nats, ``"2"`` for bits) and ``top``, how many most probable classes to add."""

    scores: ScoreInput = ScoreInput()
    base: str = "e"
    top: int = 0

    @property
    def unit(self) -> str:
        return "bits" if self.base == "2" else "nats"


def stats_rows(
    spec: InputSpec, config: StatsConfig, output: OutputSpec, stdout: BinaryIO
) -> SkipReport:
    """Write every row's uncertainty in ``output``'s format; return what was skipped."""
    config.scores.check()
    source = open_input(spec, config.scores.rule(), as_logits=not config.scores.probs)
    if source.n_columns is None:
        return source.skipped
    if config.top > source.n_columns:
        mismatch = ArgumentError if spec.from_arguments else DataError
        raise mismatch(f"--top-k {config.top} is more than the {source.n_columns} classes")
    measured = (measure(chunk, config) for chunk in source)
    if output.is_table:
        _render(measured, source, config, output, show_lines=not spec.from_arguments)
    else:
        _write(measured, source.labels, config, output, stdout, source.n_rows)
    return source.skipped


def measure(chunk: Chunk, config: StatsConfig) -> StatsRows:
    """The uncertainty of each row of ``chunk``."""
    distribution = _distribution(chunk.values, config.scores)
    entropy = distribution.entropy
    if config.top:
        top_classes, top_probs = distribution.top(config.top)
    else:
        n_rows = len(chunk.values)
        top_classes, top_probs = np.empty((n_rows, 0), np.int64), np.empty((n_rows, 0))
    return StatsRows(
        entropy=entropy / math.log(2) if config.base == "2" else entropy,
        perplexity=uncertainty.perplexity(entropy),
        max_prob=distribution.max_prob(),
        margin=distribution.margin(),
        argmax=distribution.argmax,
        top_classes=top_classes,
        top_probs=top_probs,
        line_numbers=chunk.line_numbers,
    )


def _distribution(values: FloatArray, scores: ScoreInput) -> uncertainty.Distribution:
    """The distributions of a chunk's rows: laid out a class per row for few classes,
    whose rows NumPy reduces slowly, as they are for many."""
    if values.shape[1] >= WIDE_CLASSES:
        return uncertainty.Distribution.from_shifted_rows(scores.shifted(values))
    return uncertainty.Distribution.from_shifted(scores.shifted_by_class(values))


def column_names(top: int) -> list[str]:
    """The output columns: the measures, ``argmax``, then ``top_1, p_top_1, ...``."""
    ranks = [f"{name}_{rank}" for rank in range(1, top + 1) for name in ("top", "p_top")]
    return [*STATS_MEASURES, "argmax", *ranks]


def stats_columns(rows: StatsRows, labels: Sequence[str] | None) -> dict[str, Column]:
    """One chunk's output columns, named by ``column_names``."""
    columns: list[Column] = [getattr(rows, name) for name in STATS_MEASURES]
    columns.append(ClassColumn(rows.argmax, labels))
    for rank in range(rows.top_classes.shape[1]):
        columns += [ClassColumn(rows.top_classes[:, rank], labels), rows.top_probs[:, rank]]
    return dict(zip(column_names(rows.top_classes.shape[1]), columns, strict=True))


def _write(
    measured: Iterator[StatsRows],
    labels: Sequence[str] | None,
    config: StatsConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    n_rows: int | None,
) -> None:
    """Machine formats; ``n_rows``, when known up front, is the number of rows."""
    names = column_names(config.top)
    with OutputSink(stdout, output.fmt, output.precision, n_rows) as sink:
        sink.header(names)
        for rows in measured:
            sink.columns(stats_columns(rows, labels))
            stdout.flush()
        sink.close(len(names))


def _render(
    measured: Iterator[StatsRows],
    source: RowSource,
    config: StatsConfig,
    output: OutputSpec,
    show_lines: bool,
) -> None:
    """A table of the first rows, with the means over every row under it."""
    from softmax_cli.render.console import make_console
    from softmax_cli.render.stats import render_stats

    assert source.n_columns is not None
    head: Head[StatsRows] = Head()
    sums = dict.fromkeys(STATS_MEASURES, 0.0)
    for rows in measured:
        head.add(rows)
        for name in STATS_MEASURES:
            sums[name] += float(np.sum(getattr(rows, name)))
    if not head.total:
        return
    max_entropy = math.log(source.n_columns) / (math.log(2) if config.base == "2" else 1.0)
    view = StatsView(
        names=class_names(source.labels, source.n_columns),
        unit=config.unit,
        max_entropy=max_entropy,
        precision=output.precision,
        show_lines=show_lines,
        total=head.total,
        means={name: value / head.total for name, value in sums.items()},
    )
    render_stats(make_console(output.color), head.blocks, view)
