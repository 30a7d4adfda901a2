"""Reading logits: numbers given as arguments, or CSV rows from a stream in chunks.

A CSV stream is read in blocks of complete lines. Each block is parsed by the fastest
parser that accepts it (``fastparse`` for plain decimals, then ``numpy.loadtxt``, then a
line-by-line parser that locates errors), so memory stays constant however long the
input is, and a bad cell is reported with its line and column after every good row
before it has been handed on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.fastparse import parse_decimal_block
from softmax_cli.numbers import parse_number

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray


BLOCK_SIZE = 1 << 18  # ~2,700 rows of 10 logits; measured faster than 64k-row chunks
AUTO_DELIMITERS = (",", "\t", ";")
WHITESPACE = " "  # as a delimiter: runs of spaces and tabs, like str.split()
_WHITESPACE = re.compile(r"\s+")
_MAX_SKIPPED_LINES_SHOWN = 10


class Chunk(NamedTuple):
    """Consecutive good rows: ``values`` of shape ``(n_rows, n_columns)`` and the 1-based
    physical input line of each row in ``line_numbers``, shape ``(n_rows,)``."""

    values: FloatArray
    line_numbers: IntArray


class RowRule(NamedTuple):
    """A check on whole rows that a command needs (softmax: not every logit ``-inf``).

    ``find_bad`` maps values of shape ``(n_rows, n_columns)`` to a mask of bad rows.
    """

    find_bad: Callable[[FloatArray], BoolArray]
    message: str


class SkipReport:
    """How many rows ``--skip-invalid`` dropped, and the first few of their line numbers."""

    def __init__(self) -> None:
        self.count = 0
        self.first_lines: list[int] = []

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first_lines) < _MAX_SKIPPED_LINES_SHOWN:
            self.first_lines.append(line)

    def summary(self) -> str:
        lines = ", ".join(map(str, self.first_lines))
        more = ", ..." if self.count > len(self.first_lines) else ""
        noun = "row" if self.count == 1 else "rows"
        return f"skipped {self.count} invalid {noun} (lines {lines}{more})"


def split_cells(line: str, delimiter: str) -> list[str]:
    """Split one line into cells; ``WHITESPACE`` means runs of whitespace."""
    if delimiter == WHITESPACE:
        return line.split()
    return line.split(delimiter)


def detect_delimiter(line: str) -> str:
    """Pick the delimiter of a first line: comma, tab or semicolon, else whitespace runs."""
    for candidate in AUTO_DELIMITERS:
        if candidate in line:
            return candidate
    return WHITESPACE


def values_from_arguments(tokens: Sequence[str], row_rule: RowRule | None = None) -> FloatArray:
    """Parse command-line values (space- or comma-separated) into one row, shape ``(1, n)``.

    Raises ``ArgumentError`` (exit 2) naming the offending value and its position.
    """
    values: list[float] = []
    for token in tokens:
        for cell in _WHITESPACE.sub(",", token.strip()).split(","):
            try:
                values.append(parse_number(cell))
            except ValueError as exc:
                raise ArgumentError(f"value {len(values) + 1}: {exc}") from None
    row = np.array([values], dtype=np.float64)
    if row_rule is not None and row_rule.find_bad(row).any():
        raise ArgumentError(row_rule.message)
    return row


def _is_skipped(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _line_blocks(stream: BinaryIO, block_size: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line_number, bytes)`` blocks of whole ``\\n``-terminated lines."""
    carry = b""
    line = 1
    first = True
    while data := stream.read(block_size):
        if first:
            data = data.removeprefix(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
            first = False
        data = carry + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        block, carry = data[:cut], data[cut:]
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n")
        yield line, block
        line += int(np.count_nonzero(np.frombuffer(block, np.uint8) == 10))
    if carry:
        yield line, carry.removesuffix(b"\r") + b"\n"


NOT_UTF8 = "not valid UTF-8 text"


def _decode(raw: bytes) -> str | None:
    """The line as text, or ``None`` when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class CsvReader:
    """Rows of logits from a CSV stream, as an iterable of ``Chunk`` objects.

    Constructing a reader reads up to the first data line, so ``labels`` (from
    ``labels``, else a header row) and ``n_columns`` are known before any output is
    written; both are ``None`` for an input with no data. Iterating yields chunks and
    raises ``DataError`` at the first bad row, unless ``skip_invalid`` is set, in which
    case bad rows are counted in ``skipped``.
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
        block_size: int = BLOCK_SIZE,
    ) -> None:
        self.skip_invalid = skip_invalid
        self.row_rule = row_rule
        self.skipped = SkipReport()
        self.labels: list[str] | None = list(labels) if labels else None
        self.n_columns: int | None = None
        self.delimiter = delimiter
        self._blocks = _line_blocks(stream, block_size)
        self._pending: list[tuple[int, bytes]] = []
        self._read_first_line(header)

    def _read_first_line(self, header: bool | None) -> None:
        for start, block in self._blocks:
            offset = 0
            for index, raw in enumerate(block.split(b"\n")[:-1]):
                line_number = start + index
                text = _decode(raw)
                if text is None:
                    raise DataError(NOT_UTF8, line_number)
                if _is_skipped(text):
                    offset += len(raw) + 1
                    continue
                if self.delimiter is None:
                    self.delimiter = detect_delimiter(text)
                cells = self._header_cells(text)
                if header is None:
                    header = not all(_is_number(cell) for cell in cells)
                self.n_columns = len(cells)
                if header:
                    offset += len(raw) + 1
                    line_number += 1
                    self.labels = self.labels or cells
                if self.labels is not None and len(self.labels) != self.n_columns:
                    raise DataError(
                        f"{len(self.labels)} labels given but the input has "
                        f"{self.n_columns} columns",
                        line_number - 1 if header else line_number,
                    )
                self._pending = [(line_number, block[offset:])]
                return

    def _header_cells(self, text: str) -> list[str]:
        if self.delimiter is None or self.delimiter == WHITESPACE:
            return text.split()
        import csv

        return [cell.strip() for cell in next(csv.reader([text], delimiter=self.delimiter))]

    def __iter__(self) -> Iterator[Chunk]:
        if self.n_columns is None:
            return
        for start, block in itertools.chain(self._pending, self._blocks):
            if block:
                yield from self._parse_block(start, block)

    def _parse_block(self, start: int, block: bytes) -> Iterator[Chunk]:
        assert self.n_columns is not None
        values = self._parse_fast(block)
        if values is not None:
            lines = np.arange(start, start + len(values), dtype=np.int64)
            yield from self._apply_row_rule(Chunk(values, lines), pending_error=None)
            return
        numbered = self._numbered_lines(start, block)
        if not numbered:
            return
        texts = [text for _, text in numbered if text is not None]
        values = self._parse_loadtxt(texts) if len(texts) == len(numbered) else None
        if values is not None:
            lines = np.array([number for number, _ in numbered], dtype=np.int64)
            yield from self._apply_row_rule(Chunk(values, lines), pending_error=None)
            return
        yield from self._parse_lines(numbered)

    def _parse_fast(self, block: bytes) -> FloatArray | None:
        assert self.n_columns is not None
        if self.delimiter == ",":
            return parse_decimal_block(block, self.n_columns)
        if self.delimiter not in (None, WHITESPACE) and b"," not in block:
            assert self.delimiter is not None
            return parse_decimal_block(block.replace(self.delimiter.encode(), b","), self.n_columns)
        return None

    @staticmethod
    def _numbered_lines(start: int, block: bytes) -> list[tuple[int, str | None]]:
        """Decode a block into ``(line_number, text)`` pairs, leaving out blank and ``#``
        lines; ``text`` is ``None`` for a line that is not UTF-8."""
        numbered = []
        for index, raw in enumerate(block.split(b"\n")[:-1]):
            text = _decode(raw)
            if text is None or not _is_skipped(text):
                numbered.append((start + index, text))
        return numbered

    def _parse_loadtxt(self, texts: list[str]) -> FloatArray | None:
        """Parse lines with ``numpy.loadtxt``; ``None`` if it fails or lets a bad value through."""
        try:
            values = np.loadtxt(
                texts,
                delimiter=None if self.delimiter == WHITESPACE else self.delimiter,
                ndmin=2,
                comments=None,
                dtype=np.float64,
            )
        except ValueError:
            return None
        if values.shape != (len(texts), self.n_columns) or not _valid(values).all():
            return None
        return values

    def _parse_lines(self, numbered: list[tuple[int, str | None]]) -> Iterator[Chunk]:
        """Parse line by line, stopping at (or skipping) the first bad row."""
        assert self.n_columns is not None
        rows: list[list[float]] = []
        lines: list[int] = []
        error: DataError | None = None
        for number, text in numbered:
            try:
                rows.append(self._parse_cells(number, text))
                lines.append(number)
            except DataError as exc:
                if not self.skip_invalid:
                    error = exc
                    break
                self.skipped.add(number)
        values = np.array(rows, dtype=np.float64).reshape(len(rows), self.n_columns)
        chunk = Chunk(values, np.array(lines, dtype=np.int64))
        yield from self._apply_row_rule(chunk, pending_error=error)

    def _parse_cells(self, number: int, text: str | None) -> list[float]:
        assert self.n_columns is not None
        if text is None:
            raise DataError(NOT_UTF8, number)
        assert self.delimiter is not None
        cells = split_cells(text, self.delimiter)
        if len(cells) != self.n_columns:
            raise DataError(
                f"expected {self.n_columns} columns, found {len(cells)}",
                number,
                min(len(cells), self.n_columns) + 1,
            )
        row = []
        for column, cell in enumerate(cells, start=1):
            try:
                row.append(parse_number(cell))
            except ValueError as exc:
                raise DataError(str(exc), number, column) from None
        return row

    def _apply_row_rule(self, chunk: Chunk, pending_error: DataError | None) -> Iterator[Chunk]:
        """Yield the rows of ``chunk`` that pass the row rule, then raise the first error."""
        if self.row_rule is not None and len(chunk.values):
            bad = self.row_rule.find_bad(chunk.values)
            if bad.any():
                if not self.skip_invalid:
                    first_bad = int(np.argmax(bad))
                    if first_bad:
                        yield Chunk(chunk.values[:first_bad], chunk.line_numbers[:first_bad])
                    raise DataError(self.row_rule.message, int(chunk.line_numbers[first_bad]))
                for line in chunk.line_numbers[bad]:
                    self.skipped.add(int(line))
                chunk = Chunk(chunk.values[~bad], chunk.line_numbers[~bad])
        if len(chunk.values):
            yield chunk
        if pending_error is not None:
            raise pending_error


def _is_number(cell: str) -> bool:
    try:
        parse_number(cell)
    except ValueError:
        return False
    return True


def _valid(values: FloatArray) -> BoolArray:
    """Finite or ``-inf``: what a logit cell may be."""
    return np.isfinite(values) | np.isneginf(values)
