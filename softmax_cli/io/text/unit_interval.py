"""Probabilities as fixed-point text: values in [0, 1] written as ``%.{precision}f`` rows
by array arithmetic, the formatter behind every probability a command writes as CSV/TSV."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, UIntArray


# Below 2**40 units v * 10**p is off by at most 2**-13 of a unit (one rounding of a
# product below 2**40), so a value further than this from a half-way point rounds as
# its exact decimal value does; the few closer are rounded by Python's own formatting.
_NEAR_HALF = 2.0**-10


def rounded_units(scaled: FloatArray, values: FloatArray, precision: int) -> FloatArray:
    """``scaled`` (``values * 10**precision`` as float64 computes it, below 2**40 in
    magnitude where finite) rounded to whole units exactly as ``%.{precision}f`` rounds
    ``values``: half to even on the exact binary value, not on the rounded product.
    ``np.rint`` is right except within ``_NEAR_HALF`` of a half-way point; those values
    (a handful in a million) are formatted by Python to find their digits."""
    units = np.rint(scaled)
    with np.errstate(invalid="ignore"):  # inf - inf: nan, never near
        distance = np.subtract(scaled, units)  # within [-0.5, 0.5]
    np.abs(distance, out=distance)
    near = distance > 0.5 - _NEAR_HALF
    if near.any():
        flat_units, flat_values = units.reshape(-1), values.reshape(-1)
        for index in np.flatnonzero(near).tolist():
            digits = f"{flat_values[index]:.{precision}f}".replace(".", "")
            flat_units[index] = int(digits)
    return units


def format_unit_interval(values: FloatArray, precision: int, delimiter: str) -> bytes:
    """Format values in [0, 1] as ``%.{precision}f`` text rows without per-value formatting.

    Each value is scaled to an integer count of ``10**-precision`` units and its digits
    are written with array arithmetic, never one value at a time: for precision 8, the
    default, eight digits at once (``_unit_interval_8``), else one digit position at a
    time. ``values`` has shape ``(n_rows, n_columns)``; every row ends in a newline.
    """
    if precision == 8:
        return _unit_interval_8(values, delimiter)
    return _unit_interval_by_digit(values, precision, delimiter)


def _unit_interval_by_digit(values: FloatArray, precision: int, delimiter: str) -> bytes:
    """``format_unit_interval`` for any precision: the digits into a byte matrix, one
    position at a time."""
    n_rows, n_columns = values.shape
    units = rounded_units(values * 10.0**precision, values, precision).astype(np.int64)
    width = 2 + (precision + 1 if precision else 0)  # "0", delimiter, "." and digits
    cells = np.empty((n_rows, n_columns, width), np.uint8)
    cells[:, :, 0] = 48 + units // 10**precision
    if precision:
        cells[:, :, 1] = ord(".")
        remainder = units % 10**precision
        for position in range(width - 2, 1, -1):
            cells[:, :, position] = 48 + remainder % 10
            remainder //= 10
    cells[:, :, -1] = ord(delimiter)
    cells[:, -1, -1] = ord("\n")
    return cells.tobytes()


@functools.cache
def _cell_8() -> np.dtype[np.void]:
    """One ``%.8f`` cell of a value in [0, 1] and its delimiter, 11 bytes: "0" or "1",
    ".", eight digits written as one unaligned uint64, the delimiter."""
    names, formats = ["whole", "dot", "digits", "end"], ["u1", "u1", "<u8", "u1"]
    return np.dtype({"names": names, "formats": formats, "offsets": [0, 1, 2, 10], "itemsize": 11})


def eight_ascii_digits(fraction: UIntArray) -> UIntArray:
    """Numbers below 10**8 as their eight ASCII digits, zero-padded, in the bytes of a
    little-endian uint64 (first digit first). SWAR: two 4-digit lanes, split into four
    2-digit and then eight 1-digit lanes by multiply-shift divisions that are exact for
    the lanes' ranges (x * 5243 >> 19 is x // 100 below 43,699; x * 103 >> 10 is x // 10
    below 179), none of which carries into the next lane."""
    high = fraction // np.uint64(10**4)
    v: UIntArray = high | ((fraction - high * np.uint64(10**4)) << np.uint64(32))
    q = ((v * np.uint64(5243)) >> np.uint64(19)) & np.uint64(0x0000007F0000007F)
    v = q | ((v - q * np.uint64(100)) << np.uint64(16))
    t = ((v * np.uint64(103)) >> np.uint64(10)) & np.uint64(0x000F000F000F000F)
    v = t | ((v - t * np.uint64(10)) << np.uint64(8))
    v |= np.uint64(0x3030303030303030)
    return v


def _unit_interval_8(values: FloatArray, delimiter: str) -> bytes:
    """``format_unit_interval`` at precision 8: the same units, written a cell at a time
    as records of ``_cell_8``."""
    n_rows, n_columns = values.shape
    units = rounded_units(values * 1e8, values, 8).astype(np.int64).ravel().view(np.uint64)
    whole = units >= np.uint64(10**8)  # 1.00000000
    cells = np.empty(units.size, _cell_8())
    cells["whole"] = whole
    cells["whole"] += ord("0")
    cells["dot"] = ord(".")
    cells["digits"] = eight_ascii_digits(units - whole * np.uint64(10**8))
    ends = cells["end"].reshape(n_rows, n_columns)
    ends[:, :-1] = ord(delimiter)
    ends[:, -1] = ord("\n")
    return cells.tobytes()
