"""Turning result arrays into CSV, TSV or JSON Lines text, chunk by chunk."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.io.text.text_columns import (
    FIXED_MAX_PRECISION,
    ClassColumn,
    Column,
    format_columns,
    format_header,
)
from softmax_cli.io.text.unit_interval import format_unit_interval

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.io.formats.npy import NpyWriter


MACHINE_FORMATS = ("csv", "tsv", "json", "npy")


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
    if unit_interval and precision <= FIXED_MAX_PRECISION:
        return format_unit_interval(values, precision, delimiter)
    template = delimiter.join([f"%.{precision}f"] * n_columns) + "\n"
    text: str = (template * n_rows) % tuple(values.ravel().tolist())
    return text.encode()


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
            from softmax_cli.io.formats.npy import NpyWriter

            self._array = NpyWriter(stream, n_rows)

    def __enter__(self) -> OutputSink:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if error is None:
            self.close()
            return
        # The first error is the one to show: a closed pipe, or a bad cell, is not hidden
        # by the array's rows falling short of its header, which follows from it.
        with contextlib.suppress(Exception):
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
