"""Reading rows of numbers from a CSV stream, in chunks.

A CSV stream is read in blocks of complete lines. Each block is parsed by the fastest
parser that accepts it (``fastparse`` for numbers in any notation, then
``numpy.loadtxt``, then a line-by-line parser that locates errors), so memory stays
constant however long the input is, and a bad cell is reported with its line and column
after every good row before it has been handed on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.errors import DataError
from softmax_cli.io.streaming.ahead import ahead, reads_never_wait
from softmax_cli.io.streaming.blocks import (
    BLOCK_SIZE,
    NOT_UTF8,
    decode,
    is_skipped,
    line_blocks,
    numbered_lines,
)
from softmax_cli.io.streaming.rows import Chunk, RowGate, RowRule, SkipReport
from softmax_cli.io.text.cells import (
    detect_delimiter,
    header_cells,
    is_number,
    loadtxt_rows,
    parse_numeric_block,
    split_cells,
)
from softmax_cli.io.text.names import first_duplicate
from softmax_cli.io.text.numbers import parse_number

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.io.targets.column import TargetColumn
    from softmax_cli.io.targets.parser import TargetSpec


class CsvReader:
    """Rows of numbers from a CSV stream, as an iterable of ``Chunk`` objects.

    Constructing a reader reads up to the first data line, so ``labels`` (from
    ``labels``, else a header row) and ``n_columns`` are known before any output is
    written; both are ``None`` for an input with no data. Iterating yields chunks and
    raises ``DataError`` at the first bad row, unless ``skip_invalid`` is set, in which
    case bad rows are counted in ``skipped``.

    With a ``target`` spec one column holds each row's target class (a label or an
    index); it is taken out of the values, so ``n_columns`` and ``labels`` describe the
    class columns only, and every chunk carries ``targets``.

    With ``count_rows`` every chunk carries ``row_numbers``, and ``rows_read`` counts the
    rows read so far, bad ones included.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        delimiter: str | None = None,
        header: bool | None = None,
        labels: Sequence[str] | None = None,
        skip_invalid: bool = False,
        row_rule: RowRule | None = None,
        target: TargetSpec | None = None,
        block_size: int = BLOCK_SIZE,
        count_rows: bool = False,
    ) -> None:
        self.gate = RowGate(skip_invalid, row_rule)
        self.count_rows = count_rows
        self.rows_read = 0
        self.labels: list[str] | None = list(labels) if labels else None
        self.n_columns: int | None = None
        self.n_rows: int | None = None  # known only once read
        self.delimiter = delimiter
        self.target_column: TargetColumn | None = None
        self._target_index: int | None = None  # of the target column among the header's
        self._width = 0  # cells per line, the target column included
        self._stream = stream
        self._blocks = line_blocks(stream, block_size)
        self._pending: list[tuple[int, bytes]] = []
        self._read_first_line(header, target)

    @property
    def skipped(self) -> SkipReport:
        return self.gate.skipped

    def _read_first_line(self, header: bool | None, target: TargetSpec | None) -> None:
        for start, block in self._blocks:
            offset = 0
            for index, raw in enumerate(block.split(b"\n")[:-1]):
                line_number = start + index
                text = decode(raw)
                if text is None:
                    raise DataError(NOT_UTF8, line_number)
                if is_skipped(text):
                    offset += len(raw) + 1
                    continue
                if self.delimiter is None:
                    self.delimiter = detect_delimiter(text)
                cells = header_cells(text, self.delimiter)
                if target is not None:
                    from softmax_cli.io.targets import (
                        column as target_column,  # only xent pays for it
                    )

                    if header is None:
                        header = not all(map(is_number, target_column.class_cells(cells, target)))
                    column = target_column.locate_target_column(target, cells, bool(header))
                    del cells[column]
                    self._target_index = column
                    if not cells:
                        raise DataError("the input has no columns besides the target", line_number)
                elif header is None:
                    header = not all(map(is_number, cells))
                self._width = len(cells) + (target is not None)
                self.n_columns = len(cells)
                if header:
                    offset += len(raw) + 1
                    line_number += 1
                    if self.labels is None:
                        self._refuse_duplicates(cells, line_number - 1)
                    self.labels = self.labels or cells
                if self.labels is not None and len(self.labels) != self.n_columns:
                    raise DataError(
                        f"{len(self.labels)} labels given but the input has "
                        f"{self.n_columns} columns",
                        line_number - 1 if header else line_number,
                    )
                if target is not None:
                    n_classes = 2 if target.binary else self.n_columns
                    from softmax_cli.io.targets.parser import TargetParser

                    parser = TargetParser(self.labels, n_classes, target.binary)
                    self.target_column = target_column.TargetColumn(column, self._width, parser)
                self._pending = [(line_number, block[offset:])]
                return

    def _refuse_duplicates(self, names: list[str], line_number: int) -> None:
        """A header's class names must be unique: two classes of one name would be one."""
        duplicate = first_duplicate(names)
        if duplicate is None:
            return
        earlier, repeat = (
            position + (self._target_index is not None and position >= self._target_index) + 1
            for position in duplicate
        )
        raise DataError(
            f"two classes are named {names[duplicate[1]]!r} (columns {earlier} and {repeat})",
            line_number,
            repeat,
        )

    def __iter__(self) -> Iterator[Chunk]:
        if self.n_columns is None:
            return
        blocks = (item for item in itertools.chain(self._pending, self._blocks) if item[1])
        overlap = reads_never_wait(self._stream)
        for (start, block), values in ahead(blocks, self._parse_fast, overlap):
            chunks = self._parse_block(start, block, values)
            yield from self._numbered(start, block, values, chunks) if self.count_rows else chunks

    def _numbered(
        self, start: int, block: bytes, values: FloatArray | None, chunks: Iterator[Chunk]
    ) -> Iterator[Chunk]:
        """``chunks`` of one block with their ``row_numbers``: every line of a block the
        fast parser took is a row; otherwise every line but the blank and ``#`` ones."""
        if values is not None:
            row_lines = np.arange(start, start + len(values), dtype=np.int64)
        else:
            numbered = numbered_lines(start, block)
            row_lines = np.array([number for number, _ in numbered], dtype=np.int64)
        first = self.rows_read + 1
        self.rows_read += len(row_lines)
        for chunk in chunks:
            numbers = first + np.searchsorted(row_lines, chunk.line_numbers)
            yield chunk._replace(row_numbers=numbers.astype(np.int64))

    def _parse_fast(self, item: tuple[int, bytes]) -> FloatArray | None:
        """The vectorised parser's values for a block (``None`` when it declines, or for
        rows whose target cells are labels); it runs in a worker thread, so it only reads."""
        target = self.target_column
        if target is not None and not target.parser.numbers_are_indices:
            return None
        assert self.delimiter is not None
        return parse_numeric_block(item[1], self.delimiter, self._width)

    def _parse_block(self, start: int, block: bytes, values: FloatArray | None) -> Iterator[Chunk]:
        """The rows of a block: ``values`` from the fast parser, else the fallbacks'."""
        target = self.target_column
        numeric = target is None or target.parser.numbers_are_indices
        assert self.delimiter is not None
        if values is not None:
            yield from self._checked(values, np.arange(start, start + len(values), dtype=np.int64))
            return
        numbered = numbered_lines(start, block)
        if not numbered:
            return
        texts = [text for _, text in numbered if text is not None]
        if len(texts) == len(numbered):
            lines = np.array([number for number, _ in numbered], dtype=np.int64)
            values = loadtxt_rows(texts, self.delimiter, self._width) if numeric else None
            if values is not None:
                yield from self._checked(values, lines)
                return
            if target is not None:
                chunk = target.split_labels(texts, lines, self.delimiter)
                if chunk is not None:
                    yield from self._pass(chunk)
                    return
        yield from self._parse_lines(numbered)

    def _checked(self, values: FloatArray, lines: IntArray) -> Iterator[Chunk]:
        """Rows parsed in bulk: take out the target column, if any, then check them."""
        if self.target_column is None:
            yield from self.gate.pass_rows(Chunk(values, lines))
        else:
            yield from self.target_column.split_numeric(values, lines, self.gate)

    def _pass(self, chunk: Chunk, error: DataError | None = None) -> Iterator[Chunk]:
        """The rows of ``chunk`` that pass the row rule, errors naming line columns."""
        if self.target_column is None:
            return self.gate.pass_rows(chunk, error)
        return self.gate.pass_rows(chunk, error, self.target_column.physical)

    def _parse_lines(self, numbered: list[tuple[int, str | None]]) -> Iterator[Chunk]:
        """Parse line by line, stopping at (or skipping) the first bad row."""
        assert self.n_columns is not None
        rows: list[list[float]] = []
        lines: list[int] = []
        targets: list[int] = []
        error: DataError | None = None
        for number, text in numbered:
            try:
                row, target = self._parse_cells(number, text)
            except DataError as exc:
                if not self.gate.skip_invalid:
                    error = exc
                    break
                self.gate.skipped.add(number)
                continue
            rows.append(row)
            lines.append(number)
            targets.append(target)
        values = np.array(rows, dtype=np.float64).reshape(len(rows), self.n_columns)
        chunk = Chunk(values, np.array(lines, dtype=np.int64))
        if self.target_column is not None:
            chunk = chunk._replace(targets=np.array(targets, dtype=np.intp))
        yield from self._pass(chunk, error)

    def _parse_cells(self, number: int, text: str | None) -> tuple[list[float], int]:
        """One line's class values and its target index (0 when there is no target)."""
        if text is None:
            raise DataError(NOT_UTF8, number)
        assert self.delimiter is not None
        cells = split_cells(text, self.delimiter)
        if len(cells) != self._width:
            raise DataError(
                f"expected {self._width} columns, found {len(cells)}",
                number,
                min(len(cells), self._width) + 1,
            )
        target_index = None if self.target_column is None else self.target_column.index
        row = []
        target = 0
        for column, cell in enumerate(cells, start=1):
            try:
                if column - 1 == target_index:
                    assert self.target_column is not None
                    target = self.target_column.parser.parse(cell)
                else:
                    row.append(parse_number(cell))
            except ValueError as exc:
                raise DataError(str(exc), number, column) from None
        return row, target
