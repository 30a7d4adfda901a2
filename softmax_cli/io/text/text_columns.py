"""Delimited text from columns: numbers as fixed-point digits made by array arithmetic,
classes as their labels, a line per row."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

import numpy as np

from softmax_cli.io.text.unit_interval import eight_ascii_digits, rounded_units

if TYPE_CHECKING:
    import numpy.typing as npt

    from softmax_cli.arraytypes import FloatArray, IntArray

FIXED_MAX_PRECISION = 12  # v * 10**p stays exact enough in float64 to round correctly
# Below 2**40 units (10**12, as for format_unit_interval) v * 10**p is off by at most
# 2**-14 of a unit, so only a value that close to a half-way point can round the other way.
_FIXED_MAX_UNITS = 2.0**40
# Up to this many classes a table of every class's cell is made once and indexed; more
# (a language model's vocabulary) and only the classes a block writes get a cell.
_TABLE_CLASSES = 1024


def format_header(names: Sequence[str], delimiter: str) -> bytes:
    """One header line, quoted as CSV needs (TSV output uses the same quoting rules): a
    cell holding the delimiter, a quote, a CR or an LF is quoted."""
    import csv
    import io

    buffer = io.StringIO()
    # csv quotes the characters of its line terminator, so "\n" alone would leave a CR bare.
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(names)
    return buffer.getvalue().removesuffix("\r\n").encode() + b"\n"


class ClassColumn(NamedTuple):
    """A column of class indices, shape ``(n_rows,)``, written as their labels when
    ``labels`` are known and as the indices otherwise (numbers in JSON)."""

    indices: IntArray
    labels: Sequence[str] | None


Column: TypeAlias = "FloatArray | ClassColumn"
"""One output column: numbers, shape ``(n_rows,)``, or classes."""


def format_columns(columns: Sequence[Column], precision: int, delimiter: str) -> bytes:
    """Delimited text, one line per row, from columns of equal length: numbers as
    ``%.{precision}f``, classes as their labels (quoted as CSV needs) or indices.

    The lines are one matrix of bytes, a row per line and a column per character, and
    each column fills its span of it: adjacent columns of numbers in [0, 10) at precision
    8 are written there directly, eight digits at a time, all together; other columns
    become cells padded with NUL bytes, copied in, and the padding is dropped at the end.
    No value is formatted on its own in Python."""
    if not columns or not (n_rows := _column_length(columns[0])):
        return b""
    numbers = [column for column in columns if not isinstance(column, ClassColumn)]
    if precision == 8 and numbers:
        units, fits = _one_digit_units_8(np.stack(numbers, axis=1))
    else:
        units, fits = np.empty((n_rows, 0)), [False] * len(numbers)
    cells: list[_Cells | _OneDigitRun8] = []
    number = 0
    for column in columns:
        if isinstance(column, ClassColumn):
            cells.append(_class_cells(column, delimiter))
            continue
        last = cells[-1] if cells else None
        if not fits[number]:
            cells.append(_Cells(_number_cells(column, precision)))
        elif isinstance(last, _OneDigitRun8) and last.end == number:
            cells[-1] = last._replace(end=number + 1)
        else:
            cells.append(_OneDigitRun8(units, number, number + 1))
        number += 1
    lines = np.empty((n_rows, sum(cell.width + 1 for cell in cells)), np.uint8)
    start = 0
    for cell in cells:
        cell.write(lines, start, delimiter)
        lines[:, start + cell.width] = ord(delimiter)
        start += cell.width + 1
    lines[:, -1] = ord("\n")
    text = lines.tobytes()
    # Dropping the padding is a pass over every byte: only when some cell has any.
    return text.replace(b"\0", b"") if any(cell.padded for cell in cells) else text


def _column_length(column: Column) -> int:
    return len(column.indices if isinstance(column, ClassColumn) else column)


class _Cells(NamedTuple):
    """A column as a matrix of bytes, one row per value, NUL-padded to the longest;
    ``padded`` is False when it is known to have no NUL."""

    bytes: npt.NDArray[np.uint8]
    padded: bool = True

    @property
    def width(self) -> int:
        return int(self.bytes.shape[1])

    def write(self, lines: npt.NDArray[np.uint8], start: int, delimiter: str) -> None:
        """Copy the cells into bytes ``start`` to ``start + width`` of every line."""
        lines[:, start : start + self.width] = self.bytes


class _OneDigitRun8(NamedTuple):
    """Adjacent columns ``first`` to ``end - 1`` of ``units``, values in [0, 10) in units
    of 1e-8 (integers below 10**9, as floats, shape ``(n_rows, n_columns)``), written as
    ``d.dddddddd`` cells with delimiters between them."""

    units: FloatArray
    first: int
    end: int
    padded: bool = False

    @property
    def width(self) -> int:
        return 11 * (self.end - self.first) - 1

    def write(self, lines: npt.NDArray[np.uint8], start: int, delimiter: str) -> None:
        """Write the cells into bytes ``start`` to ``start + width`` of every line."""
        units = self.units[:, self.first : self.end]
        whole = np.trunc(units / 1e8)  # exact: a quotient is an integer or 1e-8 from one
        layout = _one_digit_cells_8(start, self.end - self.first, lines.shape[1])
        cells = lines.view(layout)[:, 0]["cells"]  # (n_rows, n_columns) records
        # The digit before the point and the point, as one little-endian uint16.
        cells["head"] = whole.astype(np.uint16) + (ord("0") | ord(".") << 8)
        cells["digits"] = eight_ascii_digits((units - whole * 1e8).astype(np.uint64))
        cells["end"] = ord(delimiter)  # the last one is the caller's to write


@functools.cache
def _one_digit_cells_8(start: int, n_columns: int, line_width: int) -> np.dtype[np.void]:
    """A line of ``line_width`` bytes seen as ``n_columns`` adjacent ``d.dddddddd`` cells
    from ``start``, each followed by its delimiter: the digit before the point and the
    point, eight digits as one unaligned uint64, the delimiter."""
    names, formats = ["head", "digits", "end"], ["<u2", "<u8", "u1"]
    cell = np.dtype({"names": names, "formats": formats, "offsets": [0, 2, 10], "itemsize": 11})
    return np.dtype(
        {
            "names": ["cells"],
            "formats": [(cell, (n_columns,))],
            "offsets": [start],
            "itemsize": line_width,
        }
    )


def _number_cells(values: FloatArray, precision: int) -> npt.NDArray[np.uint8]:
    """``%.{precision}f`` of each value: a matrix of bytes, one row per value and one
    column per character, NUL where a value is shorter than the longest."""
    fixed = _fixed_point_cells(values, precision)
    if fixed is not None:
        return fixed
    text = [f"{v:.{precision}f}".encode() for v in values.tolist()]  # inf, nan, huge
    return _byte_rows(np.array(text, dtype=np.bytes_))


def _one_digit_units_8(values: FloatArray) -> tuple[FloatArray, list[bool]]:
    """The fast path of ``format_columns`` at precision 8 for columns of values in
    [0, 10) (entropies in nats, probabilities, margins), all columns at once (``values``
    has shape ``(n_rows, n_columns)``): their units of 1e-8, and
    per column whether it has only such values (written as ``unit_interval`` writes
    them)."""
    with np.errstate(over="ignore"):  # a huge value becomes inf, and is not < 1e9
        units = rounded_units(values * 1e8, values, 8)
    # No sign at all (printf writes -0.00000000 for -0.0), and below 10 once rounded.
    if not np.signbit(values).any() and np.all(units < 1e9):  # nan: False
        return units, [True] * values.shape[1]
    # Reductions down the short columns are slow: only when some value does not fit.
    fits = ~np.signbit(values).any(axis=0) & np.all(units < 1e9, axis=0)
    units[:, ~fits] = 0  # never written, but cast with the rest: no nan or huge value
    return units, fits.tolist()


def _fixed_point_cells(values: FloatArray, precision: int) -> npt.NDArray[np.uint8] | None:
    """The fast path of ``_number_cells``: digits by array arithmetic, as
    ``format_unit_interval`` does, for any sign and magnitude; ``None`` when a value is
    not finite or has too many digits to scale to an integer count of ``10**-precision``
    units closely enough."""
    if precision > FIXED_MAX_PRECISION:
        return None
    with np.errstate(over="ignore"):  # a huge value becomes inf, and is not < the limit
        magnitude = np.abs(values) * 10.0**precision
    if not np.all(magnitude < _FIXED_MAX_UNITS):  # also false for nan
        return None
    units = rounded_units(magnitude, np.abs(values), precision)
    whole, fraction = np.divmod(units.astype(np.int64), 10**precision)
    n_whole = len(str(int(whole.max(initial=0))))
    # Rows: the sign, n_whole digits, then "." and the fraction's digits.
    cells = np.empty((1 + n_whole + (precision + 1 if precision else 0), len(values)), np.uint8)
    cells[0] = 0
    cells[1 : n_whole + 1] = _digits(whole, n_whole)
    if precision:
        cells[n_whole + 1] = ord(".")
        cells[n_whole + 2 :] = _digits(fraction, precision)
    n_digits = np.ones(len(values), np.int64)
    if n_whole > 1:  # no leading zeros
        n_digits += np.sum(whole >= 10 ** np.arange(1, n_whole)[:, None], axis=0)
        cells[1 : n_whole + 1][np.arange(n_whole)[:, None] < n_whole - n_digits] = 0
    negative = np.flatnonzero(np.signbit(values))  # -0.001 is "-0.00", as printf has it
    cells[n_whole - n_digits[negative], negative] = ord("-")
    return cells.T  # built a character per row, handed on a value per row


@functools.cache
def _group_digits() -> npt.NDArray[np.uint8]:
    """The four ASCII digits of every number below 10**4, one column each: digits are
    looked up four at a time instead of divided out one at a time. Made on first use,
    not at start-up."""
    return (np.arange(10**4) // 10 ** np.arange(3, -1, -1)[:, None] % 10 + 48).astype(np.uint8)


def _digits(numbers: IntArray, n_digits: int) -> npt.NDArray[np.uint8]:
    """The last ``n_digits`` decimal digits of non-negative integers, zero-padded, as
    ASCII: shape ``(n_digits, len(numbers))``, the most significant digit first."""
    width = -(-n_digits // 4) * 4
    digits = np.empty((width, len(numbers)), np.uint8)
    rest = numbers
    table = _group_digits()
    for end in range(width, 0, -4):
        rest, group = np.divmod(rest, 10**4)
        np.take(table, group, axis=1, out=digits[end - 4 : end])
    return digits[width - n_digits :]


def _class_cells(column: ClassColumn, delimiter: str) -> _Cells:
    """Each row's class as bytes, laid out as ``_number_cells``: one cell per class, made
    once, then indexed. With many classes (a vocabulary) only the classes the column
    holds get a cell, so the work follows the rows written, not the number of classes."""
    n_classes = len(column.labels) if column.labels else int(column.indices.max(initial=-1)) + 1
    if n_classes <= _TABLE_CLASSES:
        classes, rows = np.arange(n_classes), column.indices
    else:
        classes, rows = np.unique(column.indices, return_inverse=True)
    table = _label_cells(_class_names(column.labels, classes), delimiter)
    return _Cells(table[rows], padded=not table.all())


def _class_names(labels: Sequence[str] | None, classes: IntArray) -> tuple[str, ...]:
    """The names of ``classes``: their labels, else their indices."""
    if labels is None:
        return tuple(map(str, classes.tolist()))
    return tuple(labels[index] for index in classes.tolist())


@functools.lru_cache(maxsize=16)
def _label_cells(names: tuple[str, ...], delimiter: str) -> npt.NDArray[np.uint8]:
    """The cell of every class name, quoted as CSV needs: one row each, NUL-padded. The
    same few tables serve every block of a stream."""
    text = [_label_cell(name, delimiter) for name in names]
    return _byte_rows(np.array(text, dtype=np.bytes_))


@functools.lru_cache(maxsize=1 << 16)
def _label_cell(name: str, delimiter: str) -> bytes:
    """One class name's cell: the same names recur from block to block."""
    return format_header([name], delimiter).rstrip(b"\n")


def _byte_rows(text: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8]:
    """A fixed-width bytes array (NUL-padded by NumPy) as a matrix, one row per string."""
    return text.view(np.uint8).reshape(len(text), text.dtype.itemsize)
