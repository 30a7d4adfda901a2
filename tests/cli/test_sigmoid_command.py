"""The ``sigmoid`` command: values, --log, --compare, formats, streaming and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.special
from golden import ARTICLE_LOGITS, ARTICLE_PROBS
from helpers import RunScript, invoke_cli


def invoke(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    return invoke_cli(["sigmoid", *args], stdin)


def csv_of(values: np.ndarray, precision: int = 8) -> str:
    return "".join(
        ",".join(f"{v:.{precision}f}" for v in row) + "\n" for row in np.atleast_2d(values)
    )


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["-40", "0", "40"], "", csv_of(scipy.special.expit([-40.0, 0.0, 40.0]))),
        (["-1000", "1000"], "", "0.00000000,1.00000000\n"),
        (["-p", "3", "1,2"], "", csv_of(scipy.special.expit([1.0, 2.0]), 3)),
        (["--log", "-1000", "0"], "", "-1000.00000000,-0.69314718\n"),
        ([], "a,b\n1,2\n-1,-inf\n", "a,b\n" + csv_of(scipy.special.expit([[1, 2], [-1, -np.inf]]))),
        (["-f", "tsv"], "1\t2\n", csv_of(scipy.special.expit([1.0, 2.0])).replace(",", "\t")),
    ],
)
def test_sigmoid_outputs(args: list[str], stdin: str, expected: str) -> None:
    code, out, err = invoke(["-f", "csv", *args] if "-f" not in args else args, stdin)
    assert code == 0, err
    assert out == expected


def test_json_keeps_tiny_values() -> None:
    code, out, _ = invoke(["-f", "json", "-40", "-1000"])
    assert code == 0
    assert json.loads(out) == pytest.approx([4.248354255291589e-18, 0.0], rel=1e-12)


def test_compare_machine_columns_and_sums() -> None:
    code, out, _ = invoke(["--compare", "-f", "csv", *map(str, ARTICLE_LOGITS)])
    assert code == 0
    header, row = out.splitlines()
    assert header == (
        "sigmoid_0,sigmoid_1,sigmoid_2,softmax_0,softmax_1,softmax_2,sigmoid_sum,softmax_sum"
    )
    values = [float(v) for v in row.split(",")]
    sigmoids = scipy.special.expit(ARTICLE_LOGITS)
    np.testing.assert_allclose(values[:3], sigmoids, atol=5e-9)
    np.testing.assert_allclose(values[3:6], ARTICLE_PROBS, atol=5e-9)
    assert values[6] == pytest.approx(sigmoids.sum(), abs=5e-9) and values[7] == 1.0


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_compare_on_empty_input_prints_nothing(fmt: str) -> None:
    assert invoke(["--compare", "-f", fmt], "") == (0, "", "")


def test_compare_json_uses_labels() -> None:
    code, out, _ = invoke(["--compare", "-f", "json"], "a,b\n0,0\n")
    assert code == 0
    assert json.loads(out) == {
        "sigmoid_a": 0.5,
        "sigmoid_b": 0.5,
        "softmax_a": 0.5,
        "softmax_b": 0.5,
        "sigmoid_sum": 1.0,
        "softmax_sum": 1.0,
    }


def test_compare_table_shows_both_sums() -> None:
    code, out, _ = invoke(["--compare", "-f", "table", *map(str, ARTICLE_LOGITS)])
    assert code == 0
    assert "sigmoid vs softmax" in out and "2.47759968" in out and "0.94925668" in out


def test_tables_do_not_claim_a_most_likely_class() -> None:
    code, out, _ = invoke(["-f", "table", "1", "2"])
    assert code == 0 and "sigmoid" in out and "most likely" not in out
    code, out, _ = invoke(["-f", "table"], "1,2\n3,4\n")
    assert code == 0 and "predicted" not in out and "0.98201379" in out


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["x"], "", 2, "'x' is not a number"),
        (["--compare", "-inf", "-inf"], "", 2, "softmax is undefined"),
        ([], "1,2\n3,y\n", 65, "line 2, column 2"),
        (["--compare"], "1,2\n-inf,-inf\n", 65, "line 2: every logit is -inf"),
    ],
)
def test_sigmoid_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got, _, err = invoke(args, stdin)
    assert got == code and message in err


def test_sigmoid_through_a_real_pipe(run_script: RunScript) -> None:
    done = run_script("sigmoid", stdin=b"0,0\n" * 10_000 + b"1,oops\n")
    assert done.returncode == 65
    assert done.stdout == b"0.50000000,0.50000000\n" * 10_000
    assert done.stderr == b"error: line 10001, column 2: 'oops' is not a number\n"
    done = run_script("sigmoid", "-5", "-40")
    assert done.returncode == 0 and done.stdout.count(b",") == 1
