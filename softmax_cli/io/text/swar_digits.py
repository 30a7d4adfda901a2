"""The digits of number cells, read eight at a time: each cell's ``m`` and ``q`` with
``x = m * 10**q`` exactly.

The input is every cell right-aligned in a window of ``width`` = 16 or 32 bytes, its
grammar already checked (``fastparse``), and the layout of its digits, dot and exponent.
Digit bytes keep their value (the low nibble), every other byte becomes 0, and a SWAR
multiply-shift turns each 8-byte word into an 8-digit group G < 10**8. The groups fold into
``m``, the digit string as an integer (leading zeros allowed), in uint64: exact, since the
fast path takes at most 19 digits and 10**19 - 1 < 2**64.

The dot is taken out of the digit string in the cheapest way the block allows:

* the same dot position in every cell (``%.6f``, ``%.18e``): the dot reads as a 0 digit,
  and the one group holding it is split at the dot by constant divisions;
* integer parts of at most 3 digits (repr of small numbers): the dot reads as a 0 digit,
  so ``I.F`` with ``f`` fraction digits reads ``N = I * 10**(f+1) + F``; ``I`` is read back
  from the bytes before the dot and ``m = N - 9 * 10**f * I = I * 10**f + F``, computed
  modulo 2**64 and exact because the true ``m`` < 2**64;
* otherwise every byte up to the dot takes the value of the byte before it.

An exponent's digits ``E`` end the last group, which then reads ``tail * 10**s + E`` with
``s = len("e[+-]E")`` and ``E < 10**(s-1)``; ``q = ±E - f``. Values of the cells marked
slow are meaningless (the caller replaces them), but never make the others wrong.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, ByteArray, IntArray, MaskArray, UIntArray

_U64 = np.uint64
_MAX_SHORT_INTEGER = 3  # digits before the dot that the read-back path takes


class CellLayout(NamedTuple):
    """What the grammar check learnt about each cell, arrays of shape ``(n_cells,)``.

    In a mask, bit j stands for byte j of the cell's window."""

    digit: MaskArray  # the digits, of the mantissa and of the exponent
    dot: MaskArray | None  # the dot; None when no cell of the block has one
    n_digits: IntArray  # mantissa digits, leading zeros counted
    n_frac: IntArray | None  # mantissa digits after the dot (None: no dot in the block)
    suffix: IntArray | None  # len("e[+-]E"), 0 without one (None: no exponent in the block)
    negative_exponent: BoolArray | None


@functools.cache
def _tables() -> tuple[UIntArray, UIntArray]:
    """10**k and 9 * 10**k modulo 2**64, for k up to a window's width."""
    powers = np.array([10**k % 2**64 for k in range(33)], dtype=np.uint64)
    return powers, np.array([9 * 10**k % 2**64 for k in range(33)], dtype=np.uint64)


def eight_digits(words: UIntArray) -> UIntArray:
    """In place: words of 8 digit values, one per byte with the first (little-endian) byte
    the most significant, become their value G < 10**8.

    SWAR: each multiply-shift merges neighbouring groups of 1, then 2, then 4 digits
    (``10 * high + low``) inside the word; no product leaves its lane."""
    words *= _U64(10 * 256 + 1)
    words >>= _U64(8)
    words &= _U64(0x00FF00FF00FF00FF)
    words *= _U64(100 * 65536 + 1)
    words >>= _U64(16)
    words &= _U64(0x0000FFFF0000FFFF)
    words *= _U64(10000 * 2**32 + 1)
    words >>= _U64(32)
    return words


@functools.cache
def _magic(k: int) -> tuple[int, int]:
    """Multiplier M and shift with ``g * M >> shift == g // 10**k`` for every g < 2**27
    (Granlund and Montgomery 1994, theorem 4.2, with N = 27 and l = ceil(log2 10**k))."""
    divisor = 10**k
    shift = 27 + (divisor - 1).bit_length()
    return (1 << shift) // divisor + 1, shift


