"""Reading a CSV with a header as a table of numbers, text and missing cells."""

from __future__ import annotations

import io

import numpy as np
import pytest

from softmax_cli.errors import DataError
from softmax_cli.io.formats.table import TableReader, read_table


def table_of(text: str, **options: object):  # type: ignore[no-untyped-def]
    return read_table(io.BytesIO(text.encode()), **options)  # type: ignore[arg-type]


def test_cells_are_numbers_text_or_missing() -> None:
    table = table_of("a,b,c\n1.5,red,NA\n-2,?,x\n3e2,blue,\n")
    assert table.names == ["a", "b", "c"]
    assert table.numeric == [True, False, False]
    np.testing.assert_array_equal(table.numbers[:, 0], [1.5, -2, 300])
    np.testing.assert_array_equal(
        table.missing, [[False, False, True], [False, True, False], [False, False, True]]
    )
    assert table.texts([1, 2]) == [["red", "", "blue"], ["", "x", ""]]
    assert table.line_numbers.tolist() == [2, 3, 4]


@pytest.mark.parametrize("token", ["", "NA", "n/a", "NaN", "null", "?", "  na  "])
def test_every_missing_spelling(token: str) -> None:
    table = table_of(f"a,b\n1,{token}\n2,3\n")
    assert table.missing.tolist() == [[False, True], [False, False]]
    assert table.numeric == [True, True]


def test_plain_numbers_take_the_fast_path_and_still_give_their_text() -> None:
    rows = "".join(f"{i},{i % 3}.50\n" for i in range(5000))
    table = TableReader(io.BytesIO(f"x,y\n{rows}".encode()), block_size=1 << 12)
    chunks = list(table)
    assert len(chunks) > 1 and not chunks[0].missing.any()
    assert chunks[0].texts([1])[0][:3] == ["0.50", "1.50", "2.50"]


def test_rules_shared_with_every_command() -> None:
    text = '\ufeff# a comment\r\nx;label\r\n\r\n1;"a;b"\r\n# more\r\n2;c\r\n'
    table = table_of(text)
    assert table.names == ["x", "label"]
    assert table.texts([1]) == [["a;b", "c"]]
    assert table.line_numbers.tolist() == [4, 6]
    assert table_of("x\ty\n1\t2\n").numbers.tolist() == [[1.0, 2.0]]
    assert table_of("x|y\n1|2\n", delimiter="|").numbers.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the input is empty"),
        ("# only a comment\n\n", "the input is empty"),
        ("1,2,3\n4,5,6\n", "line 1: the first row must be a header"),
        ("a,,c\n1,2,3\n", "line 1, column 2: a header column has no name (only the first"),
        ("a,b,a\n1,2,3\n", "line 1, column 3: two columns are named 'a'"),
        ("a,b\n1,2\n3\n", "line 3, column 2: expected 2 columns, found 1"),
        ("a,b\n1,2\n3,4,5\n", "line 3, column 3: expected 2 columns, found 3"),
        ("a,b\n1,inf\n", "line 2, column 2: 'inf' is not a finite number"),
    ],
)
def test_bad_input_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        table_of(text)


def test_good_rows_before_a_bad_line_are_handed_on_first() -> None:
    reader = TableReader(io.BytesIO(b"a,b\nx,1\ny,2\nz\n"))
    chunks = iter(reader)
    assert next(chunks).texts([0]) == [["x", "y"]]
    with pytest.raises(DataError, match="line 4"):
        next(chunks)


def test_skip_invalid_counts_bad_lines() -> None:
    reader = TableReader(io.BytesIO(b"a,b\nx,1\n\xff,2\nz\ny,-inf\nw,3\n"), skip_invalid=True)
    chunks = list(reader)
    assert [chunk.line_numbers.tolist() for chunk in chunks] == [[2, 6]]
    assert (reader.skipped.count, reader.skipped.first_lines) == (3, [3, 4, 5])


def test_a_header_only_table_has_no_rows() -> None:
    table = table_of("a,b\n")
    assert len(table) == 0 and table.numbers.shape == (0, 2)
