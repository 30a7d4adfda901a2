"""Where rows come from: the values given as arguments, else CSV from a stream."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.errors import ArgumentError
from softmax_cli.io.streaming.rows import Chunk, RowRule, SkipReport
from softmax_cli.io.text.numbers import parse_number

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.streaming.rows import RowSource
    from softmax_cli.io.targets.parser import TargetFileSpec, TargetSpec


NO_INPUT_HELP = (
    "no input: give values as arguments or pipe CSV rows on stdin, "
    "for example 'softmax 0.7 1.5 4.8' or 'cat logits.csv | softmax'"
)


_SEPARATORS = re.compile(r"\s+")


class InputSpec(NamedTuple):
    """What the shared input options said: values from arguments, else CSV (or an
    ``.npy`` array) from ``stream``, or, when ``stream`` is ``None``, from the files at
    ``shards`` one after another; ``quiet``: no progress, notes or summaries.

    ``shards`` holds the input's path(s) whenever it was named (``stream`` then is the one
    file, already open); it is empty for stdin and for values."""

    values: tuple[str, ...]
    stream: BinaryIO | None
    delimiter: str | None
    header: bool | None
    labels: tuple[str, ...] | None
    skip_invalid: bool
    quiet: bool = False
    shards: tuple[str, ...] = ()

    @property
    def from_arguments(self) -> bool:
        """Values were given as arguments (a lone ``-`` means: read stdin)."""
        return bool(self.values) and self.values != ("-",)


def values_from_arguments(tokens: Sequence[str]) -> FloatArray:
    """Parse command-line values (space- or comma-separated) into one row, shape ``(1, n)``.

    Raises ``ArgumentError`` (exit 2) naming the offending value and its position.
    """
    values: list[float] = []
    for token in tokens:
        for cell in _SEPARATORS.sub(",", token.strip()).split(","):
            try:
                values.append(parse_number(cell))
            except ValueError as exc:
                raise ArgumentError(f"value {len(values) + 1}: {exc}") from None
    return np.array([values], dtype=np.float64)


class ArgumentRows:
    """The single row given as command-line values (reported as line 1).

    A value that is not a number, or a row that breaks ``rule``, is an ``ArgumentError``
    (exit 2) naming the value's position."""

    def __init__(self, tokens: Sequence[str], labels: Sequence[str] | None, rule: RowRule | None):
        row = values_from_arguments(tokens)
        if rule is not None and rule.find_bad(row).any():
            message, column = rule.explain(row[0])
            raise ArgumentError(message if column is None else f"value {column}: {message}")
        if labels and len(labels) != row.shape[1]:
            raise ArgumentError(f"{len(labels)} labels given for {row.shape[1]} values")
        self.labels = list(labels) if labels else None
        self.n_columns: int | None = row.shape[1]
        self.n_rows: int | None = 1
        self.skipped = SkipReport()
        self._chunk = Chunk(row, np.array([1], dtype=np.int64))

    def __iter__(self) -> Iterator[Chunk]:
        yield self._chunk


def open_rows(
    spec: InputSpec,
    rule: RowRule | None = None,
    target: TargetSpec | None = None,
    targets_file: TargetFileSpec | None = None,
) -> RowSource:
    """Open the rows the user gave: values as arguments, else an ``.npy`` array or CSV
    from the input stream (with a ``target`` spec, one of the CSV's columns is each row's
    target class; with a ``targets_file``, each row's target is in that file)."""
    if spec.from_arguments:
        if "-" in spec.values:
            raise ArgumentError("'-' (read stdin) cannot be mixed with values")
        return ArgumentRows(spec.values, spec.labels, rule)
    if spec.stream is None:
        return _concatenated(spec, rule, target, targets_file)
    if spec.stream.isatty():
        raise ArgumentError(NO_INPUT_HELP)
    from softmax_cli.io.formats import npy  # values given as arguments skip it, and the reader
    from softmax_cli.io.streaming.memory import keep_temporaries_in_heap

    keep_temporaries_in_heap()

    is_array, stream = npy.sniff(spec.stream)
    if is_array:
        if target is not None:
            raise ArgumentError("an .npy array has no target column: give CSV rows with one")
        rows = npy.NpyRows(
            stream, labels=spec.labels, skip_invalid=spec.skip_invalid, row_rule=rule
        )
        return rows if targets_file is None else _paired(rows, targets_file, spec, None)
    from softmax_cli.io.formats.reader import CsvReader

    reader = CsvReader(
        stream,
        delimiter=spec.delimiter,
        header=spec.header,
        labels=spec.labels,
        skip_invalid=spec.skip_invalid,
        row_rule=rule,
        target=target,
        count_rows=targets_file is not None,
    )
    if targets_file is None:
        return reader
    return _paired(reader, targets_file, spec, lambda: reader.rows_read)


def _concatenated(
    spec: InputSpec,
    rule: RowRule | None,
    target: TargetSpec | None,
    targets_file: TargetFileSpec | None,
) -> RowSource:
    """The rows of every shard of ``spec``, in order; each shard with its own targets file."""
    from softmax_cli.io.shards.concatenated import ShardedRows
    from softmax_cli.io.shards.paths import targets_per_shard
    from softmax_cli.io.targets.parser import TargetFileSpec

    targets = None if targets_file is None else targets_per_shard(spec.shards, targets_file.path)
    binary = targets_file is not None and targets_file.binary

    def open_shard(index: int, stream: BinaryIO) -> RowSource:
        shard = spec._replace(stream=stream)
        own = None if targets is None else TargetFileSpec(targets[index], binary)
        return open_rows(shard, rule, target, own)

    return ShardedRows(spec.shards, open_shard)


def _paired(
    source: RowSource,
    targets_file: TargetFileSpec,
    spec: InputSpec,
    rows_read: Callable[[], int] | None,
) -> RowSource:
    """``source``'s rows, each with its target from ``targets_file``."""
    from softmax_cli.io.formats.target_pairs import PairedRows  # only --targets pays for it
    from softmax_cli.io.shards.paths import is_glob, targets_per_shard

    path = targets_file.path
    if is_glob(path):  # one input: a glob of targets must name one file
        path = targets_per_shard(spec.shards or ("-",), path)[0]
    return PairedRows(
        source,
        path,
        binary=targets_file.binary,
        skip_invalid=spec.skip_invalid,
        rows_read=rows_read,
    )


def rereadable_npy(stream: BinaryIO, targets_path: str | None = None) -> int | None:
    """Where the ``.npy`` array in ``stream`` starts, when ``stream`` is a regular file
    (so it can be read again from there) and so is the file at ``targets_path``, if any;
    else ``None`` (a pipe, a terminal, CSV, something in memory)."""
    import os
    import stat

    from softmax_cli.io.formats.npy import MAGIC

    try:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return None
        if targets_path is not None and not stat.S_ISREG(os.stat(targets_path).st_mode):
            return None
        start = stream.tell()
        head = stream.read(len(MAGIC))
        stream.seek(start)
    except (OSError, ValueError, AttributeError):  # no descriptor, or not seekable after all
        return None
    return start if head == MAGIC else None
