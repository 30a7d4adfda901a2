"""A CSV file with a header, read as a table of columns that hold numbers or text.

``train`` reads a whole table (its rows are needed at once); ``predict`` reads the same
way chunk by chunk. The input rules are every command's: delimiter detection, blank and
``#`` lines skipped, CRLF and a byte-order mark accepted. A cell is missing when it is
empty, ``NA``, ``N/A``, ``NaN``, ``null`` or ``?`` (any case). Cells may be quoted.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.errors import DataError
from softmax_cli.io.streaming.blocks import (
    BLOCK_SIZE,
    NOT_UTF8,
    decode,
    is_skipped,
    line_blocks,
    numbered_lines,
)
from softmax_cli.io.streaming.memory import keep_temporaries_in_heap
from softmax_cli.io.streaming.rows import SkipReport
from softmax_cli.io.text.cells import (
    detect_delimiter,
    header_cells,
    parse_numeric_block,
    split_cells,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "?"})


def is_missing(cell: str) -> bool:
    """Whether a (stripped) cell is one of the missing-value spellings."""
    return cell.lower() in MISSING_TOKENS


def cell_number(cell: str) -> float | None:
    """A cell's number, or ``None`` when it is text (``1_000`` is text, as in every
    command). ``inf`` is no feature value: a ``ValueError`` says so."""
    if "_" in cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    if not math.isfinite(value):
        raise ValueError(f"{cell!r} is not a finite number")
    return value


def _split_line(text: str, delimiter: str) -> list[str]:
    """A data line's cells, stripped; quoted cells (which may hold the delimiter) are
    read the CSV way."""
    if '"' in text:
        return header_cells(text, delimiter)
    return [cell.strip() for cell in split_cells(text, delimiter)]


class TableChunk:
    """Consecutive rows of a table, ``n`` of them: ``numbers`` of shape ``(n, width)``
    (NaN where a cell is missing or text), ``missing`` and ``text`` masks of the same
    shape, and each row's 1-based input line in ``line_numbers``. ``texts`` gives the
    cells of chosen columns as strings."""

    def __init__(
        self,
        numbers: FloatArray,
        missing: BoolArray,
        text: BoolArray,
        line_numbers: IntArray,
        lines: list[str] | bytes,
        delimiter: str,
    ) -> None:
        self.numbers, self.missing, self.text = numbers, missing, text
        self.line_numbers = line_numbers
        self._lines = lines
        self._delimiter = delimiter

    def __len__(self) -> int:
        return len(self.numbers)

    def texts(self, columns: Sequence[int]) -> list[list[str]]:
        """For each of ``columns``, its cells as stripped strings, ``""`` where missing."""
        lines = self._lines
        if isinstance(lines, bytes):  # a block of plain numbers: split only when asked
            lines = lines.decode().split("\n")[:-1]
        rows = [_split_line(line, self._delimiter) for line in lines]
        return [
            ["" if is_missing(row[column]) else row[column] for row in rows] for column in columns
        ]


class TableReader:
    """A CSV stream with a header row, read in chunks of ``TableChunk``.

    Constructing it reads the header: ``names`` (the column names) and ``delimiter``
    are known before any row is. A bad line (ragged, not UTF-8, or with an infinite
    number) stops the run with a ``DataError`` naming its line and column, after the
    good rows before it have been handed on; with ``skip_invalid`` it is counted in
    ``skipped`` instead.
    """

    def __init__(
        self,
        stream: BinaryIO,
        delimiter: str | None = None,
        skip_invalid: bool = False,
        block_size: int = BLOCK_SIZE,
    ) -> None:
        keep_temporaries_in_heap()
        self.delimiter = delimiter
        self.names: list[str] = []
        self.skip_invalid = skip_invalid
        self.skipped = SkipReport()
        self._blocks = line_blocks(stream, block_size)
        self._pending: list[tuple[int, bytes]] = []
        self._read_header()

    def _read_header(self) -> None:
        for start, block in self._blocks:
            offset = 0
            for index, raw in enumerate(block.split(b"\n")[:-1]):
                text = decode(raw)
                if text is None:
                    raise DataError(NOT_UTF8, start + index)
                offset += len(raw) + 1
                if is_skipped(text):
                    continue
                self.delimiter = self.delimiter or detect_delimiter(text)
                self.names = header_cells(text, self.delimiter)
                _check_header(self.names, start + index)
                self._pending = [(start + index + 1, block[offset:])]
                return
        raise DataError("the input is empty: a header row and data rows are needed")

    @property
    def width(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[TableChunk]:
        for start, block in itertools.chain(self._pending, self._blocks):
            if block:
                yield from self._parse_block(start, block)

    def _parse_block(self, start: int, block: bytes) -> Iterator[TableChunk]:
        assert self.delimiter is not None
        numbers = parse_numeric_block(block, self.delimiter, self.width)
        if numbers is not None:
            lines = np.arange(start, start + len(numbers), dtype=np.int64)
            blank = np.zeros(numbers.shape, dtype=bool)
            yield TableChunk(numbers, blank, blank, lines, block, self.delimiter)
            return
        rows = _RowsBuilder(self.width)
        error = None
        for number, text in numbered_lines(start, block):
            try:
                rows.add(number, text, self.delimiter)
            except DataError as exc:
                if not self.skip_invalid:
                    error = exc
                    break
                self.skipped.add(number)
        if len(rows.lines):
            yield rows.chunk(self.delimiter)
        if error is not None:
            raise error


class _RowsBuilder:
    """Split lines of a block, classified cell by cell into numbers, missing and text."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.texts: list[str] = []
        self.lines: list[int] = []
        self.numbers: list[list[float]] = []
        self.missing: list[list[bool]] = []
        self.text: list[list[bool]] = []

    def add(self, number: int, text: str | None, delimiter: str) -> None:
        """Add one line, or raise ``DataError`` saying what is wrong with it."""
        if text is None:
            raise DataError(NOT_UTF8, number)
        cells = _split_line(text, delimiter)
        if len(cells) != self.width:
            found = len(cells)
            raise DataError(
                f"expected {self.width} columns, found {found}", number, min(found, self.width) + 1
            )
        numbers, missing, is_text = [], [], []
        for column, cell in enumerate(cells, start=1):
            gap = is_missing(cell)
            try:
                value = None if gap else cell_number(cell)
            except ValueError as exc:
                raise DataError(str(exc), number, column) from None
            numbers.append(math.nan if value is None else value)
            missing.append(gap)
            is_text.append(not gap and value is None)
        self.texts.append(text)
        self.lines.append(number)
        self.numbers.append(numbers)
        self.missing.append(missing)
        self.text.append(is_text)

    def chunk(self, delimiter: str) -> TableChunk:
        shape = (len(self.lines), self.width)
        return TableChunk(
            np.array(self.numbers, dtype=np.float64).reshape(shape),
            np.array(self.missing, dtype=bool).reshape(shape),
            np.array(self.text, dtype=bool).reshape(shape),
            np.array(self.lines, dtype=np.int64),
            self.texts,
            delimiter,
        )


