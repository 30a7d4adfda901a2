"""Writing results: the fast fixed-point formatters, CSV/TSV headers, JSON Lines, mixed
columns of numbers and classes."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.io.formats.writer import (
    OutputSink,
    format_json_lines,
    format_json_records,
    format_numbers,
)
from softmax_cli.io.text.text_columns import ClassColumn, format_columns, format_header
from softmax_cli.io.text.unit_interval import (
    _unit_interval_by_digit,
    eight_ascii_digits,
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


unit_values = st.floats(0, 1) | st.sampled_from(
    [0.0, 1.0, 5e-9, 4.999999999e-9, 0.999999995, 0.9999999949, 0.123456785, 5e-324]
)


@given(
    st.integers(1, 6).flatmap(
        lambda n: arrays(
            np.float64, st.tuples(st.integers(1, 10), st.just(n)), elements=unit_values
        )
    ),
    st.sampled_from([",", "\t", ";"]),
)
def test_eight_digits_at_once_give_the_same_bytes(values: np.ndarray, delimiter: str) -> None:
    """Precision 8 (the default) writes exactly what the digit-by-digit formatter writes."""
    assert format_unit_interval(values, 8, delimiter) == _unit_interval_by_digit(
        values, 8, delimiter
    )


def test_eight_digits_at_once_on_softmax_rows() -> None:
    logits = np.random.default_rng(1).normal(0, 3, (5000, 10))
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exps / exps.sum(axis=1, keepdims=True)
    assert format_unit_interval(probs, 8, ",") == _unit_interval_by_digit(probs, 8, ",")


def test_eight_ascii_digits_of_every_lane_value() -> None:
    """Each 4-digit lane is split on its own: every value of both lanes, exhaustively."""
    lane = np.arange(10**4, dtype=np.uint64)
    for numbers in (lane * np.uint64(10**4) + lane, lane * np.uint64(10**4) + lane[::-1]):
        text = eight_ascii_digits(numbers).view("S8").tolist()
        assert text == [b"%08d" % n for n in numbers.tolist()]


def sink_rows(values: np.ndarray, fmt: str, precision: int, labels: list[str]) -> str:
    """Rows written through ``OutputSink.rows`` with a class column after the numbers."""
    stream = io.BytesIO()
    extra = {"argmax": ClassColumn(np.arange(len(values)) % len(labels), labels)}
    OutputSink(stream, fmt, precision).rows(values, None, extra)
    return stream.getvalue().decode()


def test_general_formatter_handles_negative_and_extra_columns() -> None:
    values = np.array([[-np.inf, -0.5], [-1.25, 0.0]])
    assert format_numbers(values, 2, "\t").decode() == "-inf\t-0.50\n-1.25\t0.00\n"
    out = sink_rows(values, "tsv", 2, ["a", "b"])
    assert out == "-inf\t-0.50\ta\n-1.25\t0.00\tb\n"


def test_class_column_after_numbers_is_quoted_as_csv_needs() -> None:
    out = sink_rows(np.array([[0.25, 0.75], [0.5, 0.5]]), "csv", 2, ["a,b", 'say "c"'])
    assert out == '0.25,0.75,"a,b"\n0.50,0.50,"say ""c"""\n'


def test_header_is_quoted_when_needed() -> None:
    assert format_header(["dog", "cat, the", 'say "hi"'], ",") == b'dog,"cat, the","say ""hi"""\n'


def test_json_lines() -> None:
    values = np.array([[0.25, 0.75], [-np.inf, 0.0]])
    rows = [json.loads(line) for line in format_json_lines(values, ["a", "b"]).splitlines()]
    assert rows == [{"a": 0.25, "b": 0.75}, {"a": None, "b": 0.0}]
    plain = format_json_lines(values[:1], None, {"argmax": [1]})
    assert json.loads(plain) == {"probs": [0.25, 0.75], "argmax": 1}


finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
columns_of_numbers = arrays(np.float64, st.integers(1, 20), elements=finite)


@given(columns_of_numbers, st.integers(0, 12))
def test_column_formatter_matches_printf_but_at_a_near_tie(
    values: np.ndarray, precision: int
) -> None:
    assert_printf_but_at_a_near_tie(values, precision)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(0, 10)))
def test_values_below_ten_at_precision_8_match_printf_but_at_a_near_tie(
    values: np.ndarray,
) -> None:
    """The eight-digits-at-once path (entropies, probabilities, margins), 10 and
    9.999999996 (which rounds up to 10) included."""
    assert_printf_but_at_a_near_tie(values, 8)


@given(
    arrays(np.float64, (5, 3), elements=st.floats(0, 10)),
    arrays(np.float64, 5, elements=st.floats(allow_nan=True, allow_infinity=True)),
)
def test_columns_are_written_as_each_would_be_on_its_own(
    below_ten: np.ndarray, anything: np.ndarray
) -> None:
    """Number columns are formatted together: a column outside [0, 10) takes the general
    path without changing how the others are written."""
    columns = [below_ten[:, 0], anything, below_ten[:, 1], ClassColumn(np.arange(5), None)]
    columns.append(below_ten[:, 2])
    alone = [format_columns([column], 8, ",").decode().splitlines() for column in columns]
    together = format_columns(columns, 8, ",").decode().splitlines()
    assert together == [",".join(cells) for cells in zip(*alone, strict=True)]


