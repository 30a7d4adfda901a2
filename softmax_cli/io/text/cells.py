"""Lines into cells and cells into numbers: delimiters, splitting, and the general parsers
that take over when the vectorised one (``fastparse``) cannot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.io.text.fastparse import parse_number_block
from softmax_cli.io.text.numbers import parse_number

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray

AUTO_DELIMITERS = (",", "\t", ";")
WHITESPACE = " "  # as a delimiter: runs of spaces and tabs, like str.split()


def split_cells(line: str, delimiter: str) -> list[str]:
    """Split one line into cells; ``WHITESPACE`` means runs of whitespace."""
    if delimiter == WHITESPACE:
        return line.split()
    return line.split(delimiter)


def header_cells(line: str, delimiter: str) -> list[str]:
    """Split a first line, honouring CSV quotes (a header name may hold the delimiter)."""
    if delimiter == WHITESPACE:
        return line.split()
    import csv

    # csv refuses fields over 128 KiB; a field is never longer than its line, which is
    # in memory already, so allowing that much costs nothing more.
    if len(line) > csv.field_size_limit():
        csv.field_size_limit(len(line))
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]


def detect_delimiter(line: str) -> str:
    """Pick the delimiter of a first line: comma, tab or semicolon, else whitespace runs."""
    for candidate in AUTO_DELIMITERS:
        if candidate in line:
            return candidate
    return WHITESPACE


def parse_numeric_block(block: bytes, delimiter: str, width: int) -> FloatArray | None:
    """The vectorised parser on a block of lines ``width`` cells wide, for a comma or any
    single-character delimiter (not whitespace runs); ``None`` when it cannot take it.
    Its values are exactly ``float(cell)``, as the fallbacks' are."""
    if delimiter == ",":
        return parse_number_block(block, width)
    if delimiter != WHITESPACE and b"," not in block:
        return parse_number_block(block.replace(delimiter.encode(), b","), width)
    return None


def is_number(cell: str) -> bool:
    """Whether a cell is a valid logit (see ``parse_number``)."""
    try:
        parse_number(cell)
    except ValueError:
        return False
    return True


def valid_values(values: FloatArray) -> BoolArray:
    """Finite or ``-inf``: what a logit cell may be."""
    return np.isfinite(values) | np.isneginf(values)


def loadtxt_rows(texts: list[str], delimiter: str | None, width: int) -> FloatArray | None:
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
    if values.shape != (len(texts), width) or not valid_values(values).all():
        return None
    return values
