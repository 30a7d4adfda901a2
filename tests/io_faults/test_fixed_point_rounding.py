"""Fixed-point output is exactly ``'%.*f' % (p, x)`` at every precision ``-p`` takes,
near half-way points included, in every fast formatter."""

from __future__ import annotations

import numpy as np
from helpers import RunScript
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_cli.io.formats.writer import format_numbers
from softmax_cli.io.text.text_columns import format_columns
from softmax_cli.io.text.unit_interval import format_unit_interval

PRECISIONS = st.integers(0, 17)  # what -p/--precision accepts


@st.composite
def near_ties(draw: st.DrawFn, low: float, high: float) -> tuple[int, float]:
    """A precision and a value near (k + 1/2) * 10**-p: the tie itself, a float
    neighbour, or any value; sometimes by way of float32."""
    precision = draw(PRECISIONS)
    units = 10.0**precision
    k = draw(st.integers(int(low * units), max(int(low * units), int(high * units) - 1)))
    value = (k + 0.5) / units
    for _ in range(draw(st.integers(0, 2))):
        value = float(np.nextafter(value, draw(st.sampled_from([-np.inf, np.inf]))))
    value = draw(st.sampled_from([value, float(np.float32(value)), draw(st.floats(low, high))]))
    return precision, min(max(value, low), high)


def _expected(values: list[float], precision: int) -> bytes:
    return ("".join(f"{v:.{precision}f}\n" for v in values)).encode()


@settings(max_examples=400)
@given(st.lists(near_ties(0.0, 1.0), min_size=1, max_size=8))
def test_unit_interval_formatting_is_printf(cases: list[tuple[int, float]]) -> None:
    precision = cases[0][0] % 13  # the unit-interval formatter takes 0 to 12
    values = [v for _, v in cases]
    text = format_unit_interval(np.array(values)[:, None], precision, ",")
    assert text == _expected(values, precision)


@settings(max_examples=400)
@given(st.lists(near_ties(-1e4, 1e4), min_size=1, max_size=8))
def test_column_formatting_is_printf(cases: list[tuple[int, float]]) -> None:
    precision = cases[0][0]
    values = [v for _, v in cases]
    assert format_columns([np.array(values)], precision, ",") == _expected(values, precision)
    assert format_numbers(np.array(values)[:, None], precision, ",") == _expected(values, precision)


@settings(max_examples=200)
@given(st.lists(near_ties(0.0, 9.99), min_size=1, max_size=8))
def test_one_digit_columns_at_precision_8_are_printf(cases: list[tuple[int, float]]) -> None:
    values = [v for _, v in cases]
    assert format_columns([np.array(values)], 8, ",") == _expected(values, 8)


def test_the_reported_cases(run_script: RunScript) -> None:
    zeros = run_script("-f", "csv", "-p", "1", stdin=b",".join([b"0"] * 20) + b"\n")
    assert (
        zeros.stdout
        == (",".join(["0.1"] * 20) + "\n").encode()
        == (",".join([f"{0.05:.1f}"] * 20) + "\n").encode()
    )
    x = 0.034275433267960065
    result = run_script("sigmoid", "-f", "csv", "-p", "12", str(x))
    assert result.stdout == f"{1 / (1 + np.exp(-x)):.12f}\n".encode() == b"0.508568019521\n"