def divide_group(group: UIntArray, k: int) -> UIntArray:
    """``group // 10**k`` for 8-digit groups (< 10**8 < 2**27) by a multiply and a shift:
    the product stays below 2**27 * 2**28, no overflow."""
    if k == 0:
        return group.copy()
    multiplier, shift = _magic(k)
    quotient = group * _U64(multiplier)
    quotient >>= _U64(shift)
    return quotient


def decimal_parts(
    win: ByteArray, width: int, layout: CellLayout, slow: BoolArray
) -> tuple[UIntArray, IntArray]:
    """Each cell's mantissa ``m`` and exponent ``q``, ``x = m * 10**q``, shape
    ``(n_cells,)`` each. ``win`` is the cells' windows, ``n_cells * width`` bytes, and is
    overwritten."""
    n_cells = len(layout.n_digits)
    words = _keep_digits(win, layout.digit)
    uniform_suffix = _uniform(layout.suffix, 8) if layout.suffix is not None else 0
    dot_byte = _uniform_dot_byte(layout, width, uniform_suffix)
    correction = None
    if layout.dot is not None and dot_byte is None:
        taken, correction = _short_integer_parts(win, width, layout, slow)
        if not taken:
            _shift_out_dot(win, words, layout.dot, width)
    groups = eight_digits(words).reshape(n_cells, width // 8)
    mantissa, exp_value = _fold(groups, dot_byte, uniform_suffix, layout.suffix)
    if correction is not None:
        mantissa -= correction
    return mantissa, _exponents(exp_value, layout)


def _keep_digits(win: ByteArray, digit: MaskArray) -> UIntArray:
    """Zero every byte of ``win`` that is not a digit and keep the digits' values; the
    windows as uint64 words."""
    mask = np.unpackbits(digit.view(np.uint8), bitorder="little").view(np.uint64)
    mask *= _U64(0x0F)
    words = win.view(np.uint64)
    words &= mask
    return words


def _uniform(counts: IntArray, limit: int) -> int | None:
    """The count shared by every cell, if there is one and it is at most ``limit``."""
    low, high = int(counts.min()), int(counts.max())
    return low if low == high and high <= limit else None


def _uniform_dot_byte(layout: CellLayout, width: int, suffix: int | None) -> int | None:
    """The window byte of the dot when every cell has it at the same place, and it is not
    in the group that holds an exponent."""
    if layout.dot is None or layout.n_frac is None or suffix is None:
        return None
    n_frac = _uniform(layout.n_frac, width)
    if n_frac is None or not bool((layout.dot != 0).all()):
        return None
    dot_byte = width - 1 - suffix - n_frac
    if suffix and dot_byte // 8 == width // 8 - 1:
        return None
    return dot_byte


def _short_integer_parts(
    win: ByteArray, width: int, layout: CellLayout, slow: BoolArray
) -> tuple[bool, UIntArray | None]:
    """Whether the dot can stay a 0 digit because every integer part ``I`` has at most 3
    digits, and then ``9 * 10**f * I`` for each cell ``I.F``, to subtract from the window
    read that way (``None`` when no cell has a digit before its dot: nothing to take)."""
    assert layout.dot is not None and layout.n_frac is not None
    dotted = layout.dot != 0
    n_int = layout.n_digits - layout.n_frac
    n_int *= dotted
    if slow.any():
        n_int *= ~slow  # a slow cell's counts may be garbage: they choose no path
    int_width = int(n_int.max())
    if int_width == 0:
        return True, None
    if int_width > _MAX_SHORT_INTEGER:
        return False, None
    dot_at = (width - 1) - layout.n_frac  # the dot's byte in its window
    if layout.suffix is not None:
        dot_at -= layout.suffix
    if int(dot_at.min()) < int_width:
        return False, None  # a read would leave the cell's window (the previous cell's bytes)
    dot_at += np.arange(0, len(dot_at) * width, width)
    int_part = win[dot_at - 1].astype(np.uint64)
    for j in range(2, int_width + 1):
        int_part += win[dot_at - j].astype(np.uint64) * _U64(10 ** (j - 1))
    int_part *= dotted
    nine_powers = np.take(_tables()[1], layout.n_frac)
    nine_powers *= int_part
    return True, nine_powers


def _shift_out_dot(win: ByteArray, words: UIntArray, dot: MaskArray, width: int) -> None:
    """In place: in cells with a dot, every byte up to the dot takes the value of the byte
    before it (a window's first byte becomes 0), so the digits close up."""
    upto_dot = dot | (dot - dot.dtype.type(1))
    upto_dot *= dot != 0  # dot - 1 is all ones without a dot
    select = np.unpackbits(upto_dot.view(np.uint8), bitorder="little").view(np.uint64)
    select *= _U64(0xFF)
    shifted = np.empty_like(win)
    shifted[1:] = win[:-1]
    shifted[::width] = 0
    shifted_words = shifted.view(np.uint64)
    shifted_words ^= words  # blend: words ^ ((shifted ^ words) & select)
    shifted_words &= select
    words ^= shifted_words


def _fold(
    groups: UIntArray, dot_byte: int | None, suffix: int | None, suffixes: IntArray | None
) -> tuple[UIntArray, UIntArray | None]:
    """The 8-digit groups of each window, shape ``(n_cells, n_words)``, as one integer
    ``m``, leaving out a dot that reads as a 0 digit at ``dot_byte`` and the exponent
    ``E`` (returned apart) when there are ``suffixes``; ``suffix`` is their common value."""
    n_words = groups.shape[1]
    chunks: list[tuple[UIntArray, int | UIntArray]] = []  # (digits' value, 10**n_digits)
    exp_value = None
    for k in range(n_words):
        group = groups[:, k]
        if dot_byte is not None and k == dot_byte // 8:
            after = 7 - dot_byte % 8  # digits of this group after the dot
            high = divide_group(group, after + 1)
            chunks += [
                (high, 10 ** (7 - after)),
                (group - high * _U64(10 ** (after + 1)), 10**after),
            ]
        elif k == n_words - 1 and suffixes is not None:
            tail, exp_value, scale = _split_exponent(group, suffix, suffixes)
            chunks.append((tail, scale))
        else:
            chunks.append((group, 10**8))
    mantissa = chunks[0][0].copy()
    for values, scale in chunks[1:]:
        if isinstance(scale, int):
            if scale == 1:
                continue  # no digits: the dot's 0, or a tail all exponent
            mantissa *= _U64(scale)
        else:
            mantissa *= scale
        mantissa += values
    return mantissa, exp_value


def _split_exponent(
    group: UIntArray, suffix: int | None, suffixes: IntArray
) -> tuple[UIntArray, UIntArray, int | UIntArray]:
    """The last group ``G = tail * 10**s + E`` split into ``tail``, ``E`` and
    ``10**(8 - s)``, the scale of ``tail``'s digits (an array when ``s`` differs between
    cells; ``suffix`` is ``s`` when it does not)."""
    if suffix is not None:
        tail = divide_group(group, suffix)
        return tail, group - tail * _U64(10**suffix), 10 ** (8 - suffix)
    # In float64: G / 10**s = tail + E / 10**s with E / 10**s < 0.1, and the division is
    # off by less than 10**8 * 2**-53, so rint(G / 10**s - 0.05) is exactly tail.
    powers = _tables()[0]
    s = np.minimum(suffixes, 8)  # longer suffixes are slow cells
    last = group.astype(np.float64)
    power = np.take(powers, s).astype(np.float64)
    rounded = last / power
    rounded -= 0.05
    np.rint(rounded, out=rounded)
    exp_value = (last - rounded * power).astype(np.uint64)
    return rounded.astype(np.uint64), exp_value, np.take(powers, 8 - s)


def _exponents(exp_value: UIntArray | None, layout: CellLayout) -> IntArray:
    """``q = ±E - f``: the exponent's value with its sign, less the fraction digits."""
    if exp_value is None or layout.negative_exponent is None:
        if layout.n_frac is None:
            return np.zeros(len(layout.n_digits), np.int64)
        return -layout.n_frac
    q = exp_value.view(np.int64)
    flip = -layout.negative_exponent.astype(np.int64)  # -1 where the exponent is negative
    q ^= flip  # two's complement negation where flip is -1
    q -= flip
    if layout.n_frac is not None:
        q -= layout.n_frac
    return q
