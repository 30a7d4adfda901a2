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
    from softmax_cli.targets import TargetParser, TargetSpec

    RowIndex = slice | BoolArray


BLOCK_SIZE = 1 << 18  # ~2,700 rows of 10 logits; measured faster than 64k-row chunks
AUTO_DELIMITERS = (",", "\t", ";")
WHITESPACE = " "  # as a delimiter: runs of spaces and tabs, like str.split()
_WHITESPACE = re.compile(r"\s+")
_MAX_SKIPPED_LINES_SHOWN = 10


class Chunk(NamedTuple):
    """Consecutive good rows: ``values`` of shape ``(n_rows, n_columns)``, the 1-based
    physical input line of each row in ``line_numbers``, shape ``(n_rows,)``, and, when
    the rows carry a target column, each row's target class index in ``targets``."""

    values: FloatArray
    line_numbers: IntArray
    targets: IntArray | None = None

    def take(self, rows: RowIndex) -> Chunk:
        """The rows selected by a slice or a boolean mask."""
        targets = None if self.targets is None else self.targets[rows]
        return Chunk(self.values[rows], self.line_numbers[rows], targets)


class RowRule(NamedTuple):
    """A check on whole rows that a command needs (softmax: not every logit ``-inf``).

    ``find_bad`` maps values of shape ``(n_rows, n_columns)`` to a mask of bad rows.
    ``describe``, when given, turns one bad row into a message naming its value and the
    1-based column at fault (``None`` for the whole row), instead of the fixed ``message``.
    """

    find_bad: Callable[[FloatArray], BoolArray]
    message: str
    describe: Callable[[FloatArray], tuple[str, int | None]] | None = None

    def explain(self, row: FloatArray) -> tuple[str, int | None]:
        """The message and column for one bad row of shape ``(n_columns,)``."""
        return self.describe(row) if self.describe is not None else (self.message, None)


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
        message, column = row_rule.explain(row[0])
        raise ArgumentError(message if column is None else f"value {column}: {message}")
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

    With a ``target`` spec one column holds each row's target class (a label or an
    index); it is taken out of the values, so ``n_columns`` and ``labels`` describe the
    class columns only, and every chunk carries ``targets``.
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
    ) -> None:
        self.skip_invalid = skip_invalid
        self.row_rule = row_rule
        self.skipped = SkipReport()
        self.labels: list[str] | None = list(labels) if labels else None
        self.n_columns: int | None = None
        self.delimiter = delimiter
        self.target_parser: TargetParser | None = None
        self._target_index: int | None = None
        self._width = 0  # cells per line, the target column included
        self._blocks = _line_blocks(stream, block_size)
        self._pending: list[tuple[int, bytes]] = []
        self._read_first_line(header, target)

    def _read_first_line(self, header: bool | None, target: TargetSpec | None) -> None:
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
                    header = not all(_is_number(cell) for cell in self._class_cells(cells, target))
                self._width = len(cells)
                self.n_columns = len(cells)
                if target is not None:
                    self._target_index = _target_column(target, cells, bool(header))
                    del cells[self._target_index]
                    self.n_columns -= 1
                    if not self.n_columns:
                        raise DataError("the input has no columns besides the target", line_number)
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
                if target is not None:
                    n_classes = 2 if target.binary else self.n_columns
                    from softmax_cli.targets import TargetParser  # only xent pays for it

                    self.target_parser = TargetParser(self.labels, n_classes, target.binary)
                self._pending = [(line_number, block[offset:])]
                return

    @staticmethod
    def _class_cells(cells: list[str], target: TargetSpec | None) -> list[str]:
        """The cells that must be numbers in a data row: all but a target column given
        by index (a target column given by name implies a header anyway)."""
        index = _column_index(target.column) if target and target.column else None
        return [cell for i, cell in enumerate(cells) if i != index]

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
        parser = self.target_parser
        numeric = parser is None or parser.numbers_are_indices
        values = self._parse_fast(block, self._width) if numeric else None
        if values is not None:
            lines = np.arange(start, start + len(values), dtype=np.int64)
            yield from self._split_numeric_targets(values, lines)
            return
        numbered = self._numbered_lines(start, block)
        if not numbered:
            return
        texts = [text for _, text in numbered if text is not None]
        if len(texts) == len(numbered):
            lines = np.array([number for number, _ in numbered], dtype=np.int64)
            values = _loadtxt(texts, self.delimiter, self._width) if numeric else None
            if values is not None:
                yield from self._split_numeric_targets(values, lines)
                return
            chunk = self._split_target_cells(texts, lines)
            if chunk is not None:
                yield from self._apply_row_rule(chunk, pending_error=None)
                return
        yield from self._parse_lines(numbered)

    def _parse_fast(self, block: bytes, width: int) -> FloatArray | None:
        if self.delimiter == ",":
            return parse_decimal_block(block, width)
        if self.delimiter not in (None, WHITESPACE) and b"," not in block:
            assert self.delimiter is not None
            return parse_decimal_block(block.replace(self.delimiter.encode(), b","), width)
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

    def _split_numeric_targets(self, values: FloatArray, lines: IntArray) -> Iterator[Chunk]:
        """Take a numeric target column (class indices) out of parsed rows, then check
        the rows; a target that is no class index stops (or is skipped) like a bad cell."""
        parser, column = self.target_parser, self._target_index
        if parser is None or column is None:
            yield from self._apply_row_rule(Chunk(values, lines), pending_error=None)
            return
        cells = values[:, column]

        def bad_target(row: int) -> DataError:
            from softmax_cli.targets import format_target_cell

            message = parser.describe(format_target_cell(float(cells[row])))
            return DataError(message, int(lines[row]), column + 1)

        keep, error = self._good_rows(parser.find_bad(cells), lines, bad_target)
        # Cast only the kept cells: a bad one may be -inf or 1.5, no class index.
        targets = cells[keep].astype(np.intp)
        chunk = Chunk(np.delete(values, column, axis=1)[keep], lines[keep], targets)
        yield from self._apply_row_rule(chunk, pending_error=error)

    def _split_target_cells(self, texts: list[str], lines: IntArray) -> Chunk | None:
        """Parse rows whose target cells are labels: split each line, look its target
        up, parse the rest as numbers. ``None`` if any line is not simply good."""
        parser, column = self.target_parser, self._target_index
        if parser is None or column is None:
            return None
        assert self.delimiter is not None and self.n_columns is not None
        targets, rest = [], []
        for text in texts:
            cells = split_cells(text, self.delimiter)
            if len(cells) != self._width:
                return None
            try:
                targets.append(parser.parse(cells.pop(column)))
            except ValueError:
                return None
            rest.append(",".join(cell.strip() for cell in cells))
        values = parse_decimal_block(("\n".join(rest) + "\n").encode(), self.n_columns)
        if values is None:
            values = _loadtxt(rest, ",", self.n_columns)
        if values is None:
            return None
        return Chunk(values, lines, np.array(targets, dtype=np.intp))

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
                if not self.skip_invalid:
                    error = exc
                    break
                self.skipped.add(number)
                continue
            rows.append(row)
            lines.append(number)
            targets.append(target)
        values = np.array(rows, dtype=np.float64).reshape(len(rows), self.n_columns)
        chunk = Chunk(values, np.array(lines, dtype=np.int64))
        if self.target_parser is not None:
            chunk = chunk._replace(targets=np.array(targets, dtype=np.intp))
        yield from self._apply_row_rule(chunk, pending_error=error)

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
        row = []
        target = 0
        for column, cell in enumerate(cells, start=1):
            try:
                if column - 1 == self._target_index:
                    assert self.target_parser is not None
                    target = self.target_parser.parse(cell)
                else:
                    row.append(parse_number(cell))
            except ValueError as exc:
                raise DataError(str(exc), number, column) from None
        return row, target

    def _good_rows(
        self, bad: BoolArray, lines: IntArray, error_at: Callable[[int], DataError]
    ) -> tuple[RowIndex, DataError | None]:
        """Which rows go on when ``bad`` ones are among them: with ``--skip-invalid`` every
        good row (the bad ones are counted as skipped); without it the rows before the
        first bad one, and that row's error from ``error_at(row)`` to raise after them."""
        if not bad.any():
            return slice(None), None
        if self.skip_invalid:
            for line in lines[bad].tolist():
                self.skipped.add(line)
            return ~bad, None
        first = int(np.argmax(bad))
        return slice(0, first), error_at(first)

    def _apply_row_rule(self, chunk: Chunk, pending_error: DataError | None) -> Iterator[Chunk]:
        """Yield the rows of ``chunk`` that pass the row rule, then raise the first error."""
        rule, error = self.row_rule, pending_error
        if rule is not None and len(chunk.values):
            values, lines = chunk.values, chunk.line_numbers

            def breaks_rule(row: int) -> DataError:
                message, column = rule.explain(values[row])
                return DataError(message, int(lines[row]), self._physical_column(column))

            keep, rule_error = self._good_rows(rule.find_bad(values), lines, breaks_rule)
            chunk, error = chunk.take(keep), rule_error or pending_error
        if len(chunk.values):
            yield chunk
        if error is not None:
            raise error

    def _physical_column(self, column: int | None) -> int | None:
        """A 1-based class column's position in the line, counting the target column."""
        if column is None or self._target_index is None or column <= self._target_index:
            return column
        return column + 1


