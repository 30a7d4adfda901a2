"""CSV shards read as tables: each by itself (a worker's shard), or all as one."""

from __future__ import annotations

from collections.abc import Sequence

from softmax_cli.errors import DataError
from softmax_cli.io.formats.table import Table, read_table
from softmax_cli.io.shards.concatenated import shard_stream


def read_shard_table(path: str, delimiter: str | None = None) -> Table:
    """The table in the shard at ``path``; an error in it names the shard first."""
    with shard_stream(path) as stream:
        return read_table(stream, delimiter)


def check_same_header(paths: Sequence[str], names: Sequence[Sequence[str]]) -> None:
    """Shards of one table share a header: one with other columns is a data error
    naming it."""
    for path, columns in zip(paths, names, strict=True):
        if list(columns) != list(names[0]):
            raise DataError(
                f"{path}: its header ({', '.join(columns)}) differs from {paths[0]}'s "
                f"({', '.join(names[0])})"
            )


def read_joined_table(paths: Sequence[str], delimiter: str | None = None) -> Table:
    """The shards at ``paths`` read one after another as one table that knows each
    row's shard; a shard whose header differs from the first's is a data error naming
    it."""
    tables = [read_shard_table(path, delimiter) for path in paths]
    check_same_header(paths, [table.names for table in tables])
    return Table.joined(tables, paths)
