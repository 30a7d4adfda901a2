"""The vectorised number parser: bit for bit ``float(cell)`` on every style, or ``None``.

Values are compared as ``.view(np.int64)``, so ``-0.0`` and ``0.0`` differ. The property
tests run the suite's default number of examples; the long run, 20,000 examples each
(about three minutes):

    python -m pytest tests/io/test_fastparse.py --hypothesis-profile=thorough
"""

from __future__ import annotations

import math
import random
import struct
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softmax_cli.io.text import exact_double, fastparse
from softmax_cli.io.text.fastparse import parse_number_block, popcount
from softmax_cli.io.text.swar_digits import divide_group

STYLES = {
    "repr": repr,
    "%.18e": lambda x: f"{x:.18e}",
    "%.17e": lambda x: f"{x:.17e}",
    "%g": lambda x: f"{x:g}",
    "%.17g": lambda x: f"{x:.17g}",
    "%.15g": lambda x: f"{x:.15g}",
    "%.6f": lambda x: f"{x:.6f}",
    "%.3f": lambda x: f"{x:.3f}",
    "%.20f": lambda x: f"{x:.20f}",
    "%E": lambda x: f"{x:E}",
}
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_block(cells: list[str], n_columns: int) -> bytes:
    rows = [",".join(cells[i : i + n_columns]) for i in range(0, len(cells), n_columns)]
    return ("\n".join(rows) + "\n").encode()


def assert_exact(cells: list[str], n_columns: int = 1) -> None:
    """The block parses to exactly ``float()`` of each cell, or to ``None`` exactly when
    ``float()`` overflows."""
    got = parse_number_block(make_block(cells, n_columns), n_columns)
    want = np.array([float(c) for c in cells]).reshape(-1, n_columns)
    if not np.isfinite(want).all():
        assert got is None
        return
    assert got is not None, cells[:20]
    assert got.shape == want.shape
    wrong = np.flatnonzero(got.view(np.int64) != want.view(np.int64))
    assert not wrong.size, [(cells[i], got.ravel()[i], want.ravel()[i]) for i in wrong[:5]]