def _check_header(names: list[str], line: int) -> None:
    if all(_is_number(name) for name in names):
        raise DataError("the first row must be a header of column names, not numbers", line)
    for column, name in enumerate(names, start=1):
        # Only the first column may have no name: the row index pandas and R write.
        if not name and column > 1:
            raise DataError(
                "a header column has no name (only the first may: a row index)", line, column
            )
        if names.index(name) != column - 1:
            raise DataError(f"two columns are named {name!r}", line, column)


def _is_number(cell: str) -> bool:
    try:
        return cell_number(cell) is not None
    except ValueError:  # infinite: a number still
        return True


class Table:
    """Every row of a ``TableReader``: the column ``names``, ``numbers``, ``missing``
    and ``text`` of shape ``(n, width)``, each row's input line, and which columns are
    numeric (no text cell at all)."""

    def __init__(self, reader: TableReader) -> None:
        self._join(reader.names, list(reader))
        self._sources: list[tuple[str, int]] = []

    @classmethod
    def joined(cls, tables: Sequence[Table], paths: Sequence[str]) -> Table:
        """The rows of ``tables`` (which have the same column names), read from the files
        at ``paths``, one after another; each row keeps its own input line, and
        ``source`` tells its file."""
        table = cls.__new__(cls)
        table._join(tables[0].names, [chunk for part in tables for chunk in part._chunks])
        ends = np.cumsum([len(part) for part in tables]).tolist()
        table._sources = list(zip(paths, ends, strict=True))
        return table

    def source(self, row: int) -> str:
        """The file that row ``row`` was read from when the table joins several, else
        ``""``."""
        return next((path for path, end in self._sources if row < end), "")

    def _join(self, names: list[str], chunks: list[TableChunk]) -> None:
        self.names = names
        self._chunks = chunks
        width = len(names)
        self.numbers = _stack([c.numbers for c in self._chunks], (0, width), np.float64)
        self.missing = _stack([c.missing for c in self._chunks], (0, width), np.bool_)
        self.text = _stack([c.text for c in self._chunks], (0, width), np.bool_)
        self.line_numbers = _stack([c.line_numbers for c in self._chunks], (0,), np.int64)
        self.numeric = [not self.text[:, column].any() for column in range(width)]

    def __len__(self) -> int:
        return len(self.line_numbers)

    def texts(self, columns: Sequence[int]) -> list[list[str]]:
        """The cells of ``columns`` as strings (``""`` where missing), every row."""
        joined: list[list[str]] = [[] for _ in columns]
        for chunk in self._chunks:
            for column_cells, cells in zip(joined, chunk.texts(columns), strict=True):
                column_cells.extend(cells)
        return joined


def _stack(parts: list[np.ndarray], empty: tuple[int, ...], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty, dtype=dtype)


def read_table(stream: BinaryIO, delimiter: str | None = None) -> Table:
    """Read a whole CSV table; at least the header row is required."""
    return Table(TableReader(stream, delimiter))