def _column_index(column: str) -> int | None:
    """``--target-column 2`` → 2; a name → ``None``."""
    return int(column) if column.isdigit() else None


def _loadtxt(texts: list[str], delimiter: str | None, width: int) -> FloatArray | None:
    """Parse lines with ``numpy.loadtxt``; ``None`` if it fails or lets a bad value through."""
    try:
        values = np.loadtxt(
            texts,
            delimiter=None if delimiter == WHITESPACE else delimiter,
            ndmin=2,
            comments=None,
            dtype=np.float64,
        )
    except ValueError:
        return None
    if values.shape != (len(texts), width) or not _valid(values).all():
        return None
    return values


def _target_column(target: TargetSpec, cells: list[str], has_header: bool) -> int:
    """The 0-based position of the target column among a line's ``cells``.

    Raises ``ArgumentError``: it is the option, or its absence, that is wrong."""
    header = cells if has_header else None
    if target.column is None:
        names = [name.lower() for name in header or ()]
        from softmax_cli.targets import DEFAULT_TARGET_COLUMNS

        for name in DEFAULT_TARGET_COLUMNS:
            if name in names:
                return names.index(name)
        raise ArgumentError(
            "no target: give --target for every row, or --target-column NAME|INDEX "
            "(no header column is named 'target' or 'label')"
        )
    if header is not None and target.column in header:
        return header.index(target.column)
    index = _column_index(target.column)
    if index is None:
        where = f"the header has {', '.join(header)}" if header else "the input has no header"
        raise ArgumentError(f"--target-column {target.column!r}: no such column ({where})")
    if index >= len(cells):
        raise ArgumentError(
            f"--target-column {index} is out of range: the input has {len(cells)} columns "
            "(indices start at 0)"
        )
    return index


def _is_number(cell: str) -> bool:
    try:
        parse_number(cell)
    except ValueError:
        return False
    return True


def _valid(values: FloatArray) -> BoolArray:
    """Finite or ``-inf``: what a logit cell may be."""
    return np.isfinite(values) | np.isneginf(values)
