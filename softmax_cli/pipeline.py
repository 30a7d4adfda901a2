"""Wiring sources, a row-wise computation and an output together, one chunk at a time.

Shared by every command that maps rows of numbers to rows of numbers (softmax, sigmoid,
predict): it opens the input (arguments or CSV), streams each chunk through the
computation and into a machine format, or collects a preview for a Rich table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.errors import ArgumentError
from softmax_cli.reader import Chunk, CsvReader, RowRule, SkipReport, values_from_arguments
from softmax_cli.writer import OutputSink, class_column

if TYPE_CHECKING:
    from typing import Protocol

    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.targets import TargetSpec

    class RowSource(Protocol):
        """Rows of numbers with optional class labels; iterating yields chunks."""

        labels: list[str] | None
        n_columns: int | None
        skipped: SkipReport

        def __iter__(self) -> Iterator[Chunk]: ...


NO_INPUT_HELP = (
    "no input: give values as arguments or pipe CSV rows on stdin, "
    "for example 'softmax 0.7 1.5 4.8' or 'cat logits.csv | softmax'"
)


class InputSpec(NamedTuple):
    """What the shared input options said: values from arguments, else CSV from ``stream``."""

    values: tuple[str, ...]
    stream: BinaryIO
    delimiter: str | None
    header: bool | None
    labels: tuple[str, ...] | None
    skip_invalid: bool

    @property
    def from_arguments(self) -> bool:
        """Values were given as arguments (a lone ``-`` means: read stdin)."""
        return bool(self.values) and self.values != ("-",)


class OutputSpec(NamedTuple):
    """What the shared output options said; ``fmt`` is already resolved (never ``auto``)."""

    fmt: str
    precision: int
    color: str

    @property
    def is_table(self) -> bool:
        return self.fmt == "table"


def resolve_format(fmt: str, stream: BinaryIO | None = None) -> str:
    """``auto`` is a table on a terminal and CSV otherwise."""
    if fmt != "auto":
        return fmt
    target = stream if stream is not None else sys.stdout
    return "table" if target.isatty() else "csv"


class ArgumentRows:
    """The single row given as command-line values (reported as line 1)."""

    def __init__(self, tokens: Sequence[str], labels: Sequence[str] | None, rule: RowRule | None):
        row = values_from_arguments(tokens, rule)
        if labels and len(labels) != row.shape[1]:
            raise ArgumentError(f"{len(labels)} labels given for {row.shape[1]} values")
        self.labels = list(labels) if labels else None
        self.n_columns: int | None = row.shape[1]
        self.skipped = SkipReport()
        self._chunk = Chunk(row, np.array([1], dtype=np.int64))

    def __iter__(self) -> Iterator[Chunk]:
        yield self._chunk


def open_rows(
    spec: InputSpec, rule: RowRule | None = None, target: TargetSpec | None = None
) -> RowSource:
    """Open the rows the user gave: values as arguments, else CSV from the input stream
    (with a ``target`` spec, one of its columns is each row's target class)."""
    if spec.from_arguments:
        if "-" in spec.values:
            raise ArgumentError("'-' (read stdin) cannot be mixed with values")
        return ArgumentRows(spec.values, spec.labels, rule)
    if spec.stream.isatty():
        raise ArgumentError(NO_INPUT_HELP)
    return CsvReader(
        spec.stream,
        delimiter=spec.delimiter,
        header=spec.header,
        labels=spec.labels,
        skip_invalid=spec.skip_invalid,
        row_rule=rule,
        target=target,
    )


class TableView(NamedTuple):
    """How a table shows computed values: their heading, whether the largest is the
    predicted class (softmax) or not (sigmoid), whether they are logarithms, whether
    a single row is the sigmoid-vs-softmax comparison rather than one value per class,
    and whether the inputs are shown beside the values (not when they are features)."""

    value_name: str = "probability"
    mark_best: bool = True
    log: bool = False
    comparison: bool = False
    show_inputs: bool = True


class RowPreview:
    """The first ``limit`` rows of a stream (inputs and results) and a count of all rows."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.logits: list[FloatArray] = []
        self.values: list[FloatArray] = []
        self.line_numbers: list[IntArray] = []
        self.total = 0
        self.kept = 0

    def add(self, logits: FloatArray, values: FloatArray, line_numbers: IntArray) -> None:
        room = self.limit - self.kept
        if room > 0:
            self.logits.append(logits[:room])
            self.values.append(values[:room])
            self.line_numbers.append(line_numbers[:room])
            self.kept += min(room, len(values))
        self.total += len(values)


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
    sink = OutputSink(stdout, output.fmt, output.precision)
    names = columns or classes
    sink.header([*names, argmax] if names is not None and argmax else names)
    for chunk in source:
        results = compute(chunk.values)
        extra: dict[str, Sequence[object]] | None = None
        if argmax:
            extra = {argmax: class_column(np.argmax(results, axis=1), classes)}
        sink.rows(results, names, extra, unit_interval)
        stdout.flush()


def _render_table(
    preview: RowPreview,
    labels: list[str] | None,
    columns: list[str] | None,
    output: OutputSpec,
    view: TableView,
) -> None:
    from softmax_cli import render

    if not preview.total:
        return
    console = render.make_console(output.color)
    if preview.total > 1:
        render.render_rows(console, preview, columns or labels, output.precision, view)
        return
    logits, values = preview.logits[0][0], preview.values[0][0]
    if view.comparison:
        render.render_comparison(console, logits, values, labels, output.precision)
    else:
        render.render_probabilities(console, logits, values, labels, output.precision, view)
