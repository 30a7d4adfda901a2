"""The Click commands through CliRunner: every option of ``softmax``, the group, errors."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from golden import ANIMAL_LABELS, ANIMAL_SCORES, ARTICLE_LOGITS, ARTICLE_PROBS
from helpers import invoke_cli

from softmax_cli import __version__
from softmax_cli.cli.group import move_positionals_last
from softmax_cli.core.calculator import activations as core

ARTICLE_ARGS = [str(v) for v in ARTICLE_LOGITS]
ARTICLE_CSV = ",".join(f"{p:.8f}" for p in ARTICLE_PROBS) + "\n"


invoke = invoke_cli


def expected_csv(logits: list[float], **kwargs: float) -> str:
    return ",".join(f"{p:.8f}" for p in core.softmax(logits, **kwargs)) + "\n"


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (ARTICLE_ARGS, "", ARTICLE_CSV),
        (["softmax", *ARTICLE_ARGS], "", ARTICLE_CSV),
        ([",".join(ARTICLE_ARGS)], "", ARTICLE_CSV),
        (["-f", "csv", *ARTICLE_ARGS], "", ARTICLE_CSV),
        (["--format=csv", *ARTICLE_ARGS], "", ARTICLE_CSV),
        ([], "0.7,1.5,4.8\n", ARTICLE_CSV),
        (["-"], "0.7 1.5 4.8\n", ARTICLE_CSV),
        (["-1", "-2.5", "3e-2"], "", expected_csv([-1, -2.5, 0.03])),
        (["-1e3", "-1e3"], "", "0.50000000,0.50000000\n"),
        (["--format", "csv", "-1", "2"], "", expected_csv([-1, 2])),
        (["-t", "-1"], "", None),  # usage error, checked below
        (["-t", "2", "1", "2"], "", expected_csv([1, 2], temperature=2.0)),
        (["1", "2", "--temperature", "0.5"], "", expected_csv([1, 2], temperature=0.5)),
        (["-p", "3", *ARTICLE_ARGS], "", "0.016,0.035,0.949\n"),
        (["--precision", "0", "1", "1"], "", "0,0\n"),
        (["-f", "tsv", "-l", "a,b", "1", "1"], "", "a\tb\n0.50000000\t0.50000000\n"),
        (["--log", "-inf", "0"], "", "-inf,0.00000000\n"),
        (["--argmax", "1", "3", "2"], "", f"{expected_csv([1, 3, 2]).strip()},1\n"),
        (
            ["--labels", "x,y", "--argmax", "1", "3"],
            "",
            f"x,y,argmax\n{expected_csv([1, 3]).strip()},y\n",
        ),
        (["--delimiter", ";"], "1;2\n", expected_csv([1, 2])),
        (["-d", "tab"], "a\tb\n1\t2\n", "a,b\n" + expected_csv([1, 2])),
        (["--header"], "1,2\n3,4\n", "1,2\n" + expected_csv([3, 4])),
        (["--no-header"], "1,2\n", expected_csv([1, 2])),
        (["--skip-invalid"], "1,2\nx,y\n3,4\n", expected_csv([1, 2]) + expected_csv([3, 4])),
        ([], "", ""),
        ([], "# nothing\n\n", ""),
    ],
)
def test_softmax_outputs(args: list[str], stdin: str, expected: str | None) -> None:
    code, out, err = invoke(args, stdin)
    if expected is None:
        assert code == 2 and "positive" in err
        return
    assert code == 0, err
    assert out == expected


def test_input_option_reads_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "logits.csv"
    path.write_text("dog,cat\n1,2\n")
    code, out, _ = invoke(["--input", str(path)])
    assert (code, out) == (0, "dog,cat\n" + expected_csv([1, 2]))
    code, _, err = invoke(["-i", str(tmp_path / "missing.csv")])
    assert code == 2 and "missing.csv" in err


def test_json_lines_keep_full_precision() -> None:
    code, out, _ = invoke(
        ["-f", "json", "--labels", ",".join(ANIMAL_LABELS), *map(str, ANIMAL_SCORES)]
    )
    assert code == 0
    row = json.loads(out)
    assert list(row) == list(ANIMAL_LABELS)
    np.testing.assert_array_equal(list(row.values()), core.softmax(ANIMAL_SCORES))
    code, out, _ = invoke(["-f", "json", "--argmax"], "1,2\n3,1\n")
    assert [json.loads(line)["argmax"] for line in out.splitlines()] == [1, 0]


def test_argmax_labels_are_quoted_as_csv_needs() -> None:
    code, out, _ = invoke(["-f", "csv", "--argmax"], '"a,b",c\n1,2\n3,1\n')
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["a,b", "c", "argmax"],
        ["0.26894142", "0.73105858", "c"],
        ["0.88079708", "0.11920292", "a,b"],
    ]


def test_table_for_a_single_vector() -> None:
    code, out, _ = invoke(
        ["-f", "table", "--labels", ",".join(ANIMAL_LABELS), *map(str, ANIMAL_SCORES)]
    )
    assert code == 0
    assert "airplane" in out and "0.93154484" in out and "most likely" in out
    assert "1.00000000" in out  # the sum


def test_table_for_many_rows_is_truncated_with_a_note() -> None:
    stdin = "a,b\n" + "1,2\n" * 25
    code, out, _ = invoke(["-f", "table"], stdin)
    assert code == 0
    assert "5 more rows not shown" in out
    assert out.count("0.73105858") == 20


def test_rich_markup_in_labels_is_shown_literally() -> None:
    code, out, _ = invoke(["-f", "table", "--labels", "[bold]x[/bold],[inf]", "1", "2"])
    assert code == 0 and "[bold]x[/bold]" in out and "[inf]" in out


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_explain(fmt: str) -> None:
    code, out, _ = invoke(["--explain", "-f", fmt, *ARTICLE_ARGS])
    assert code == 0
    for figure in ("-4.10000000", "0.01657268", "0.94925668"):
        assert figure in out or fmt == "json"
    assert "1.05345584" in out or fmt != "table"
    if fmt == "json":
        body = json.loads(out)
        assert body["sum_exps"] == pytest.approx(1.0534558, abs=1e-7)
        np.testing.assert_allclose(body["probability"], ARTICLE_PROBS, atol=5e-9)


def test_explain_with_temperature_shows_the_scaled_logits() -> None:
    code, out, _ = invoke(["--explain", "-f", "table", "-t", "2", *ARTICLE_ARGS])
    assert code == 0 and "logit / 2" in out and "2.40000000" in out


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["sigmod", "1"], "", 2, "No such command 'sigmod'. Did you mean 'sigmoid'?"),
        (["trian-blobs"], "", 2, "No such command 'trian-blobs'. Did you mean 'train-blobs'?"),
        (["--bogus", "1"], "", 2, "No such option '--bogus'"),
        (["1", "abc"], "", 2, "error: value 2: 'abc' is not a number"),
        (["nan", "1"], "", 2, "nan is not allowed"),
        (["inf", "1"], "", 2, "+inf is not allowed"),
        (["-inf", "-inf"], "", 2, "every logit is -inf"),
        (["-t", "0", "1"], "", 2, "positive"),
        (["-p", "-1", "1"], "", 2, "precision"),
        (["-f", "xml", "1"], "", 2, "'xml' is not one of"),
        (["-d", "ab"], "", 2, "not a usable delimiter"),
        (["--labels", "a,b,c", "1", "2"], "", 2, "3 labels given for 2 values"),
        (["--explain"], "1,2\n3,4\n", 2, "single vector"),
        (["-", "1"], "", 2, "cannot be mixed"),
        ([], "1,2\n3,x\n", 65, "error: line 2, column 2: 'x' is not a number"),
        ([], "1,2\n3,4,5\n", 65, "error: line 2, column 3: expected 2 columns, found 3"),
        (["--labels", "a,b,c"], "1,2\n", 65, "3 labels given but the input has 2 columns"),
        ([], "1,2\n-inf,-inf\n", 65, "line 2: every logit is -inf"),
    ],
)
def test_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got, _, err = invoke(args, stdin)
    assert got == code
    assert message in err
    assert "Traceback" not in err


def test_good_rows_are_written_before_a_data_error() -> None:
    code, out, err = invoke([], "1,2\n3,4\n5,x\n")
    assert code == 65
    assert out == expected_csv([1, 2]) + expected_csv([3, 4])
    assert err.strip().count("\n") == 0


def test_skip_invalid_reports_on_stderr() -> None:
    code, out, err = invoke(["--skip-invalid"], "1,2\nx,2\n3\n4,5\n")
    assert code == 0 and out.count("\n") == 2
    assert "skipped 2 invalid rows (lines 2, 3)" in err


def test_help_and_version() -> None:
    code, out, _ = invoke(["--help"])
    assert code == 0
    assert "softmax 1 2 3" in out and "Exit codes" in out and "65" in out
    code, out, _ = invoke(["--version"])
    assert (code, out.strip()) == (0, f"softmax, version {__version__}")
    code, out, _ = invoke(["softmax", "--help"])
    assert code == 0
    for option in (
        "--temperature",
        "--log",
        "--explain",
        "--argmax",
        "--input",
        "--delimiter",
        "--header",
        "--labels",
        "--skip-invalid",
        "--format",
        "--precision",
        "--color",
    ):
        assert option in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-1", "-2"], ["--", "-1", "-2"]),
        (["-t", "-1", "2"], ["-t", "-1", "--", "2"]),
        (["--format", "csv", "-1", "2"], ["--format", "csv", "--", "-1", "2"]),
        (["--format=csv", "-1"], ["--format=csv", "--", "-1"]),
        (["--log", "-1e3", "-"], ["--log", "--", "-1e3", "-"]),
        (["1", "--", "-2", "--log"], ["--", "1", "-2", "--log"]),
        (["--log"], ["--log"]),
        (["abc", "-1"], ["--", "abc", "-1"]),
    ],
)
def test_positionals_move_behind_double_dash(args: list[str], expected: list[str]) -> None:
    assert move_positionals_last(args, {"-t", "--temperature", "--format", "-f"}) == expected
