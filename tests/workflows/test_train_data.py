"""From a table to labelled examples: target and feature columns, missing cells, classes."""

from __future__ import annotations

import io

import numpy as np
import pytest

from softmax_cli.core.trainer.train_config import TrainConfig
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.table import read_table
from softmax_cli.workflows.trainer.class_labels import class_order
from softmax_cli.workflows.trainer.train_data import (
    dropped_columns,
    feature_columns,
    matching_examples,
    target_column,
    training_examples,
)


def table_of(text: str):  # type: ignore[no-untyped-def]
    return read_table(io.BytesIO(text.encode()))


def examples_of(text: str, notes: list[str] | None = None, **config: object):  # type: ignore[no-untyped-def]
    heard = notes if notes is not None else []
    return training_examples(table_of(text), TrainConfig(**config), heard.append)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("names", "target", "expected"),
    [
        (["a", "b", "Target"], None, 2),
        (["label", "a", "b"], None, 0),
        (["a", "CLASS", "b"], None, 1),
        (["a", "y", "b"], None, 1),
        (["a", "label", "target"], None, 2),  # 'target' comes first in the search
        (["a", "b", "c"], None, 2),  # else the last column
        (["a", "b", "c"], "a", 0),
        (["a", "b", "c"], "1", 1),
        (["0", "1", "2"], "2", 2),  # a name wins over an index
    ],
)
def test_target_column(names: list[str], target: str | None, expected: int) -> None:
    assert target_column(names, target) == expected


def test_unknown_target_and_drop_list_the_columns() -> None:
    with pytest.raises(ArgumentError, match=r"--target 'z': no such column \(the columns: a, b\)"):
        target_column(["a", "b"], "z")
    with pytest.raises(ArgumentError, match="--drop q: no such column"):
        dropped_columns(["a", "b"], ["q"])
    with pytest.raises(ArgumentError, match="no feature columns left"):
        feature_columns(2, 1, dropped_columns(["a", "b"], ["a"]))


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["10", "9", "-1", "9"], ["-1", "9", "10"]),
        (["b", "a", "10", "9"], ["10", "9", "a", "b"]),
        (["1.5", "2", "10"], ["1.5", "2", "10"]),  # numbers, integers or not
        (["1.5", "2", "ten"], ["1.5", "2", "ten"]),  # text: sorted as text
    ],
)
def test_classes_in_number_order_when_all_are_numbers(
    labels: list[str], expected: list[str]
) -> None:
    assert class_order(labels) == expected


CSV = (
    "id,height,colour,kind\n1,1.0,red,cat\n2,NA,blue,dog\n3,3.0,,cat\n4,4.0,red,\n5,5.0,blue,dog\n"
)


def test_kinds_missing_cells_and_dropped_targets() -> None:
    notes: list[str] = []
    examples, schema, summary = examples_of(CSV, notes, drop=("id",))
    assert schema == ("kind", ["cat", "dog"], ["height"], ["colour"])
    assert examples.targets.tolist() == [0, 1, 0, 1]
    assert examples.line_numbers.tolist() == [2, 3, 4, 6]
    np.testing.assert_array_equal(examples.numbers[:, 0], [1.0, np.nan, 3.0, 5.0])
    assert examples.texts == [["red", "blue", "", "blue"]]
    assert summary == (5, 1, 0, {"height": 1, "colour": 1})
    assert notes == [
        "target: column 'kind' (--target chooses another)",
        "dropped 1 row without a target",
    ]


def test_missing_drop_and_error() -> None:
    notes: list[str] = []
    examples, _, summary = examples_of(CSV, notes, drop=("id",), missing="drop")
    assert examples.line_numbers.tolist() == [2, 6]
    assert summary.dropped_with_missing == 2 and summary.missing_kept == {}
    assert "dropped 2 rows with a missing cell (--missing drop)" in notes
    with pytest.raises(DataError, match="line 3, column 2: a missing cell in column 'height'"):
        examples_of(CSV, drop=("id",), missing="error")


def test_an_identifier_column_is_refused_with_a_hint() -> None:
    rows = "".join(f"user{i},{i % 5},{i % 2}\n" for i in range(30))
    with pytest.raises(DataError, match=r"column 'user' has too many distinct.*--drop 'user'"):
        examples_of("user,x,target\n" + rows)
    _, schema, _ = examples_of("user,x,target\n" + rows, drop=("user",))
    assert schema.numeric == ["x"] and schema.categorical == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n", "a header but no data rows"),
        ("a,b\n1,x\n2,x\n", "at least two classes; the target has only 'x'"),
        ("a,b\n1,\n2,\n", "at least two classes; the target has none"),
    ],
)
def test_data_a_classifier_cannot_learn_from(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        examples_of(text)


def test_a_test_table_must_have_the_same_columns() -> None:
    _, schema, _ = examples_of(CSV, drop=("id",))
    with pytest.raises(DataError, match=r"test\.csv: its columns differ .* it lacks colour"):
        matching_examples(table_of("height,kind\n1,cat\n"), schema, "mean", print, "test.csv")
    with pytest.raises(DataError, match="it has id, extra besides"):
        matching_examples(
            table_of("id,height,colour,kind,extra\n1,1,red,cat,0\n"), schema, "mean", print, "t"
        )
    with pytest.raises(DataError, match="line 2, column 3: t: class 'bird'"):
        matching_examples(table_of("height,colour,kind\n1,red,bird\n"), schema, "mean", print, "t")
    with pytest.raises(DataError, match="line 2, column 1: t: 'tall' is not a number"):
        matching_examples(
            table_of("height,colour,kind\ntall,red,cat\n"), schema, "mean", print, "t"
        )
