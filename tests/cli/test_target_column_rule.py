"""One rule finds the target column for xent, calibrate and train: a header column named
target, label, class or y (the first of these there is, in any case)."""

from __future__ import annotations

import json

import pytest
from helpers import RunScript

from softmax_cli.io.targets.column import locate_target_column
from softmax_cli.io.targets.parser import TargetSpec
from softmax_cli.workflows.trainer.train_data import target_column


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["a", "b", "class"], 2),
        (["a", "Y", "b"], 1),
        (["y", "class", "b"], 1),  # class before y
        (["Label", "class", "b"], 0),  # label before class
        (["label", "TARGET", "b"], 1),  # target first
    ],
)
def test_train_and_xent_find_the_same_column(header: list[str], expected: int) -> None:
    assert target_column(header, None) == expected
    assert locate_target_column(TargetSpec(), header, has_header=True) == expected


@pytest.mark.parametrize("name", ["class", "Y"])
def test_xent_and_calibrate_read_a_class_or_y_column(run_script: RunScript, name: str) -> None:
    stdin = f"a,b,{name}\n2,0,a\n0,1,b\n3,1,a\n".encode()
    xent = run_script("xent", "--reduction", "mean", "-f", "json", stdin=stdin)
    assert xent.returncode == 0, xent.stderr
    assert json.loads(xent.stdout)["rows"] == 3
    calibrate = run_script("calibrate", "-f", "json", stdin=stdin)
    assert calibrate.returncode == 0, calibrate.stderr
    assert json.loads(calibrate.stdout)["rows"] == 3


def test_no_such_column_names_all_four(run_script: RunScript) -> None:
    done = run_script("xent", stdin=b"a,b,c\n1,2,3\n")
    assert done.returncode == 2
    assert "named target, label, class or y" in done.stderr.decode()
