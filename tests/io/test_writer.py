"""Writing results: the fast fixed-point formatter, CSV/TSV headers, JSON Lines."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.io.writer import (
    format_header,
    format_json_lines,
    format_numbers,
    format_unit_interval,
)

unit = arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(0, 1))


@given(unit, st.integers(0, 12))
def test_fixed_formatter_matches_printf_to_the_last_digit(
    values: np.ndarray, precision: int
) -> None:
    fast = format_unit_interval(values, precision, ",").decode().splitlines()
    slow = [",".join(f"{v:.{precision}f}" for v in row) for row in values]
    for fast_row, slow_row, row in zip(fast, slow, values, strict=True):
        for a, b, v in zip(fast_row.split(","), slow_row.split(","), row, strict=True):
            assert len(a) == len(b)
            # identical but for a true half-way tie, where either neighbour is correct
            assert abs(float(a) - v) <= 0.5 * 10.0**-precision * (1 + 1e-9)
            assert abs(float(a) - float(b)) <= 10.0**-precision * 1.000001


@pytest.mark.parametrize(
    ("values", "precision", "expected"),
    [
        ([[0.01573172, 0.03501159, 0.94925668]], 8, "0.01573172,0.03501159,0.94925668\n"),
        ([[0.0, 1.0]], 3, "0.000,1.000\n"),
        ([[0.25, 0.75]], 0, "0,1\n"),
        ([[0.999999999, 0.5]], 2, "1.00,0.50\n"),
    ],
)
def test_fixed_formatter_golden(values: list[list[float]], precision: int, expected: str) -> None:
    assert format_unit_interval(np.array(values), precision, ",").decode() == expected


def test_general_formatter_handles_negative_and_extra_columns() -> None:
    values = np.array([[-np.inf, -0.5], [-1.25, 0.0]])
    out = format_numbers(values, 2, "\t", [["a", "b"]]).decode()
    assert out == "-inf\t-0.50\ta\n-1.25\t0.00\tb\n"


def test_header_is_quoted_when_needed() -> None:
    assert format_header(["dog", "cat, the", 'say "hi"'], ",") == b'dog,"cat, the","say ""hi"""\n'


def test_json_lines() -> None:
    values = np.array([[0.25, 0.75], [-np.inf, 0.0]])
    rows = [json.loads(line) for line in format_json_lines(values, ["a", "b"]).splitlines()]
    assert rows == [{"a": 0.25, "b": 0.75}, {"a": None, "b": 0.0}]
    plain = format_json_lines(values[:1], None, {"argmax": [1]})
    assert json.loads(plain) == {"probs": [0.25, 0.75], "argmax": 1}
