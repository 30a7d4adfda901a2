"""Two row sources read in lockstep: blocks of the same rows of BASE and OTHER, whatever
block sizes each reader hands on (CSV and ``.npy`` readers block differently)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from softmax_cli.errors import DataError

if TYPE_CHECKING:
    from softmax_cli.io.streaming.rows import Chunk, RowSource


def shape_text(rows: int | str, columns: int | None) -> str:
    """``rows x columns``; an empty input has 0 columns."""
    return f"{rows} x {columns or 0}"


def check_shapes(base: RowSource, other: RowSource, names: tuple[str, str]) -> None:
    """The same number of classes (and of rows, when both are known up front)."""
    rows_known = base.n_rows is not None and other.n_rows is not None
    if base.n_columns == other.n_columns and (not rows_known or base.n_rows == other.n_rows):
        return
    shapes = [shape_text("?" if s.n_rows is None else s.n_rows, s.n_columns) for s in (base, other)]
    raise DataError(
        f"BASE {names[0]} is {shapes[0]} but OTHER {names[1]} is {shapes[1]} "
        "(rows x classes): they must have the same shape"
    )


def lockstep(
    base: RowSource, other: RowSource, names: tuple[str, str]
) -> Iterator[tuple[Chunk, Chunk]]:
    """Pairs of chunks holding the same rows of ``base`` and ``other``; a source that ends
    before the other is a ``DataError`` naming both row counts."""
    left, right = iter(base), iter(other)
    a = b = None
    read_a = read_b = 0
    while True:
        if a is None:
            a = next(left, None)
            read_a += 0 if a is None else len(a.values)
        if b is None:
            b = next(right, None)
            read_b += 0 if b is None else len(b.values)
        if a is None or b is None:
            if a is not None or b is not None:
                _mismatch(base, other, left, right, read_a, read_b, names)
            return
        n = min(len(a.values), len(b.values))
        yield a.take(slice(0, n)), b.take(slice(0, n))
        a = a.take(slice(n, None)) if len(a.values) > n else None
        b = b.take(slice(n, None)) if len(b.values) > n else None


def _mismatch(
    base: RowSource,
    other: RowSource,
    left: Iterator[Chunk],
    right: Iterator[Chunk],
    read_a: int,
    read_b: int,
    names: tuple[str, str],
) -> None:
    """One ran out: count the rest of the other, then say both shapes."""
    read_a += sum(len(c.values) for c in left)
    read_b += sum(len(c.values) for c in right)
    raise DataError(
        f"BASE {names[0]} is {shape_text(read_a, base.n_columns)} but OTHER {names[1]} is "
        f"{shape_text(read_b, other.n_columns)} (rows x classes): they must have the "
        "same shape"
    )
