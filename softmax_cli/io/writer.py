"""Turning result arrays into CSV, TSV or JSON Lines text, chunk by chunk."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, TypeAlias

import numpy as np

from softmax_cli.io.unit_interval import eight_ascii_digits, format_unit_interval

if TYPE_CHECKING:
    import numpy.typing as npt

    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.io.npy import NpyWriter


MACHINE_FORMATS = ("csv", "tsv", "json", "npy")
_FIXED_MAX_PRECISION = 12  # v * 10**p stays exact enough in float64 to round correctly
# Below 2**40 units (10**12, as for format_unit_interval) v * 10**p is off by at most
# 2**-14 of a unit, so only a value that close to a half-way point can round the other way.
_FIXED_MAX_UNITS = 2.0**40


def class_column(indices: IntArray, labels: Sequence[str] | None) -> list[object]:
    """Class indices as their labels when labels are known, else as ints (numbers in JSON)."""
    return [labels[i] for i in indices.tolist()] if labels else list(indices.tolist())


def delimiter_for(fmt: str) -> str:
    """The cell delimiter of a text format: tab for TSV, comma for CSV."""
    return "\t" if fmt == "tsv" else ","


def format_numbers(
    values: FloatArray, precision: int, delimiter: str, unit_interval: bool = False
) -> bytes:
    """Format a ``(n_rows, n_columns)`` array as delimited text, one line per row.

    ``unit_interval`` promises every value lies in [0, 1] and enables the fast formatter.
    Rows with class columns besides the numbers go through ``format_columns``.
    """
    n_rows, n_columns = values.shape
    if n_rows == 0:
        return b""
    if unit_interval and precision <= _FIXED_MAX_PRECISION:
        return format_unit_interval(values, precision, delimiter)
    template = delimiter.join([f"%.{precision}f"] * n_columns) + "\n"
    text: str = (template * n_rows) % tuple(values.ravel().tolist())
    return text.encode()


def format_header(names: Sequence[str], delimiter: str) -> bytes:
    """One header line, quoted as CSV needs (TSV output uses the same quoting rules)."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(names)
    return buffer.getvalue().encode()


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

    Each column becomes a matrix of bytes, one row per line and one column per character,
    padded with NUL bytes; the matrices are laid side by side with delimiters and the
    padding is dropped at the end, so no value is formatted on its own in Python."""
    numbers = [column for column in columns if not isinstance(column, ClassColumn)]
    if precision == 8 and numbers:
        at_once = iter(_one_digit_cells_8(np.stack(numbers)))
    else:
        at_once = iter([None] * len(numbers))
    cells = []
    for column in columns:
        if isinstance(column, ClassColumn):
            cells.append(_class_cells(column, delimiter))
        elif (cell := next(at_once)) is not None:
            cells.append(cell)
        else:
            cells.append(_number_cells(column, precision))
    if not cells or not len(cells[0]):
        return b""
    lines = np.empty((len(cells[0]), sum(cell.shape[1] + 1 for cell in cells)), np.uint8)
    start = 0
    for cell in cells:
        lines[:, start : start + cell.shape[1]] = cell
        lines[:, start + cell.shape[1]] = ord(delimiter)
        start += cell.shape[1] + 1
    lines[:, -1] = ord("\n")
    text = lines.tobytes()
    # Dropping the padding is a pass over every byte: only when some cell has any.
    return text.replace(b"\0", b"") if not all(cell.all() for cell in cells) else text


def _number_cells(values: FloatArray, precision: int) -> npt.NDArray[np.uint8]:
    """``%.{precision}f`` of each value: a matrix of bytes, one row per value and one
    column per character, NUL where a value is shorter than the longest."""
    fixed = _fixed_point_cells(values, precision)
    if fixed is not None:
        return fixed
    text = [f"{v:.{precision}f}".encode() for v in values.tolist()]  # inf, nan, huge
    return _byte_rows(np.array(text, dtype=np.bytes_))


def _one_digit_cells_8(values: FloatArray) -> list[npt.NDArray[np.uint8] | None]:
    """The fast path of ``_number_cells`` at precision 8 for columns of values in
    [0, 10) (entropies in nats, probabilities, margins), all columns at once (``values``
    has one column per row, shape ``(n_columns, n_rows)``): ``d.dddddddd``, the eight
    decimals written as ``unit_interval`` writes them. Per column its cells, or ``None``
    when it has any other value."""
    with np.errstate(over="ignore"):  # a huge value becomes inf, and is not < 1e9
        units = np.rint(values * 1e8)
    # No sign at all (printf writes -0.00000000 for -0.0), and below 10 once rounded.
    fits = ~np.signbit(values).any(axis=1) & np.all(units < 1e9, axis=1)  # nan: False
    if not fits.all():
        units[~fits] = 0  # never cast: a cast of nan or huge values warns
    whole, fraction = np.divmod(units.astype(np.uint64), np.uint64(10**8))
    cells = np.empty(values.shape, _cell_one_digit_8())
    cells["whole"] = whole
    cells["whole"] += ord("0")
    cells["dot"] = ord(".")
    cells["digits"] = eight_ascii_digits(fraction)
    as_bytes = cells.view(np.uint8).reshape(*values.shape, 10)
    return [column if fit else None for column, fit in zip(as_bytes, fits.tolist(), strict=True)]


@functools.cache
def _cell_one_digit_8() -> np.dtype[np.void]:
    """One ``d.dddddddd`` cell, 10 bytes: the digit before the point, the point, and
    eight digits written as one unaligned uint64."""
    names, formats = ["whole", "dot", "digits"], ["u1", "u1", "<u8"]
    return np.dtype({"names": names, "formats": formats, "offsets": [0, 1, 2], "itemsize": 10})


def _fixed_point_cells(values: FloatArray, precision: int) -> npt.NDArray[np.uint8] | None:
    """The fast path of ``_number_cells``: digits by array arithmetic, as
    ``format_unit_interval`` does, for any sign and magnitude; ``None`` when a value is
    not finite or has too many digits to scale to an integer count of ``10**-precision``
    units closely enough."""
    if precision > _FIXED_MAX_PRECISION:
        return None
    with np.errstate(over="ignore"):  # a huge value becomes inf, and is not < the limit
        magnitude = np.abs(values) * 10.0**precision
    if not np.all(magnitude < _FIXED_MAX_UNITS):  # also false for nan
        return None
    whole, fraction = np.divmod(np.rint(magnitude).astype(np.int64), 10**precision)
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


def _class_cells(column: ClassColumn, delimiter: str) -> npt.NDArray[np.uint8]:
    """Each row's class as bytes, laid out as ``_number_cells``: one cell per class, made
    once, then indexed."""
    n_classes = int(column.indices.max(initial=-1)) + 1
    names = column.labels or [str(i) for i in range(n_classes)]
    text = [format_header([name], delimiter).rstrip(b"\n") for name in names]
    return _byte_rows(np.array(text, dtype=np.bytes_))[column.indices]


def _byte_rows(text: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8]:
    """A fixed-width bytes array (NUL-padded by NumPy) as a matrix, one row per string."""
    return text.view(np.uint8).reshape(len(text), text.dtype.itemsize)


def format_json_records(columns: Mapping[str, Column]) -> bytes:
    """One flat JSON object per row, ``{name: value, ...}``: numbers at full precision
    (``null`` for infinities), classes as labels or indices."""
    import json

    names = list(columns)
    cells = [
        class_column(column.indices, column.labels)
        if isinstance(column, ClassColumn)
        else [json_number(v) for v in column.tolist()]
        for column in columns.values()
    ]
    lines = [
        json.dumps(dict(zip(names, row, strict=True)), allow_nan=False)
        for row in zip(*cells, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def json_number(value: float) -> float | None:
    """JSON has no infinities: ``-inf`` (a masked class under --log) is written as null."""
    return value if math.isfinite(value) else None


def format_json_lines(
    values: FloatArray,
    labels: Sequence[str] | None,
    extra: Mapping[str, Sequence[object]] | None = None,
    nested: bool = True,
) -> bytes:
    """One JSON object or list per row, full float precision.

    Without ``extra`` a row is ``{label: value, ...}`` when labels are known, else a list.
    With ``extra`` (such as ``{"argmax": [...]}``) a row is
    ``{"probs": <that object or list>, key: value, ...}``, or with ``nested=False`` one
    flat object ``{label: value, ..., key: value, ...}``.
    """
    import json

    lines = []
    for index, row in enumerate(values.tolist()):
        numbers = [json_number(v) for v in row]
        named = dict(zip(labels, numbers, strict=True)) if labels else None
        body: object = numbers if named is None else named
        if extra:
            extras = {key: column[index] for key, column in extra.items()}
            if named is not None and not nested:
                body = {**named, **extras}
            else:
                body = {"probs": body, **extras}
        lines.append(json.dumps(body, allow_nan=False))
    return ("\n".join(lines) + "\n").encode() if lines else b""


class OutputSink:
    """Writes a stream of result chunks to a binary stream in one machine format.

    ``npy`` holds the same columns as CSV, classes as their indices, in one float64
    array; ``n_rows``, when known before the first row, lets its header be written
    first, else the output must be seekable. Use the sink as a context manager, or call
    ``close``, so that an array is finished even when the input stops early."""

    def __init__(self, stream: BinaryIO, fmt: str, precision: int, n_rows: int | None = None):
        if fmt not in MACHINE_FORMATS:
            raise ValueError(f"not a machine format: {fmt}")
        self.stream = stream
        self.fmt = fmt
        self.precision = precision
        self.delimiter = delimiter_for(fmt)
        self._array: NpyWriter | None = None
        self._closed = False
        if fmt == "npy":
            from softmax_cli.io.npy import NpyWriter

            self._array = NpyWriter(stream, n_rows)

    def __enter__(self) -> OutputSink:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if error is None:
            self.close()
            return
        with contextlib.suppress(OSError, ValueError):  # the first error is the one to show
            self.close()

    def close(self, n_columns: int = 0) -> None:
        """Finish the output: an array's header gets its final row count (an array of no
        rows has ``n_columns``)."""
        if self._array is not None:
            self._array.close(n_columns)

    def header(self, names: Sequence[str] | None) -> None:
        """Write the header line (CSV and TSV only, when names are known)."""
        if names and self.fmt in ("csv", "tsv"):
            self.stream.write(format_header(names, self.delimiter))

    def rows(
        self,
        values: FloatArray,
        labels: Sequence[str] | None,
        extra: Mapping[str, ClassColumn] | None = None,
        unit_interval: bool = False,
        nested: bool = True,
    ) -> None:
        """Write one chunk of rows, ``values`` of shape ``(n_rows, n_columns)``, then
        ``extra`` class columns; for JSON, ``nested`` puts the values under ``"probs"``
        when there are ``extra`` columns."""
        extra = extra or {}
        if self._array is not None:
            self._array.rows(np.column_stack([values, *(c.indices for c in extra.values())]))
        elif self.fmt == "json":
            classes = {key: class_column(c.indices, c.labels) for key, c in extra.items()}
            self.stream.write(format_json_lines(values, labels, classes, nested))
        elif extra:
            columns: list[Column] = [*values.T, *extra.values()]
            self.stream.write(format_columns(columns, self.precision, self.delimiter))
        else:
            self.stream.write(format_numbers(values, self.precision, self.delimiter, unit_interval))

    def columns(self, columns: Mapping[str, Column]) -> None:
        """Write one chunk of rows given as named columns of equal length: CSV and TSV
        cells in the order given, JSON one flat object per row keyed by the names."""
        if self._array is not None:
            parts = [c.indices if isinstance(c, ClassColumn) else c for c in columns.values()]
            self._array.rows(np.column_stack(parts))
        elif self.fmt == "json":
            self.stream.write(format_json_records(columns))
        else:
            self.stream.write(
                format_columns(list(columns.values()), self.precision, self.delimiter)
            )
