"""Decimal to binary, exactly: the double nearest to ``m * 10**q`` for arrays of ``m``
(uint64, below 10**19) and ``q`` (int64), which is what ``float()`` gives for the decimal
string they came from (round to nearest, ties to even). Each cell takes the cheapest path
that is provably exact:

* **Clinger's fast path.** With m < 2**53 and |q| <= 22 both m and 10**|q| are doubles,
  so one IEEE division or multiplication rounds once, correctly.
* **x87 long double** (64-bit significand), where the platform really has it
  (``long_double_powers``). ``L = m * 10**q`` (or ``m / 10**-q``) in one long-double
  operation, then ``D = RN53(L)``. A midpoint between two adjacent doubles has 54
  significant bits, so it is a long double, and inside L's binade it is exactly the
  pattern r = 0x400 of the 11 low bits that rounding to 53 bits drops. For |q| <= 27 the
  power is exact (5**27 < 2**63) and L = RN64(x); RN64 is monotone and fixes every long
  double, so D can differ from RN53(x) only if a midpoint lies between x and L, which
  forces L to be that midpoint: r != 0x400 proves D correct. For |q| > 27 the power is
  rounded (relative error <= 2**-64) and |L - x| < 1.5 units in L's last place, so a
  midpoint between them is within 1.5 units of L: |r - 0x400| > 2 proves D correct. The
  argument does not hold for subnormal doubles: results at or below the smallest normal
  double take the slow path. Overflow needs no care: the midpoint between the largest
  double and 2**1024 is a 54-bit number too, so D is infinite exactly when ``float()`` is.
* **The slow path**, ``float()`` on the cell's text, for the cells the checks above flag
  (about 1 in 5,000 of repr's cells, none of ``%.6f`` or ``%.18e``) and those the caller
  sends (too long, too many digits); everything but Clinger's cells where the platform
  has no usable long double (MSVC, aarch64's double or quad ``long double``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray, UIntArray

    LongDoubleArray = npt.NDArray[np.longdouble]

_U64 = np.uint64
_CLINGER_MAX_Q = 22  # 10**22 < 2**53 * 2**22 is the largest power of ten that is a double
_EXACT_POWER_MAX_Q = 27  # 10**27 = 2**27 * 5**27 with 5**27 < 2**63: exact in 64 bits
_MAX_POWER = 400  # |q| beyond it is clipped: m * 10**-400 is 0 and m * 10**400 infinite
_SMALLEST_NORMAL = 2.2250738585072014e-308
_MIDPOINT = 0x400  # the dropped 11 bits of a long double that lies half-way
_NO_SUBNORMAL_Q = -300  # m >= 1 and q >= -300 give x > 2**-1022
_NO_OVERFLOW_Q = 280  # m < 10**19 and q <= 280 give x < 10**299
_CELL = rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


class Doubles(NamedTuple):
    """The converted values, shape ``(n_cells,)``, the cells that must go the slow way
    after all, and whether a value may have overflowed to infinity."""

    values: FloatArray
    slow: BoolArray
    may_overflow: bool


def _long_double_works() -> bool:
    """Whether ``np.longdouble`` is x87's 80-bit format in 16 bytes (significand first),
    converts uint64 exactly, computes with 64-bit precision (not 53) and rounds
    correctly."""
    if np.finfo(np.longdouble).nmant != 63 or np.dtype(np.longdouble).itemsize != 16:
        return False
    big = np.array([2**64 - 1, 2**63 + 1], np.uint64).astype(np.longdouble)
    one = np.longdouble(1)
    tiny = np.longdouble(2) ** -63
    third = np.array([1], np.uint64).astype(np.longdouble) / np.longdouble(3)
    return (
        big.view(np.uint64)[::2].tolist() == [2**64 - 1, 2**63 + 1]
        and (one + tiny) - one == tiny
        and int(third.view(np.uint64)[0]) == 0xAAAAAAAAAAAAAAAB
    )


def power_of_ten_64(k: int) -> tuple[int, int]:
    """``10**k`` (k >= 0) rounded to 64 significant bits, ties to even, as (significand,
    binary exponent): built from Python's exact integers."""
    power = 10**k
    shift = max(power.bit_length() - 64, 0)
    top, rest = power >> shift, power & ((1 << shift) - 1)
    half = 1 << shift >> 1
    if shift and (rest > half or (rest == half and top & 1)):
        top += 1  # may become 2**64: still exact as a long double
    return top, shift