def assert_printf_but_at_a_near_tie(values: np.ndarray, precision: int) -> None:
    """``format_columns`` writes each value as printf does, or one unit away at a value
    within 2**-14 of a unit of a half-way point."""
    fast = format_columns([values], precision, ",").decode().splitlines()
    unit = Decimal(10) ** -precision
    for text, value in zip(fast, values.tolist(), strict=True):
        expected = f"{value:.{precision}f}"
        if text == expected:
            continue
        # v * 10**p is rounded once in float64, by at most 2**-14 of a unit: only a value
        # that close to a half-way point can land on the other neighbour, one unit away.
        assert abs(Decimal(text) - Decimal(expected)) == unit, (text, expected)
        distance = abs(abs(Decimal(value)) / unit % 1 - Decimal("0.5"))
        assert distance <= Decimal(2) ** -14, (text, expected)


@pytest.mark.parametrize(
    ("values", "precision", "expected"),
    [
        ([0.5, -0.5, 12.25, -1234.5678], 2, ["0.50", "-0.50", "12.25", "-1234.57"]),
        ([-0.001, -0.0, 0.0], 2, ["-0.00", "-0.00", "0.00"]),  # as printf has it
        ([9.999, 99.9999, 1e7], 2, ["10.00", "100.00", "10000000.00"]),
        ([2.5, 3.5, 7.0], 0, ["2", "4", "7"]),
        ([np.inf, -np.inf, np.nan, 1.5], 3, ["inf", "-inf", "nan", "1.500"]),  # printf's words
        ([1e300, 2.0], 1, [f"{1e300:.1f}", "2.0"]),  # beyond exact integer units
        ([1.7e300, 2.0], 8, [f"{1.7e300:.8f}", "2.00000000"]),  # scaling overflows
        ([1.7e300, 2.0], 12, [f"{1.7e300:.12f}", "2.000000000000"]),
        ([1 / 3], 15, [f"{1 / 3:.15f}"]),  # beyond the fast formatter's precision
    ],
)
def test_column_formatter_golden(values: list[float], precision: int, expected: list[str]) -> None:
    out = format_columns([np.array(values)], precision, ",").decode()
    assert out.splitlines() == expected


@pytest.mark.parametrize(
    ("labels", "delimiter", "expected"),
    [
        (None, ",", "0.25,2,1\n1.00,0,0\n"),
        (["dog", "cat", "boat"], ",", "0.25,boat,cat\n1.00,dog,dog\n"),
        (["a,b", 'say "hi"', "c"], ",", '0.25,c,"say ""hi"""\n1.00,"a,b","a,b"\n'),
        (["a,b", "x", "c"], "\t", "0.25\tc\tx\n1.00\ta,b\ta,b\n"),
    ],
)
def test_columns_mix_numbers_and_classes(
    labels: list[str] | None, delimiter: str, expected: str
) -> None:
    columns = [
        np.array([0.25, 1.0]),
        ClassColumn(np.array([2, 0]), labels),
        ClassColumn(np.array([1, 0]), labels),
    ]
    assert format_columns(columns, 2, delimiter).decode() == expected


def test_no_rows_give_no_text() -> None:
    assert format_columns([np.array([]), ClassColumn(np.array([], np.int64), None)], 3, ",") == b""
    assert format_json_records({"p": np.array([])}) == b""


def test_json_records_are_flat_objects_in_column_order() -> None:
    columns = {
        "entropy": np.array([0.5, np.inf]),
        "argmax": ClassColumn(np.array([1, 0]), ["a", "b"]),
        "top": ClassColumn(np.array([1, 0]), None),
    }
    lines = format_json_records(columns).decode().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"entropy": 0.5, "argmax": "b", "top": 1},
        {"entropy": None, "argmax": "a", "top": 0},
    ]
    assert list(json.loads(lines[0])) == ["entropy", "argmax", "top"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", "p,class\n0.500,b\n"),
        ("tsv", "p\tclass\n0.500\tb\n"),
        ("json", '{"p": 0.5, "class": "b"}\n'),
    ],
)
def test_sink_writes_named_columns(fmt: str, expected: str) -> None:
    stream = io.BytesIO()
    sink = OutputSink(stream, fmt, 3)
    columns = {"p": np.array([0.5]), "class": ClassColumn(np.array([1]), ["a", "b"])}
    sink.header(list(columns))
    sink.columns(columns)
    assert stream.getvalue().decode() == expected


@pytest.mark.parametrize("labelled", [False, True])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_classes_of_a_vocabulary_are_written_as_a_small_table_would_be(
    labelled: bool, delimiter: str
) -> None:
    n_classes = 50_257
    labels = [f"tok,{i}" if i % 3 else f'say "{i}"' for i in range(n_classes)] if labelled else None
    indices = np.array([50_256, 0, 7, 50_256, 12_345, 1])
    got = format_columns([ClassColumn(indices, labels), np.full(6, 0.5)], 8, delimiter)
    names = [labels[i] if labels else str(i) for i in indices.tolist()]
    expected = b"".join(format_header([name, "0.50000000"], delimiter) for name in names)
    assert got == expected
