"""Several shards read as one input: their rows one after another, as if the files were
concatenated (a CSV header once). Every shard must have the first one's columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


class ShardedRows:
    """A ``RowSource`` over the shards at ``paths``, in that order. ``open_source(i,
    stream)`` opens shard ``i`` (its stream is closed here once read). The first shard
    gives the labels and the width; a shard with others is a ``DataError`` naming it.

    Line numbers stay those of each shard's own file; errors name the shard first."""

    def __init__(self, paths: Sequence[str], open_source: OpenSource) -> None:
        self.paths = list(paths)
        self._open_source = open_source
        self._streams: list[BinaryIO] = []
        first = self._open(0)
        self.labels = first.labels
        self.n_rows: int | None = None
        self.n_columns = first.n_columns
        self._first: RowSource | None = first
        self._unit = first.skipped.unit
        self._shard_skips: list[SkipReport] = [first.skipped]

    @property
    def skipped(self) -> SkipReport:
        """The shards' skipped rows together (line numbers are each shard's own)."""
        total = SkipReport(self._unit)
        for path, report in zip(self.paths, self._shard_skips, strict=False):
            total.extend(report, path)
        return total

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
            return self._open_source(index, stream)
        except SoftmaxError as exc:
            stream.close()
            raise in_shard(self.paths[index], exc) from None

    def __iter__(self) -> Iterator[Chunk]:
        for index, path in enumerate(self.paths):
            source = self._first if index == 0 else self._open(index)
            self._first = None
            assert source is not None
            if index:
                self._shard_skips.append(source.skipped)
            try:
                self._check_same_labels(source)
                for chunk in source:
                    self._check_width(chunk.values.shape[1])
                    yield chunk
            except SoftmaxError as exc:
                raise in_shard(path, exc) from None
            finally:
                self._streams[index].close()

    def _check_same_labels(self, source: RowSource) -> None:
        if source.labels != self.labels:
            raise DataError(
                f"{_columns(source.labels)} where {self.paths[0]} has "
                f"{_columns(self.labels)}: every shard needs the same columns"
            )

    def _check_width(self, width: int) -> None:
        if self.n_columns is None:
            self.n_columns = width
        elif width != self.n_columns:
            raise DataError(
                f"{width} columns where {self.paths[0]} has {self.n_columns}: every shard needs "
                "the same columns"
            )


def _columns(labels: list[str] | None, shown: int = 5) -> str:
    """A shard's header for a message: ``header a,b,c`` (its first few names), or ``no
    header``."""
    if labels is None:
        return "no header"
    more = ",..." if len(labels) > shown else ""
    return f"header {','.join(labels[:shown])}{more}"