@functools.cache
def long_double_powers() -> LongDoubleArray | None:
    """``10**k`` for k = 0 … 400 as long doubles rounded to 64 bits, or ``None`` when the
    platform's long double is not the x87 format this module's proof needs. Built on
    first use: a run whose numbers all take Clinger's path never pays for it."""
    if not _long_double_works():
        return None
    two = np.longdouble(2)
    powers = [power_of_ten_64(k) for k in range(_MAX_POWER + 1)]
    return np.array([np.longdouble(top) * two**shift for top, shift in powers])


@functools.cache
def _double_powers() -> FloatArray:
    """``10**k`` for k = 0 … 22, every one a double exactly."""
    return np.array([float(10**k) for k in range(_CLINGER_MAX_Q + 1)])


def to_double(mantissa: UIntArray, q: IntArray, slow: BoolArray) -> Doubles:
    """The double nearest to ``mantissa * 10**q`` for each cell but the ``slow`` ones
    (whose values are meaningless), and the cells that the checks send the slow way."""
    q_min, q_max = int(q.min()), int(q.max())
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        fits = mantissa < _U64(2**53)
        if q_min < -_CLINGER_MAX_Q or q_max > _CLINGER_MAX_Q:
            fits &= np.abs(q) <= _CLINGER_MAX_Q
        fits |= slow
        if bool(fits.all()):
            return Doubles(_clinger(mantissa, q, slow, q_max), slow, False)
        powers = long_double_powers()
        if powers is None:
            slow = slow | ~fits
            return Doubles(_clinger(mantissa, q, slow, q_max), slow, False)
        return _long_double(mantissa, q, slow, powers, q_min, q_max)


def _clinger(mantissa: UIntArray, q: IntArray, slow: BoolArray, q_max: int) -> FloatArray:
    """One correctly rounded division or multiplication by an exact power of ten, for
    cells with m < 2**53 and |q| <= 22 (others are ``slow``)."""
    if slow.any():
        q = np.where(slow, 0, q)  # a valid index into the powers
    powers = _double_powers()
    values = mantissa.astype(np.float64)
    if q_max > 0:
        values /= np.take(powers, np.where(q < 0, -q, 0))
        values *= np.take(powers, np.where(q > 0, q, 0))  # one of the two is 10**0
    else:
        values /= np.take(powers, -q)
    return values


def _long_double(
    mantissa: UIntArray,
    q: IntArray,
    slow: BoolArray,
    powers: LongDoubleArray,
    q_min: int,
    q_max: int,
) -> Doubles:
    """``RN53(RN64(m * 10**q))``, with the cells where that double rounding might differ
    from ``RN53(m * 10**q)`` (see the module docstring), and subnormal results, sent slow."""
    exponent = np.abs(q) if q_max > 0 else -q
    if q_min < -_MAX_POWER or q_max > _MAX_POWER:
        np.minimum(exponent, _MAX_POWER, out=exponent)
    power = np.take(powers, exponent)
    wide = mantissa.astype(np.longdouble)
    if q_max > 0:
        wide = np.where(q > 0, wide * power, wide / power)
    else:
        wide /= power
    values = wide.astype(np.float64)
    dropped = wide.view(np.uint64)[::2] & _U64(0x7FF)  # the significand's low 11 bits
    risky = dropped == _U64(_MIDPOINT)
    if q_min < -_EXACT_POWER_MAX_Q or q_max > _EXACT_POWER_MAX_Q:
        dropped -= _U64(_MIDPOINT - 2)  # wraps around below: |r - 0x400| <= 2 is <= 4
        risky |= (dropped <= _U64(4)) & (exponent > _EXACT_POWER_MAX_Q)
    slow = slow | risky
    if q_min < _NO_SUBNORMAL_Q:
        tiny = values <= _SMALLEST_NORMAL
        tiny &= mantissa != 0
        slow |= tiny
    return Doubles(values, slow, q_max > _NO_OVERFLOW_Q)


@functools.cache
def _cell_grammar() -> re.Pattern[bytes]:
    return re.compile(_CELL)


def float_cells(
    block: bytes, starts: Sequence[int], stops: Sequence[int], unchecked: Sequence[bool]
) -> FloatArray | None:
    """``float()`` of the cells ``block[start:stop]``; ``None`` when a cell whose grammar
    is ``unchecked`` breaks it, or when a value is infinite."""
    texts = [block[start:stop] for start, stop in zip(starts, stops, strict=True)]
    grammar = _cell_grammar()
    for text, check in zip(texts, unchecked, strict=True):
        if check and grammar.fullmatch(text) is None:
            return None
    values = np.array([float(text) for text in texts], dtype=np.float64)
    if np.isinf(values).any():
        return None
    return values