@pytest.fixture(params=[0, fastparse.RARE_EXPONENTS], ids=["exponent-path", "rare-exponents"])
def rare(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of handling exponents: 0 sends every block with one through the
    vectorised exponent code, the default sends a few such cells to ``float()``."""
    monkeypatch.setattr(fastparse, "RARE_EXPONENTS", request.param)


finite = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)
interesting = st.one_of(
    finite,
    st.sampled_from(
        [
            *(0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308),
            *(1.7976931348623157e308, 1e23, 9007199254740993.0, 0.1, 1e-5, 123.456),
        ]
    ),
    st.floats(-1e3, 1e3),
    st.floats(-1e-3, 1e-3, allow_subnormal=True),
    st.integers(-(2**64), 2**64).map(float),
)


@SLOW
@given(
    values=st.lists(interesting, min_size=1, max_size=60),
    styles=st.lists(st.sampled_from(sorted(STYLES)), min_size=1, max_size=60),
    n_columns=st.integers(1, 6),
    exponent_path=st.booleans(),
)
def test_every_style_parses_to_exactly_float(
    values: list[float], styles: list[str], n_columns: int, exponent_path: bool
) -> None:
    """Mixed styles in one block: repr, %.18e, %g, %.6f, %.17g and more."""
    cells = [STYLES[styles[i % len(styles)]](v) for i, v in enumerate(values)]
    cells += cells[-1:] * (-len(cells) % n_columns)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastparse, "RARE_EXPONENTS", 0 if exponent_path else 32)
        assert_exact(cells, n_columns)


@SLOW
@given(values=st.lists(finite, min_size=1, max_size=40), style=st.sampled_from(sorted(STYLES)))
def test_one_style_per_block_parses_to_exactly_float(values: list[float], style: str) -> None:
    """Blocks of one style, as files are: the uniform-dot and uniform-exponent paths."""
    assert_exact([STYLES[style](v) for v in values])


digits = st.text("0123456789", max_size=22)


@st.composite
def grammar_cells(draw: st.DrawFn) -> str:
    """Any string of the grammar: up to 22-digit parts, up to 5-digit exponents."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole, fraction = draw(digits), draw(st.none() | digits)
    if not whole and not fraction:
        whole = draw(st.text("0123456789", min_size=1, max_size=3))
    exponent = draw(
        st.none()
        | st.tuples(
            st.sampled_from("eE"),
            st.sampled_from(["", "+", "-"]),
            st.text("0123456789", min_size=1, max_size=5),
        )
    )
    exponent_text = "" if exponent is None else "".join(exponent)
    return sign + whole + ("" if fraction is None else "." + fraction) + exponent_text


@SLOW
@given(cells=st.lists(grammar_cells(), min_size=1, max_size=40), exponent_path=st.booleans())
def test_grammar_strings_parse_to_exactly_float(cells: list[str], exponent_path: bool) -> None:
    """Not only what formatters write: leading zeros, 19+ digits, '5.', '.5', '+1E+0'."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastparse, "RARE_EXPONENTS", 0 if exponent_path else 32)
        assert_exact(cells)


HARD = [
    "9007199254740993", "9007199254740992.5", "2.2250738585072011e-308",
    "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308",
    "1.7976931348623157e+308", "1e23", "8.41e21", "0.1", "-0", "+.5", "5.", "1E5",
    "123456789012345678e-5", "-0.0", "0e0", "-0e-999", "1e-05", "5e-324", "-5e-324",
    "1e-400", "0.0000000000000000000000000001", "1.8446744073709551615",
    "18446744073709551615", "18446744073709551616", "9999999999999999999",
    "99999999999999999999e-1", "0.00012345678901234567", "1234567890123.4567",
    "12345678901234.567", "123.", ".123", "7e22", "7e23", "1e22", "4.35679e-10",
    "2.225073858507201e-308", "1E+00", "1e+0005", "3.0540e-5",
    "1.00000000000000011102230246251565404236316680908203125",
    "0.500000000000000166533453693773481063544750213623046875",
    "0.000000000000000000000000000000000000001", "0" * 40 + "1.5",
]  # fmt: skip


@pytest.mark.parametrize("cell", HARD)
def test_hard_cases(cell: str) -> None:
    assert_exact([cell])


def test_hard_cases_in_one_block(rare: None) -> None:
    assert_exact(HARD * 3, 3)


def test_overflow_gives_none() -> None:
    for cell in ["1e309", "1.7976931348623159e308", "-1e400", "1" * 400]:
        assert parse_number_block(make_block([cell, "1"], 2), 2) is None, cell


def near_midpoints(rng: random.Random, count: int) -> list[str]:
    """17 to 19 significant digits rounded down, up and to even from the exact midpoint
    between a random double and the next, subnormal and huge ones included: the cells
    that a double rounding would get wrong."""
    getcontext().prec = 60
    cells: list[str] = []
    while len(cells) < count:
        kind = rng.random()
        if kind < 0.05:
            bits = rng.getrandbits(52)  # subnormal
        elif kind < 0.1:
            bits = (2046 << 52) | rng.getrandbits(52)  # the top binade
        else:
            bits = rng.randrange(1, 2046) << 52 | rng.getrandbits(52)
        x = struct.unpack("<d", struct.pack("<Q", bits))[0]
        following = math.nextafter(x, math.inf)
        if not math.isfinite(following):
            continue
        mid = (Fraction(x) + Fraction(following)) / 2
        exact = Decimal(mid.numerator) / Decimal(mid.denominator)
        for significant in (17, 18, 19):
            step = Decimal(1).scaleb(exact.adjusted() - significant + 1)
            for rounding in ("ROUND_FLOOR", "ROUND_CEILING", "ROUND_HALF_EVEN"):
                text = format(exact.quantize(step, rounding=rounding), "e")
                cells.append(("-" if rng.random() < 0.3 else "") + text)
    return cells[:count]


def test_near_midpoints(rare: None) -> None:
    cells = near_midpoints(random.Random(12345), 3000)
    for start in range(0, len(cells), 600):
        assert_exact(cells[start : start + 600], 3)


def test_near_midpoints_without_exponent() -> None:
    """The exact-power branch of the long-double window (|q| <= 27)."""
    rng = random.Random(7)
    getcontext().prec = 60
    cells = []
    while len(cells) < 1200:
        x = rng.uniform(1e-3, 1e4)
        mid = (Fraction(x) + Fraction(math.nextafter(x, math.inf))) / 2
        exact = Decimal(mid.numerator) / Decimal(mid.denominator)
        for significant in (17, 18, 19):
            step = Decimal(1).scaleb(exact.adjusted() - significant + 1)
            for rounding in ("ROUND_FLOOR", "ROUND_CEILING"):
                cells.append(format(exact.quantize(step, rounding=rounding), "f"))
    assert_exact(cells, 2)


def test_exact_ties() -> None:
    """Decimal strings that are exactly a midpoint between two doubles (ties to even)."""
    rng = random.Random(11)
    getcontext().prec = 60
    cells = []
    for _ in range(600):
        value = Fraction(rng.randrange(2**53, 2**54) | 1) * Fraction(2) ** rng.randrange(-4, 11)
        text = (
            str(value)
            if value.denominator == 1
            else format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        )
        cells.append(("-" if rng.random() < 0.5 else "") + text)
    assert_exact(cells, 4)


def test_without_a_usable_long_double(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform guard's other branch: every cell off Clinger's path goes to float()."""
    monkeypatch.setattr(exact_double, "long_double_powers", lambda: None)
    rng = random.Random(3)
    cells = [repr(rng.gauss(0, 3)) for _ in range(500)]
    cells += [f"{rng.gauss(0, 1e10):.18e}" for _ in range(500)]
    assert_exact(cells, 4)
    assert_exact(near_midpoints(rng, 600), 4)


def test_long_double_powers_are_correctly_rounded() -> None:
    """Each 10**k of the table is the 64-bit rounding of the exact power (where the
    platform has x87 long doubles)."""
    powers = exact_double.long_double_powers()
    if powers is None:
        pytest.skip("no x87 long double on this platform")
    significands = powers.view(np.uint64)[::2].tolist()
    _, exponents = np.frexp(powers)
    for k, (significand, exponent) in enumerate(zip(significands, exponents.tolist(), strict=True)):
        top, shift = exact_double.power_of_ten_64(k)
        assert Fraction(significand) * Fraction(2) ** (exponent - 64) == Fraction(top) * 2**shift
        assert abs(Fraction(top) * 2**shift - 10**k) <= Fraction(2) ** (shift - 1), k


REJECT = [
    "nan", "inf", "-inf", "1e", "1e+", "--1", "1.2.3", "", " 1", "1 ", "0x10", "1_000",
    ".", "-", "+", "e5", ".e5", "1e5.0", "+-1", "1-", "1e5e5", "1..2", "1.2e+-3", "\u0661",
    "1,", "1\r", "\t1", "Infinity", "1e++5", "1d5", "1.5f",
]  # fmt: skip


@pytest.mark.parametrize("cell", REJECT)
def test_cells_outside_the_grammar_give_none(cell: str, rare: None) -> None:
    for cells, n_columns in (([cell], 1), (["1.5", cell, "2"], 3), ([cell, "-1.25e-3"], 2)):
        assert parse_number_block(make_block(cells, n_columns), n_columns) is None, cells


@pytest.mark.parametrize(
    ("block", "n_columns"),
    [
        (b"1,2\n3\n", 2),
        (b"1,2\n3,4,5\n", 2),
        (b"1,2\n3,4", 2),
        (b"", 2),
        (b"1,2\n\n", 2),
        (b"1,2\n3,4\n", 1),
        (b"1,2\n3,4\n", 0),
        (b"1," + b"1" * 40 + b"x\n", 2),  # a long cell, checked by the regular expression
    ],
)
def test_ragged_or_unfinished_blocks_give_none(block: bytes, n_columns: int) -> None:
    assert parse_number_block(block, n_columns) is None


def test_shape() -> None:
    parsed = parse_number_block(b"1,2\n3,-4e1\n", 2)
    assert parsed is not None and parsed.tolist() == [[1.0, 2.0], [3.0, -40.0]]


def test_long_cells_take_the_slow_path() -> None:
    assert_exact([f"{0.1:.40f}", "-" + "0" * 50 + "1.25", "1" * 30 + "e-30", f"{1e300:.6f}"], 2)


def test_windows_of_16_and_32_bytes() -> None:
    rng = random.Random(5)
    short = [f"{rng.uniform(-99, 99):.3f}" for _ in range(100)]
    assert_exact(short, 4)
    assert_exact(short[:50] + [f"{rng.uniform(-1e5, 1e5):.18e}" for _ in range(50)], 4)


@pytest.mark.parametrize(
    "styles", [("%.3f", "%.6f"), ("%.1f", "%.9f"), ("%.12f",), ("%.2f", "%.7f", "%.4f")]
)
def test_each_way_of_removing_the_dot(styles: tuple[str, ...], rare: None) -> None:
    """Long integer parts with different fraction lengths (the dot shifted out), short
    ones (the integer part read back) and one fixed format (the group split at the dot)."""
    rng = random.Random(len(styles))
    for magnitude in (1.0, 99.0, 9999.0, 1e7, 1e9):
        cells = [styles[i % len(styles)] % rng.uniform(-magnitude, magnitude) for i in range(400)]
        assert_exact(cells, 4)
        assert_exact([f"{c}e{rng.randrange(-30, 30)}" for c in cells], 4)


@pytest.mark.parametrize(
    "cells",
    [
        ["1", ".000000000000000"],  # found by hypothesis: the dot at byte 0 of a window
        ["1", ".000000000000005"],
        ["7", ".123456789012345", "12.5"],
        ["1", ".1234567890123456789012345678901"],  # 32 bytes, the dot at byte 0
        ["-1", "-.123456789012345", "1.", "-0."],
    ],
)
def test_dot_at_the_start_of_a_window(cells: list[str], rare: None) -> None:
    assert_exact(cells)
    assert_exact([f"{cell}e-3" for cell in cells])


def test_popcount_without_numpy_2() -> None:
    masks = np.array([0, 1, 0xFFFF, 0x8001, 0x1234], np.uint16)
    expected = [bin(m).count("1") for m in masks.tolist()]
    assert popcount(masks).tolist() == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(np, "bitwise_count")
        assert popcount(masks).tolist() == expected
        assert popcount(masks.astype(np.uint32) << np.uint32(16)).tolist() == expected


@pytest.mark.parametrize("k", range(9))
def test_dividing_a_group_by_a_power_of_ten(k: int) -> None:
    """The multiply-shift division, on every 9,973rd group below 10**8 and the edges."""
    groups = np.concatenate(
        [
            np.arange(0, 10**8, 9973, dtype=np.uint64),
            np.array([10**k - 1, 10**k, 10**k + 1, 10**8 - 1, 2**27 - 1], dtype=np.uint64),
        ]
    )
    assert (divide_group(groups, k) == groups // np.uint64(10**k)).all()
