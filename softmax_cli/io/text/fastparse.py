"""A vectorised parser for blocks of CSV numbers, exactly rounded: bit for bit ``float()``.

``parse_number_block(block, n_columns)`` takes complete lines, each ending in ``\\n``,
cells separated by ``,``, and returns their values as a float64 array of shape
``(n_rows, n_columns)``, or ``None`` when the block is not simply good: a cell outside

    [+-]? ( digits [ "." digits* ] | "." digits ) ( [eE] [+-]? digits )?

(spaces, ``inf``, ``nan``, ``_``, hex, an empty cell), a ragged line, or a cell that
``float()`` turns into an infinity. It never raises on bad data; the caller falls back to
the general parsers, which also locate errors. Every style programs write numbers in
(``%.6f``, ``%.18e``, ``%g``, Python's repr, ...) is parsed here.

How, in array operations over the whole block (about 150 of them per block):

1. Cells end at ``,`` and ``\\n``; each is gathered right-aligned into a window of 16 or
   32 bytes (one fancy index of an unaligned ``V16``/``V32`` view of the block).
2. Each class of byte (digit, ``.``, ``-``, ``+``, ``e``/``E``) becomes one bit per window
   byte, packed into a 16- or 32-bit mask per cell, so the grammar is checked with bit
   arithmetic and popcounts give the digit counts.
3. ``swar_digits`` reads the digits, eight per multiply-shift, into ``m`` and ``q`` with
   ``x = m * 10**q`` exactly.
4. ``exact_double`` rounds ``m * 10**q`` to the nearest double, provably exactly, or
   sends the cell to ``float()``.

Cells beyond the fast path (longer than 32 bytes, more than 19 mantissa digits with
leading zeros counted, an exponent part longer than 8 bytes) are converted by ``float()``
after a regular expression checks their grammar, and so are the few cells with an
exponent or a ``+`` among many without (repr and ``%g`` write ``1e-05``): still exact.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.io.text.exact_double import float_cells, to_double
from softmax_cli.io.text.swar_digits import CellLayout, decimal_parts

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, ByteArray, FloatArray, IntArray, MaskArray

_NEWLINE, _PLUS, _COMMA, _MINUS, _DOT, _ZERO = b"\n+,-.0"
_PAD = 32  # zero bytes before the block, so that every window starts inside the buffer
_MAX_DIGITS = 19  # 10**19 - 1 < 2**64: m fits uint64
_MAX_SUFFIX = 8  # "e-1234567": the exponent ends the last 8-byte group
RARE_EXPONENTS = 32  # up to this many bytes e, E or + in a block go the slow way
_LITTLE_ENDIAN = sys.byteorder == "little"  # the SWAR arithmetic reads words that way


class _Cells(NamedTuple):
    """Where a block's cells are: the offset of each one's ``,`` or ``\\n`` and its
    length, shape ``(n_cells,)``, and the number of lines."""

    ends: IntArray
    lengths: IntArray
    n_rows: int


class _Classes(NamedTuple):
    """One mask per cell and byte class, bit j for byte j of the cell's window; ``None``
    for a class that no byte of the block is in."""

    digit: MaskArray
    minus: MaskArray
    dot: MaskArray | None
    plus: MaskArray | None
    exp: MaskArray | None


def parse_number_block(block: bytes, n_columns: int) -> FloatArray | None:
    """Parse ``block`` (complete lines, comma-separated) into shape ``(n_lines,
    n_columns)``, each value exactly ``float(cell)``; ``None`` when a cell is not a finite
    number of the grammar above or a line is ragged. Never raises on bad data."""
    cells = _find_cells(block, n_columns) if _LITTLE_ENDIAN else None
    if cells is None:
        return None
    ends, lengths, n_rows = cells
    width = 16 if int(lengths.max()) <= 16 else 32
    win = _windows(block, ends, width)
    exempt = lengths > width  # cells whose grammar a regular expression checks instead
    has_exp = b"e" in block or b"E" in block
    has_plus = b"+" in block
    if has_exp or has_plus:
        rare = _rare_cells(block, ends)
        if rare is not None:  # cheaper than the exponent machinery for the whole block
            exempt[rare] = True
            has_exp = has_plus = False
    classes = _classify(win, width, b"." in block, has_plus, has_exp)
    checked = _check_grammar(classes, lengths, width, exempt)
    if checked is None:
        return None
    layout, negative, slow = checked
    mantissa, q = decimal_parts(win, width, layout, slow)
    doubles = to_double(mantissa, q, slow)
    values = doubles.values
    # The sign bit last ("-0" is -0.0): rounding to nearest is symmetric.
    values.view(np.uint64)[:] |= negative.astype(np.uint64) << np.uint64(63)
    if doubles.slow.any():
        index = np.flatnonzero(doubles.slow)
        stops = ends[index]
        starts = stops - lengths[index]
        exact = float_cells(block, starts.tolist(), stops.tolist(), exempt[index].tolist())
        if exact is None:
            return None
        values[index] = exact
    if doubles.may_overflow and np.isinf(values).any():
        return None
    return values.reshape(n_rows, n_columns)


def _find_cells(block: bytes, n_columns: int) -> _Cells | None:
    """The cells' ends and lengths; ``None`` unless every line ends in ``\\n`` and has
    ``n_columns`` cells."""
    if not block or block[-1] != _NEWLINE or n_columns < 1:
        return None
    buf = np.frombuffer(block, np.uint8)
    is_newline = buf == _NEWLINE
    ends = np.flatnonzero(is_newline | (buf == _COMMA))
    n_rows = int(np.count_nonzero(is_newline))
    # n_rows * n_columns ends, and every n_columns-th one a newline: no ragged line
    if ends.size != n_rows * n_columns or not is_newline[ends[n_columns - 1 :: n_columns]].all():
        return None
    lengths = np.empty_like(ends)
    lengths[0] = ends[0]
    np.subtract(ends[1:], ends[:-1], out=lengths[1:])
    lengths[1:] -= 1
    return _Cells(ends, lengths, n_rows)


def _windows(block: bytes, ends: IntArray, width: int) -> ByteArray:
    """Each cell right-aligned in ``width`` bytes, after the bytes before it (the end of
    the previous cell, or zeros): ``n_cells * width`` bytes. Gathering from an unaligned
    ``V{width}`` view costs about half of a two-dimensional strided gather."""
    size = len(block)
    padded = np.empty(size + _PAD, np.uint8)
    padded[:_PAD] = 0
    padded[_PAD:] = np.frombuffer(block, np.uint8)
    view = np.ndarray((size + _PAD - width + 1,), f"V{width}", padded, 0, (1,))
    windows: ByteArray = view[ends + (_PAD - width)].view(np.uint8)
    return windows


def _rare_cells(block: bytes, ends: IntArray) -> IntArray | None:
    """The cells holding ``e``, ``E`` or ``+``, when the block has at most
    ``RARE_EXPONENTS`` such bytes (``bytes.find`` skips the rest at ``memchr`` speed)."""
    positions: list[int] = []
    for char in b"eE+":
        at = block.find(char)
        while at >= 0:
            if len(positions) == RARE_EXPONENTS:
                return None
            positions.append(at)
            at = block.find(char, at + 1)
    return np.searchsorted(ends, positions)


def _classify(win: ByteArray, width: int, has_dot: bool, has_plus: bool, has_exp: bool) -> _Classes:
    """The byte classes of every window as bit masks (``np.packbits``, little bit order).
    Classes absent from the block are not computed."""
    masks = np.uint16 if width == 16 else np.uint32
    flags = np.empty(win.size, dtype=bool)  # reused for each class: it stays in cache
    scratch = np.empty(win.size, dtype=np.uint8)

    def pack() -> MaskArray:
        packed: MaskArray = np.packbits(flags, bitorder="little").view(masks)
        return packed

    np.subtract(win, np.uint8(_ZERO), out=scratch)
    np.less(scratch, 10, out=flags)  # "0" to "9"; the others wrap around above
    digit = pack()
    np.equal(win, _MINUS, out=flags)
    minus = pack()
    dot = plus = exp = None
    if has_dot:
        np.equal(win, _DOT, out=flags)
        dot = pack()
    if has_plus:
        np.equal(win, _PLUS, out=flags)
        plus = pack()
    if has_exp:
        np.bitwise_or(win, np.uint8(0x20), out=scratch)  # "E" to "e"
        np.equal(scratch, ord("e"), out=flags)
        exp = pack()
    return _Classes(digit, minus, dot, plus, exp)


@functools.cache
def _cell_masks(width: int) -> MaskArray:
    """For each length n = 0 … width, the mask of a window's last n bytes."""
    full = (1 << width) - 1
    masks = [full ^ ((1 << (width - n)) - 1) for n in range(width + 1)]
    return np.array(masks, dtype=np.uint16 if width == 16 else np.uint32)


