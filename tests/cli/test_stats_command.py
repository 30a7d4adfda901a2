"""The ``stats`` command: every option, the formats, bad input, and a real pipe."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from golden import ARTICLE_LOGITS
from helpers import RunScript, invoke_cli

ARTICLE_ARGS = [str(v) for v in ARTICLE_LOGITS]
HEADER = "entropy,perplexity,max_prob,margin,argmax"


def invoke(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    return invoke_cli(["stats", *args], stdin)


def expected_row(probs: list[float], precision: int = 8, argmax: str | None = None) -> str:
    """The CSV row stats writes for one distribution, from SciPy and NumPy."""
    p = np.array(probs, dtype=float) / np.sum(probs)
    entropy = scipy.stats.entropy(p)
    ordered = np.sort(p)[::-1]
    margin = ordered[0] - (ordered[1] if len(p) > 1 else 0.0)
    cells = [entropy, math.exp(entropy), ordered[0], margin]
    best = argmax if argmax is not None else str(int(np.argmax(p)))
    return ",".join(f"{v:.{precision}f}" for v in cells) + f",{best}"


ARTICLE_SOFTMAX = scipy.special.softmax(ARTICLE_LOGITS).tolist()


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (ARTICLE_ARGS, "", [HEADER, expected_row(ARTICLE_SOFTMAX)]),
        (["-l", "a,b,c", *ARTICLE_ARGS], "", [HEADER, expected_row(ARTICLE_SOFTMAX, argmax="c")]),
        (
            [],
            "dog,cat,boat\n0.7,1.5,4.8\n0,0,0\n",
            [
                HEADER,
                expected_row(ARTICLE_SOFTMAX, argmax="boat"),
                expected_row([1, 1, 1], argmax="dog"),
            ],
        ),
        (["-p", "3", "0", "0", "0", "0"], "", [HEADER, "1.386,4.000,0.250,0.000,0"]),  # ln 4
        (["--probs", "0.5,0.3,0.2"], "", [HEADER, expected_row([0.5, 0.3, 0.2])]),
        (["--probs", "-p", "3", "0", "1", "0"], "", [HEADER, "0.000,1.000,1.000,1.000,1"]),
        (["--probs", "--renormalize", "2", "6"], "", [HEADER, expected_row([0.25, 0.75])]),
        (["-p", "3", "0", "-inf", "0"], "", [HEADER, "0.693,2.000,0.500,0.000,0"]),
        (["-p", "3", "1000", "-1000"], "", [HEADER, "0.000,1.000,1.000,1.000,0"]),
        (["-p", "3", "5"], "", [HEADER, "0.000,1.000,1.000,1.000,0"]),  # one class
        (
            ["-t", "2", *ARTICLE_ARGS],
            "",
            [HEADER, expected_row(scipy.special.softmax([0.35, 0.75, 2.4]).tolist())],
        ),
        (["--base", "2", "-p", "3", "0", "0", "0", "0"], "", [HEADER, "2.000,4.000,0.250,0.000,0"]),
        (
            ["-k", "3", "-p", "2", "--labels", "a,b,c,d", "1", "2", "1", "2"],
            "",
            [
                f"{HEADER},top_1,p_top_1,top_2,p_top_2,top_3,p_top_3",
                f"{expected_row([1, math.e, 1, math.e], 2, 'b')},b,0.37,d,0.37,a,0.13",
            ],
        ),
        (["-d", ";", "-p", "3"], "0;0\n", [HEADER, "0.693,2.000,0.500,0.000,0"]),
        (["--no-header", "-p", "3"], "1,1\n", [HEADER, "0.693,2.000,0.500,0.000,0"]),
        (["--header", "-p", "3"], "1,2\n0,0\n", [HEADER, "0.693,2.000,0.500,0.000,1"]),
        (
            ["--skip-invalid", "-p", "3"],
            "0,0\nx,0\n0,0\n",
            [HEADER, *["0.693,2.000,0.500,0.000,0"] * 2],
        ),
        ([], "", []),  # empty input, empty output
        ([], "# only a comment\n\n", []),
        ([], "a,b\n", [HEADER]),  # a header and no rows: the header alone, as softmax does
    ],
)
def test_stats_in_csv(args: list[str], stdin: str, expected: list[str]) -> None:
    code, out, err = invoke(["-f", "csv", *args], stdin)
    assert code == 0, err
    assert out.splitlines() == expected


def test_input_option_and_tsv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "logits.csv"
    path.write_text("a,b\n0,0\n")
    code, out, _ = invoke(["-i", str(path), "-f", "tsv", "-p", "2"])
    assert (code, out) == (
        0,
        "entropy\tperplexity\tmax_prob\tmargin\targmax\n0.69\t2.00\t0.50\t0.00\ta\n",
    )


def test_json_lines_are_flat_with_full_precision() -> None:
    code, out, _ = invoke(["-f", "json", "-k", "2", "--labels", "a,b,c", *ARTICLE_ARGS])
    assert code == 0
    record = json.loads(out)
    assert list(record) == [
        "entropy",
        "perplexity",
        "max_prob",
        "margin",
        "argmax",
        "top_1",
        "p_top_1",
        "top_2",
        "p_top_2",
    ]
    assert record["entropy"] == pytest.approx(scipy.stats.entropy(ARTICLE_SOFTMAX), rel=1e-14)
    assert record["perplexity"] == pytest.approx(math.exp(record["entropy"]), rel=1e-15)
    assert (record["argmax"], record["top_1"], record["top_2"]) == ("c", "c", "b")
    assert record["p_top_2"] == pytest.approx(ARTICLE_SOFTMAX[1], rel=1e-14)
    code, out, _ = invoke(["-f", "json"], "1,2\n2,1\n")
    assert [json.loads(line)["argmax"] for line in out.splitlines()] == [1, 0]  # indices


def test_a_one_hot_row_gives_zero_entropy_without_a_warning() -> None:
    code, out, err = invoke(["-f", "json", "--probs"], "1,0,0\n0,0,1\n")
    assert code == 0 and err == ""
    for line in out.splitlines():
        record = json.loads(line)
        assert (record["entropy"], record["perplexity"], record["margin"]) == (0.0, 1.0, 1.0)


def test_table_for_one_vector_has_bars_and_no_means() -> None:
    code, out, _ = invoke(["-f", "table", "--labels", "a,b,c", *ARTICLE_ARGS])
    assert code == 0
    assert "uncertainty (entropy in nats)" in out
    row = next(line for line in out.splitlines() if "0.94925668" in line)
    assert "0.23211436" in row and "█" in row and row.rstrip().endswith("c")
    assert "mean" not in out and "line" not in out
    assert "bars: entropy / ln 3 (its maximum) and max_prob" in out


def test_table_for_many_rows_has_means_and_a_preview() -> None:
    stdin = "a,b\n" + "0,0\n5,0\n" * 15
    code, out, _ = invoke(["-f", "table", "-p", "4", "--base", "2"], stdin)
    assert code == 0
    assert "entropy in bits" in out
    mean_line = next(line for line in out.splitlines() if line.strip().startswith("mean"))
    bits = scipy.stats.entropy(scipy.special.softmax([5, 0]), base=2)
    assert f"{(1 + bits) / 2:.4f}" in mean_line
    assert "… 10 more rows not shown" in out
    assert out.count("1.0000") >= 10  # the rows of 0,0: one bit each


def test_table_shows_the_top_classes_one_per_line() -> None:
    code, out, _ = invoke(["-f", "table", "-k", "2", "-p", "3"], "x,y,z\n1,3,2\n0,0,0\n")
    assert code == 0
    assert "top 2" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("2 "))
    assert lines[first].rstrip().endswith("y 0.665")
    assert lines[first + 1].strip() == "z 0.245"


def test_rich_markup_in_labels_is_shown_literally() -> None:
    code, out, _ = invoke(["-f", "table", "--labels", "[bold]x[/bold],[inf]", "2", "1"])
    assert code == 0 and "[bold]x[/bold]" in out


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["-k", "4", "1", "2", "3"], "", 2, "error: --top-k 4 is more than the 3 classes"),
        (["-k", "3"], "a,b\n1,2\n", 65, "error: --top-k 3 is more than the 2 classes"),
        (["-k", "0", "1", "2"], "", 2, "0 is not in the range x>=1"),
        (["-t", "0", "1", "2"], "", 2, "must be a positive finite number"),
        (["-t", "-1", "1", "2"], "", 2, "must be a positive finite number"),
        (["--base", "10", "1"], "", 2, "'10' is not one of 'e', '2'"),
        (["--renormalize", "1", "2"], "", 2, "error: --renormalize applies to --probs input only"),
        (["--probs", "0.5", "0.6"], "", 2, "error: probabilities sum to 1.1, not 1"),
        (["--probs", "--", "-0.5", "1.5"], "", 2, "error: value 1: probability -0.5 is negative"),
        (["--probs"], "a,b\n0.5,0.5\n0.5,0.6\n", 65, "error: line 3: probabilities sum to 1.1"),
        (["--probs", "--renormalize"], "0,0\n", 65, "error: line 1: probabilities sum to 0"),
        (["-inf", "-inf"], "", 2, "error: every logit is -inf"),
        ([], "1,2\n-inf,-inf\n", 65, "error: line 2: every logit is -inf"),
        (["1", "nan"], "", 2, "error: value 2: 'nan': nan is not allowed"),
        ([], "1,2\n3,x\n", 65, "error: line 2, column 2: 'x' is not a number"),
        ([], "1,2\n3,4,5\n", 65, "error: line 2, column 3: expected 2 columns, found 3"),
        (["--labels", "a,b,c"], "1,2\n", 65, "3 labels given but the input has 2 columns"),
        (["--labels", "a,b,c", "1", "2"], "", 2, "error: 3 labels given for 2 values"),
    ],
)
def test_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got, _, err = invoke(["-f", "csv", *args], stdin)
    assert got == code, err
    assert message in err
    if err.startswith("error:"):
        assert err.count("\n") == 1  # one line, no traceback


def test_good_rows_are_written_before_a_bad_one() -> None:
    code, out, err = invoke(["-f", "csv", "-p", "3"], "0,0\n0,0\n0,x\n")
    assert code == 65
    assert out.splitlines() == [HEADER, *["0.693,2.000,0.500,0.000,0"] * 2]
    assert err == "error: line 3, column 2: 'x' is not a number\n"


def test_stats_of_a_csv_file_through_a_real_pipe(run_script: RunScript, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=3, size=(3000, 6))  # more rows than one block of input
    path = tmp_path / "logits.csv"
    np.savetxt(path, logits, fmt="%.6f", delimiter=",", header="a,b,c,d,e,f", comments="")
    done = run_script("stats", "--input", str(path), "-k", "2")
    assert done.returncode == 0 and done.stderr == b""
    lines = done.stdout.decode().splitlines()
    assert lines[0] == f"{HEADER},top_1,p_top_1,top_2,p_top_2"
    rows = [line.split(",") for line in lines[1:]]
    probs = scipy.special.softmax(np.round(logits, 6), axis=1)
    entropy = np.array([float(row[0]) for row in rows])
    np.testing.assert_allclose(entropy, scipy.stats.entropy(probs, axis=1), atol=5e-9)
    assert [row[4] for row in rows] == ["abcdef"[i] for i in probs.argmax(axis=1)]
    assert [row[7] for row in rows] == ["abcdef"[i] for i in np.argsort(-probs, axis=1)[:, 1]]


def test_stats_of_vocabulary_rows_from_npy_through_a_real_pipe(run_script: RunScript) -> None:
    import io

    logits = np.random.default_rng(4).normal(scale=3, size=(40, 50_257)).astype(np.float32)
    logits[3, [5, 9]] = logits[3].max() + 1  # a tie for the top: margin 0, argmax 5
    buffer = io.BytesIO()
    np.save(buffer, logits)
    done = run_script("stats", "-k", "3", "-f", "csv", "-p", "10", stdin=buffer.getvalue())
    assert done.returncode == 0 and done.stderr == b""
    rows = np.array([line.split(",") for line in done.stdout.decode().splitlines()[1:]], float)
    probs = scipy.special.softmax(logits.astype(np.float64), axis=1)
    ordered = -np.sort(-probs, axis=1)
    top = np.argsort(-probs, axis=1, kind="stable")[:, :3]
    np.testing.assert_allclose(rows[:, 0], scipy.stats.entropy(probs, axis=1), atol=1e-9)
    np.testing.assert_allclose(rows[:, 2], ordered[:, 0], atol=1e-10)
    np.testing.assert_allclose(rows[:, 3], ordered[:, 0] - ordered[:, 1], atol=1e-10)
    np.testing.assert_array_equal(rows[:, 4], probs.argmax(axis=1))
    np.testing.assert_array_equal(rows[:, 5::2], top)
    np.testing.assert_allclose(rows[:, 6::2], np.take_along_axis(probs, top, 1), atol=1e-10)
    assert rows[3, 3] == 0 and rows[3, 4] == 5
