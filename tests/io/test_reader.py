"""Reading numbers: the fast block parser, the CSV reader and command-line values."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softmax_cli.core.calculator.activations import fully_masked_rows
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.reader import CsvReader
from softmax_cli.io.sources import values_from_arguments
from softmax_cli.io.streaming.rows import RowRule
from softmax_cli.io.targets.parser import TargetSpec
from softmax_cli.io.text.fastparse import parse_number_block
from softmax_cli.io.text.numbers import looks_like_number, parse_number

decimal_cells = st.builds(
    lambda sign, whole, frac, dot: f"{sign}{whole}{'.' if dot else ''}{frac if dot else ''}",
    st.sampled_from(["", "-", "+"]),
    st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    st.from_regex(r"[0-9]{0,7}", fullmatch=True),
    st.booleans(),
)


@given(st.lists(st.lists(decimal_cells, min_size=3, max_size=3), min_size=1, max_size=30))
def test_fast_parser_matches_float(table: list[list[str]]) -> None:
    block = "".join(",".join(row) + "\n" for row in table).encode()
    parsed = parse_number_block(block, 3)
    assert parsed is not None
    expected = np.array([[float(cell) for cell in row] for row in table])
    np.testing.assert_array_equal(parsed, expected)  # bit for bit: correctly rounded


@pytest.mark.parametrize(
    "cell",
    [
        "900720.345703125",
        "999999999999999",
        ".123456789012345",
        "-0.0000000000001",
        "1e3",
        "12345678901234567",
        "-1.234567890123456789e-300",
    ],
)
def test_fast_parser_is_exact_beyond_fifteen_digits_and_with_exponents(cell: str) -> None:
    parsed = parse_number_block(f"{cell},0,0\n".encode(), 3)
    assert parsed is not None and parsed[0, 0] == float(cell)


@pytest.mark.parametrize(
    "block",
    [
        b"1,,2\n",
        b"1,2\n",
        b"1-2,3,4\n",
        b"1..2,3,4\n",
        b".,3,4\n",
        b"1e,3,4\n",
        b"1,2,3",
        b"1,2,3\n\n4,5,6\n",
        b"#,1,2\n",
        b"inf,1,2\n",
        b"1 ,2,3\n",
        b"1e999,1,2\n",
        b"1/2,3,4\n",
        b"1,2,3,4\n",
        b"+,1,2\n",
    ],
)
def test_fast_parser_declines_what_it_cannot_parse(block: bytes) -> None:
    assert parse_number_block(block, 3) is None


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("0.7", True),
        ("-1", True),
        ("-inf", True),
        ("1e3", True),
        ("-1e-3", True),
        ("-.5", True),
        ("-1,2", True),
        ("nan", True),
        ("-", False),
        ("--log", False),
        ("-t", False),
        ("abc", False),
        ("1e", False),
        ("-e3", False),
        ("-Infinity", True),
        ("1 2,3", True),
        ("1_000", False),
        ("", False),
        (",", False),
        ("-1,x", False),
    ],
)
def test_looks_like_number(token: str, expected: bool) -> None:
    assert looks_like_number(token) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not a number"),
        ("nan", "nan is not allowed"),
        ("inf", "+inf"),
        ("1_000", "not a number"),
        ("", "not a number"),
    ],
)
def test_parse_number_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_number(text)


def test_values_from_arguments() -> None:
    np.testing.assert_array_equal(
        values_from_arguments(["1", "2,3", "4 5", "-inf"]), [[1, 2, 3, 4, 5, -np.inf]]
    )
    with pytest.raises(ArgumentError, match="value 3: 'x'"):
        values_from_arguments(["1,2", "x"])


def read_all(text: str, **options: object) -> tuple[CsvReader, np.ndarray, list[int]]:
    reader = CsvReader(io.BytesIO(text.encode()), **options)  # type: ignore[arg-type]
    chunks = list(reader)
    values = np.concatenate([c.values for c in chunks]) if chunks else np.empty((0, 0))
    lines = [int(n) for c in chunks for n in c.line_numbers]
    return reader, values, lines


@pytest.mark.parametrize(
    ("text", "labels", "values", "lines"),
    [
        ("1,2\n3,4\n", None, [[1, 2], [3, 4]], [1, 2]),
        ("a,b\n1,2\n", ["a", "b"], [[1, 2]], [2]),
        ("# comment\n\na\tb\n1\t2\n\n3\t4\n", ["a", "b"], [[1, 2], [3, 4]], [4, 6]),
        ("1;2\r\n3;4\r\n", None, [[1, 2], [3, 4]], [1, 2]),
        ("1  2\n 3 4\n", None, [[1, 2], [3, 4]], [1, 2]),
        ("\ufeffx,y\n1e3,-inf\n", ["x", "y"], [[1000, -np.inf]], [2]),
        ('"dog","cat, the"\n1,2\n', ["dog", "cat, the"], [[1, 2]], [2]),
        ("1,2\n3,4", None, [[1, 2], [3, 4]], [1, 2]),
        ("", None, np.empty((0, 0)), []),
        ("# only a comment\n", None, np.empty((0, 0)), []),
    ],
)
def test_reader_dialects(
    text: str, labels: list[str] | None, values: object, lines: list[int]
) -> None:
    reader, got, got_lines = read_all(text)
    assert reader.labels == labels
    np.testing.assert_array_equal(got, values)
    assert got_lines == lines


def test_header_options_and_labels() -> None:
    reader, values, _ = read_all("1,2\n3,4\n", header=True)
    assert reader.labels == ["1", "2"] and values.tolist() == [[3, 4]]
    reader, _, _ = read_all("a,b\n1,2\n", labels=["x", "y"])
    assert reader.labels == ["x", "y"]
    with pytest.raises(DataError, match="3 labels given but the input has 2 columns"):
        read_all("1,2\n", labels=["x", "y", "z"])
    with pytest.raises(DataError, match="'a' is not a number"):
        read_all("a,b\n1,2\n", header=False)


@pytest.mark.parametrize("block_size", [7, 64, 1 << 18])
@pytest.mark.parametrize(
    ("text", "message", "good_rows"),
    [
        ("1,2\n3,4\n5,x\n7,8\n", "line 3, column 2: 'x' is not a number", 2),
        ("1,2\n3,4\n5,6,7\n", "line 3, column 3: expected 2 columns, found 3", 2),
        ("1,2\n3\n", "line 2, column 2: expected 2 columns, found 1", 1),
        ("1,2\n\n# c\n3,nan\n", "line 4, column 2: 'nan': nan is not allowed", 1),
        ("1,2\n-inf,-inf\n3,4\n", "line 2: all masked", 1),
        ("1,2\n\xff,2\n", "line 2: not valid UTF-8 text", 1),
    ],
)
def test_errors_name_line_and_column_after_good_rows(
    text: str, message: str, good_rows: int, block_size: int
) -> None:
    rule = RowRule(fully_masked_rows, "all masked")
    raw = text.encode("latin-1") if "\xff" in text else text.encode()
    reader = CsvReader(io.BytesIO(raw), row_rule=rule, block_size=block_size)
    seen = 0
    with pytest.raises(DataError) as caught:
        for chunk in reader:
            seen += len(chunk.values)
    assert str(caught.value) == message
    assert seen == good_rows


def test_skip_invalid_reports_lines() -> None:
    text = "a,b\n1,2\nx,2\n3\n-inf,-inf\n5,6\n"
    reader, values, lines = read_all(
        text, skip_invalid=True, row_rule=RowRule(fully_masked_rows, "masked")
    )
    assert values.tolist() == [[1, 2], [5, 6]] and lines == [2, 6]
    assert reader.skipped.count == 3
    assert reader.skipped.summary() == "skipped 3 invalid rows (lines 3, 4, 5)"


@given(
    st.lists(st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=4), max_size=60),
    st.integers(1, 300),
)
def test_block_boundaries_do_not_matter(table: list[list[float]], block_size: int) -> None:
    text = "".join(",".join(repr(v) for v in row) + "\n" for row in table)
    reader = CsvReader(io.BytesIO(text.encode()), block_size=block_size)
    chunks = list(reader)
    got = np.concatenate([c.values for c in chunks]) if chunks else np.empty((0, 4))
    np.testing.assert_array_equal(got.reshape(-1, 4), np.array(table).reshape(-1, 4))


TARGET_TABLES = {
    "indices (fast parser)": "a,b,target\n1.5,2,1\n-3,0.25,0\n",
    "indices with exponents (loadtxt)": "a,b,target\n1.5e0,2,1\n-3,2.5e-1,0.0\n",
    "labels (split per line)": "a,b,target\n1.5,2,b\n-3,0.25,a\n",
    "labels, tab-separated": "a\tb\ttarget\n1.5\t2\tb\n-3\t0.25\ta\n",
    "labels, whitespace": "a b target\n1.5 2 b\n-3   0.25 a\n",
    "target first, labels": "target;a;b\nb;1.5;2\na;-3;0.25\n",
    "labels and indices mixed, a comment": "a,b,target\n1.5,2,b\n# note\n-3,0.25,0\n",
}


@pytest.mark.parametrize("block_size", [8, 1 << 18])
@pytest.mark.parametrize("text", TARGET_TABLES.values(), ids=TARGET_TABLES.keys())
def test_target_column_is_taken_out_on_every_parser_path(text: str, block_size: int) -> None:
    reader = CsvReader(io.BytesIO(text.encode()), target=TargetSpec(), block_size=block_size)
    chunks = list(reader)
    assert (reader.labels, reader.n_columns) == (["a", "b"], 2)
    values = np.concatenate([chunk.values for chunk in chunks])
    targets = np.concatenate([chunk.targets for chunk in chunks if chunk.targets is not None])
    np.testing.assert_array_equal(values, [[1.5, 2.0], [-3.0, 0.25]])
    assert targets.tolist() == [1, 0]


def test_row_rule_columns_count_the_target_column() -> None:
    rule = RowRule(lambda v: np.any(v < 0, axis=1), "", lambda row: ("negative", 2))
    reader = CsvReader(io.BytesIO(b"t,a,b\n0,1,-1\n"), target=TargetSpec("t"), row_rule=rule)
    with pytest.raises(DataError, match=r"^line 2, column 3: negative$"):
        list(reader)