def _check_grammar(
    classes: _Classes, lengths: IntArray, width: int, exempt: BoolArray
) -> tuple[CellLayout, BoolArray, BoolArray] | None:
    """Check every cell but the ``exempt`` ones against the grammar, by bit arithmetic on
    its masks; return the cells' layout, which are negative and which must take the slow
    path, or ``None`` for a bad cell.

    With ``x & -x`` the lowest bit (a cell's first byte), ``e - 1`` the bits before the
    ``e`` and ``-(e << 1)`` the bits after it: every byte in some class, at most one dot
    and one ``e``, the dot before the ``e``, signs only first or right after the ``e``,
    a digit in the mantissa, and one in the exponent if there is an ``e``."""
    digit, minus, dot, plus, exp = classes
    cell = np.take(_cell_masks(width), np.minimum(lengths, width))
    one = cell.dtype.type(1)
    known = digit | minus
    for mask in (dot, plus, exp):
        if mask is not None:
            known |= mask
            mask &= cell
    bad = known & cell
    bad ^= cell  # the cell's bytes in no class
    digit &= cell
    sign = minus & cell
    if plus is not None:
        sign |= plus
    first = cell & -cell
    sign_ok = first
    mant_digits = digit
    exp_part = negative_exponent = suffix = None
    if exp is not None:
        bad |= exp & (exp - one)  # two e
        after_e = exp << one  # 0 without an e (or with one as the last byte)
        sign_ok = first | after_e
        before_e = exp - one  # all ones without an e
        exp_part = cell & -after_e
        mant_digits = digit & before_e
        negative_exponent = (minus & after_e) != 0
        if dot is not None:
            bad |= dot & ~before_e  # a dot in the exponent
    if dot is not None:
        bad |= dot & (dot - one)  # two dots
    bad |= sign & ~sign_ok  # a sign out of place
    bad_cells = bad != 0
    bad_cells |= mant_digits == 0
    if exp is not None and exp_part is not None:
        bad_cells |= (exp != 0) & ((exp_part & digit) == 0)  # an e without digits
    bad_cells &= ~exempt
    if bad_cells.any():
        return None
    n_digits = popcount(mant_digits)
    slow = exempt | (n_digits > _MAX_DIGITS)
    n_frac = None if dot is None else popcount(mant_digits & -(dot << one))
    if exp is not None and exp_part is not None:
        suffix = popcount(exp_part | exp)  # "e", a sign, digits
        slow |= suffix > _MAX_SUFFIX
    layout = CellLayout(digit, dot, n_digits, n_frac, suffix, negative_exponent)
    return layout, (minus & first) != 0, slow


def popcount(masks: MaskArray) -> IntArray:
    """The number of bits set in each mask (``np.bitwise_count`` from NumPy 2.0 on)."""
    counts: IntArray
    if hasattr(np, "bitwise_count"):
        counts = np.bitwise_count(masks).astype(np.int64)
    else:
        counts = np.unpackbits(masks.view(np.uint8)).reshape(len(masks), -1).sum(1, np.int64)
    return counts
