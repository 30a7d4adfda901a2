"""Several shards read as one input: their rows one after another, as if the files were
concatenated (a CSV header once). Every shard must have the first one's columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, BinaryIO

from softmax_cli.errors import DataError, SoftmaxError
from softmax_cli.io.shards.paths import open_shard
from softmax_cli.io.streaming.rows import SkipReport

if TYPE_CHECKING:
    from softmax_cli.io.streaming.rows import Chunk, RowSource

OpenSource = Callable[[int, BinaryIO], "RowSource"]


def in_shard(path: str, error: SoftmaxError) -> SoftmaxError:
    """``error`` (from reading the shard at ``path``) with the shard's name in front, of the
    same kind: ``logits/003.csv: line 5, column 2: ...``."""
    named = type(error).__new__(type(error))
    named.__dict__.update(error.__dict__)
    named.args = (f"{path}: {error}",)
    return named


@contextmanager
def errors_named(path: str) -> Iterator[None]:
    """Errors raised in the block name the shard at ``path`` first (``in_shard``)."""
    try:
        yield
    except SoftmaxError as exc:
        raise in_shard(path, exc) from None


@contextmanager
def shard_stream(path: str) -> Iterator[BinaryIO]:
    """The shard at ``path`` open for reading while the block runs, whose errors name it
    (``open_shard``'s own error names the file already)."""
    with open_shard(path) as stream, errors_named(path):
        yield stream


def skipped_in_all(reports: Sequence[SkipReport], paths: Sequence[str]) -> SkipReport:
    """The skipped rows of the shards at ``paths`` together, counted in the first one's
    unit; the summary names each shard before its own line numbers."""
    total = SkipReport(reports[0].unit if reports else "line")
    for path, report in zip(paths, reports, strict=False):
        total.extend(report, path)
    return total


def check_same_columns(
    paths: Sequence[str], labels: Sequence[list[str] | None], widths: Sequence[int | None]
) -> None:
    """Every shard (``paths[i]``, with header ``labels[i]`` and ``widths[i]`` columns,
    ``None`` when it has no rows) has the first one's columns: else a ``DataError``
    naming the first shard that differs."""
    width = None
    for path, shard_labels, shard_width in zip(paths, labels, widths, strict=True):
        if shard_labels != labels[0]:
            raise in_shard(path, _different_header(paths[0], shard_labels, labels[0]))
        if width is None:
            width = shard_width
        elif shard_width is not None and shard_width != width:
            raise in_shard(path, _different_width(paths[0], shard_width, width))


def _different_header(
    first: str, labels: list[str] | None, first_labels: list[str] | None
) -> DataError:
    return DataError(
        f"{_columns(labels)} where {first} has {_columns(first_labels)}: every shard needs "
        "the same columns"
    )


def _different_width(first: str, width: int, first_width: int) -> DataError:
    return DataError(
        f"{width} columns where {first} has {first_width}: every shard needs the same columns"
    )


class ShardedRows:
    """A ``RowSource`` over the shards at ``paths``, in that order. ``open_source(i,
    stream)`` opens shard ``i`` (its stream is closed here once read). The first shard
    gives the labels and the width; a shard with others is a ``DataError`` naming it.

    Line numbers stay those of each shard's own file; errors name the shard first. When
    the first shard knows its row count up front (an array), every shard's header is read
    for theirs, so that ``n_rows`` is known too (``-f npy`` into a pipe needs it)."""

    def __init__(self, paths: Sequence[str], open_source: OpenSource) -> None:
        self.paths = list(paths)
        self._open_source = open_source
        self._streams: list[BinaryIO] = []
        first = self._open(0)
        self.labels = first.labels
        self.n_columns = first.n_columns
        self.n_rows: int | None = None
        if first.n_rows is not None:
            counts = [first.n_rows, *(self._rows_in(index) for index in range(1, len(paths)))]
            self.n_rows = None if None in counts else sum(counts)  # type: ignore[arg-type]
        self._first: RowSource | None = first
        self._shard_skips: list[SkipReport] = [first.skipped]

    @property
    def skipped(self) -> SkipReport:
        """The shards' skipped rows together (line numbers are each shard's own)."""
        return skipped_in_all(self._shard_skips, self.paths)

    def close(self) -> None:
        """Close every shard opened (the first one is, up front, for its header)."""
        for stream in self._streams:
            stream.close()

    def __del__(self) -> None:
        # A source dropped unread (an error found between opening and reading, such as
        # stats -k beyond the columns) still holds its first shard: close it quietly.
        self.close()

    def _open(self, index: int) -> RowSource:
        stream = open_shard(self.paths[index])
        self._streams.append(stream)
        try:
            with errors_named(self.paths[index]):
                return self._open_source(index, stream)
        except SoftmaxError:
            stream.close()
            raise

    def _rows_in(self, index: int) -> int | None:
        """The row count shard ``index`` states up front (an array's header), if any."""
        with shard_stream(self.paths[index]) as stream:
            return self._open_source(index, stream).n_rows

    def __iter__(self) -> Iterator[Chunk]:
        for index, path in enumerate(self.paths):
            source = self._first if index == 0 else self._open(index)
            self._first = None
            assert source is not None
            if index:
                self._shard_skips.append(source.skipped)
            try:
                with errors_named(path):
                    self._check_same_labels(source)
                    for chunk in source:
                        self._check_width(chunk.values.shape[1])
                        yield chunk
            finally:
                self._streams[index].close()

    def _check_same_labels(self, source: RowSource) -> None:
        if source.labels != self.labels:
            raise _different_header(self.paths[0], source.labels, self.labels)

    def _check_width(self, width: int) -> None:
        if self.n_columns is None:
            self.n_columns = width
        elif width != self.n_columns:
            raise _different_width(self.paths[0], width, self.n_columns)


def _columns(labels: list[str] | None, shown: int = 5) -> str:
    """A shard's header for a message: ``header a,b,c`` (its first few names), or ``no
    header``."""
    if labels is None:
        return "no header"
    more = ",..." if len(labels) > shown else ""
    return f"header {','.join(labels[:shown])}{more}"
