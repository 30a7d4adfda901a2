"""Every CSV and TSV cell holding a CR, an LF, a quote or the delimiter is quoted, so
Python's csv module reads the rows back as written."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from helpers import RunScript
from hypothesis import given
from hypothesis import strategies as st

from softmax_cli.io.text.text_columns import ClassColumn, format_columns, format_header

LABELS = ["a\rb", 'c"q', "d\ne", "f,g\th"]
name = st.text(alphabet=st.sampled_from('ab\r\n",\t; x'), min_size=1, max_size=6)


def _read(text: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.decode(), newline=""), delimiter=delimiter))


@given(st.lists(name, min_size=1, max_size=5, unique=True), st.sampled_from([",", "\t"]))
def test_header_and_class_cells_read_back_as_written(names: list[str], delimiter: str) -> None:
    indices = np.arange(len(names))[::-1].copy()
    text = format_header(names, delimiter) + format_columns(
        [np.zeros(len(names)), ClassColumn(indices, names)], 2, delimiter
    )
    rows = _read(text, delimiter)
    assert rows[0] == names
    assert [row[1] for row in rows[1:]] == [names[i] for i in indices]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
@pytest.mark.parametrize(
    ("command", "class_column"),
    [
        (("--argmax",), "argmax"),
        (("stats", "-k", "2"), "argmax"),
        (("sample", "--seed", "1", "-n", "3"), None),
        (("xent", "--target", "1"), "target"),
    ],
)
def test_commands_quote_labels_with_line_breaks(
    run_script: RunScript, fmt: str, command: tuple[str, ...], class_column: str | None
) -> None:
    result = run_script(
        *command, "-f", fmt, "--labels", ",".join(LABELS).replace(",g", "g"), "1", "4", "2", "3"
    )
    assert result.returncode == 0, result.stderr
    rows = _read(result.stdout, "\t" if fmt == "tsv" else ",")
    assert len({len(row) for row in rows}) == 1
    labels = ["a\rb", 'c"q', "d\ne", "fg\th"]
    if class_column is None:
        assert all(cell in labels for row in rows[1:] for cell in row[-1:])
    else:
        assert {row[rows[0].index(class_column)] for row in rows[1:]} <= set(labels)
        assert rows[1][rows[0].index(class_column)] == labels[1]
