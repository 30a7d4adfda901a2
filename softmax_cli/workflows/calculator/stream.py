"""Streaming rows through a row-wise computation into a machine format or a table.

Shared by every command that maps rows of numbers to rows of numbers (softmax, sigmoid,
predict): each chunk of the source goes through the computation and into CSV, TSV or
JSON Lines as it comes, or into a preview of the first rows for a Rich table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.io.formats.writer import OutputSink
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.tables import RowPreview, TableView

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.streaming.rows import RowSource


class OutputSpec(NamedTuple):
    """What the shared output options said; ``fmt`` is already resolved (never ``auto``)."""

    fmt: str
    precision: int
    color: str

    @property
    def is_table(self) -> bool:
        return self.fmt == "table"


def resolve_format(fmt: str, stream: BinaryIO | None = None, otherwise: str = "csv") -> str:
    """``auto`` is a table on a terminal and ``otherwise`` (CSV unless said) elsewhere."""
    if fmt != "auto":
        return fmt
    target = stream if stream is not None else sys.stdout
    return "table" if target.isatty() else otherwise


DEFAULT_VIEW = TableView()


def preview_rows(source: RowSource, compute: Callable[[FloatArray], FloatArray]) -> RowPreview:
    """Compute every chunk (so errors still surface) but keep only the first rows."""
    preview = RowPreview()
    for chunk in source:
        preview.add(chunk.values, compute(chunk.values), chunk.line_numbers)
    return preview


def stream_rows(
    source: RowSource,
    compute: Callable[[FloatArray], FloatArray],
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    argmax: str | None = None,
    unit_interval: bool = False,
    view: TableView = DEFAULT_VIEW,
    columns: list[str] | None = None,
    labels: list[str] | None = None,
) -> None:
    """Compute every chunk of ``source`` and write it in ``output``'s format.

    Machine formats are written chunk by chunk; ``columns`` names the output columns when
    they are not the input's classes (then a header is always written), ``labels`` names
    the classes when the input's columns are not classes (predict), and ``argmax`` names
    an added column with each row's predicted class. A table shows a single row as a
    vector with bars, and many rows as a preview of the first ones.
    """
    classes = labels or source.labels
    if output.is_table:
        _render_table(preview_rows(source, compute), classes, columns, output, view)
        return
    names = columns or classes
    with OutputSink(stdout, output.fmt, output.precision, source.n_rows) as sink:
        sink.header([*names, argmax] if names is not None and argmax else names)
        for chunk in source:
            results = compute(chunk.values)
            extra = {argmax: ClassColumn(np.argmax(results, axis=1), classes)} if argmax else None
            sink.rows(results, names, extra, unit_interval)
            stdout.flush()


def _render_table(
    preview: RowPreview,
    labels: list[str] | None,
    columns: list[str] | None,
    output: OutputSpec,
    view: TableView,
) -> None:
    from softmax_cli.render import tables
    from softmax_cli.render.console import make_console

    if not preview.total:
        return
    console = make_console(output.color)
    if preview.total > 1:
        tables.render_rows(console, preview, columns or labels, output.precision, view)
        return
    logits, values = preview.logits[0][0], preview.values[0][0]
    if view.comparison:
        tables.render_comparison(console, logits, values, labels, output.precision)
    else:
        tables.render_probabilities(console, logits, values, labels, output.precision, view)
