"""Rows paired with the targets of a file of their own (``--targets FILE``).

Row i of the input goes with target i of the file, counting every row of the input, bad
ones included: when ``--skip-invalid`` drops a row, its target goes with it. Both are read
in step, a block at a time. The two must hold as many: when both counts are known up
front (an array of rows and an array of targets) they are compared before any row is
handed on, otherwise when either runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.errors import DataError
from softmax_cli.io.formats.target_file import BAD, TargetBlock, TargetFile
from softmax_cli.io.streaming.rows import Chunk, RowGate
from softmax_cli.io.targets.parser import TargetParser

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.io.streaming.rows import RowSource, SkipReport


class PairedRows:
    """A ``RowSource``: the rows of ``source``, each chunk carrying its ``targets`` from the
    file at ``path`` (class indices of ``source``'s columns, or 0/1 when ``binary``).

    A target that is no class stops the run naming its place in the file (or, with
    ``skip_invalid``, its row is skipped). ``rows_read`` tells how many rows ``source``
    has read, bad ones included, when its ``n_rows`` is not known up front."""

    def __init__(
        self,
        source: RowSource,
        path: str,
        *,
        binary: bool = False,
        skip_invalid: bool = False,
        rows_read: Callable[[], int] | None = None,
    ) -> None:
        self.source = source
        self.path = path
        self.binary = binary
        self.labels = source.labels
        self.n_columns = source.n_columns
        self.n_rows = source.n_rows
        self.gate = RowGate(skip_invalid, None, skipped=source.skipped)
        self._rows_read = rows_read

    @property
    def skipped(self) -> SkipReport:
        return self.source.skipped

    def __iter__(self) -> Iterator[Chunk]:
        if self.n_columns is None:
            return
        n_classes = 2 if self.binary else self.n_columns
        parser = TargetParser(self.labels, n_classes, self.binary)
        with TargetFile(self.path, parser) as targets:
            if targets.count is not None and self.n_rows is not None:
                self._check_counts(targets, targets.count, self.n_rows)
            cursor = _Cursor(targets.blocks())
            rows = iter(self.source)
            for chunk in rows:
                numbers = chunk.line_numbers if chunk.row_numbers is None else chunk.row_numbers
                block = cursor.take(numbers)
                if len(block.indices) < len(chunk.values):
                    yield from self._paired(
                        chunk.take(slice(0, len(block.indices))), block, targets
                    )
                    total, exact = self._drain(rows)
                    raise self._mismatch(targets, cursor.read, total, exact)
                yield from self._paired(chunk, block, targets)
            count = targets.count if targets.count is not None else cursor.count_all()
            self._check_counts(targets, count, self._total())

    def _paired(self, chunk: Chunk, block: TargetBlock, targets: TargetFile) -> Iterator[Chunk]:
        """The rows of ``chunk`` with their targets, up to (or skipping) a bad target."""

        def error_at(row: int) -> DataError:
            place = f"{targets.unit} {int(block.places[row])}"
            return DataError(f"{targets.name()}, {place}: {block.problems[row]}")

        keep, error = self.gate.good_rows(block.indices == BAD, chunk.line_numbers, error_at)
        paired = chunk._replace(targets=block.indices).take(keep)
        if len(paired.values):
            yield paired
        if error is not None:
            raise error

    def _total(self) -> int:
        """The input's rows, bad ones included, once it has been read."""
        if self.n_rows is not None:
            return self.n_rows
        assert self._rows_read is not None
        return self._rows_read()

    def _drain(self, rows: Iterator[Chunk]) -> tuple[int, bool]:
        """Read the rest of the input to count its rows; whether the count is exact (a bad
        row, without ``--skip-invalid``, stops the reading: then it is a lower bound)."""
        if self.n_rows is not None:
            return self.n_rows, True
        try:
            for _ in rows:
                pass
        except DataError:
            return self._total(), False
        return self._total(), True

    def _check_counts(self, targets: TargetFile, count: int, total: int) -> None:
        if count != total:
            raise self._mismatch(targets, count, total, exact=True)

    @staticmethod
    def _mismatch(targets: TargetFile, count: int, total: int, exact: bool) -> DataError:
        noun = "target" if count == 1 else "targets"
        rows = f"{total} row" + ("" if total == 1 else "s")
        if not exact:
            rows = f"more rows than that (at least {total})"
        return DataError(f"{targets.name()} has {count} {noun} but the logits have {rows}")


class _Cursor:
    """The targets of a file, taken in order by the row numbers that need them; it holds
    only those from the first row a later chunk can need (``first``) on."""

    def __init__(self, blocks: Iterator[TargetBlock]) -> None:
        self._blocks = blocks
        self.first = 1
        self.read = 0  # targets read from the file so far
        self._indices: IntArray = np.empty(0, dtype=np.intp)
        self._places: IntArray = np.empty(0, dtype=np.int64)
        self._problems: dict[int, str] = {}  # by row number
        self._ended = False

    def take(self, numbers: IntArray) -> TargetBlock:
        """The targets of rows ``numbers`` (1-based, increasing, each above those of the
        last call); fewer when the file ends before the last of them."""
        self._drop_before(int(numbers[0]))
        while self.first + len(self._indices) <= int(numbers[-1]) and not self._ended:
            block = next(self._blocks, None)
            if block is None:
                self._ended = True
                break
            end = self.first + len(self._indices)
            self._indices = np.concatenate([self._indices, block.indices])
            self._places = np.concatenate([self._places, block.places])
            self._problems.update((end + i, text) for i, text in block.problems.items())
            self.read += len(block.indices)
            self._drop_before(int(numbers[0]))
        held = numbers[: np.searchsorted(numbers, self.first + len(self._indices))]
        positions = held - self.first
        problems = {}
        if self._problems:
            for row, number in enumerate(held.tolist()):
                if number in self._problems:
                    problems[row] = self._problems[number]
        return TargetBlock(self._indices[positions], self._places[positions], problems)

    def _drop_before(self, number: int) -> None:
        """Forget the targets of rows before ``number``: no later chunk needs them."""
        drop = min(number - self.first, len(self._indices))
        if drop > 0:
            self._indices, self._places = self._indices[drop:], self._places[drop:]
            self.first += drop
            self._problems = {n: text for n, text in self._problems.items() if n >= self.first}

    def count_all(self) -> int:
        """How many targets the file holds: those read, and the rest, read now."""
        if not self._ended:
            self.read += sum(len(block.indices) for block in self._blocks)
            self._ended = True
        return self.read
