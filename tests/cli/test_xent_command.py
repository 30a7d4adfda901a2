"""The ``xent`` command: every option, the formats, targets in CSV columns, and errors."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
import scipy.special
from golden import AIRPLANE_LOSS_4DP, ANIMAL_LABELS, ANIMAL_PROBS_4DP, ANIMAL_SCORES
from helpers import RunScript, invoke_cli
from sklearn.metrics import log_loss

ANIMALS = ["--labels", ",".join(ANIMAL_LABELS)]
SCORES = [str(v) for v in ANIMAL_SCORES]
HEADER = "loss,target_prob,target,predicted\n"


def invoke(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    return invoke_cli(["xent", *args], stdin)


def rows_of(out: str) -> list[list[str]]:
    lines = out.splitlines()
    assert lines[0] + "\n" == HEADER
    return [line.split(",") for line in lines[1:]]


@pytest.mark.parametrize("target", ["airplane", "3"])
def test_article_example_in_csv(target: str) -> None:
    code, out, err = invoke(["-f", "csv", "-p", "4", "--target", target, *ANIMALS, *SCORES])
    assert code == 0, err
    assert out == HEADER + f"{AIRPLANE_LOSS_4DP},{ANIMAL_PROBS_4DP[3]},airplane,airplane\n"
    perplexity = 1 / scipy.special.softmax(ANIMAL_SCORES)[3]  # exp(-ln p) of one row
    assert err == (
        f"xent: 1 row, mean loss {AIRPLANE_LOSS_4DP} nats, perplexity {perplexity:.4f}, "
        "accuracy 100.00% (1/1)\n"
    )


def test_article_example_as_a_table() -> None:
    code, out, _ = invoke(["-f", "table", "-p", "4", "--target", "airplane", *ANIMALS, *SCORES])
    assert code == 0
    assert "loss = -ln p(airplane) = -ln 0.9315 = 0.0709 nats" in out
    airplane_row = next(line for line in out.splitlines() if "airplane" in line and "3.91" in line)
    assert "49.8990" in airplane_row  # exp(3.91)
    assert "0.9315" in airplane_row
    assert "◀ target" in airplane_row
    assert "53.5658" in out  # the sum of the exps


def test_table_marks_a_wrong_prediction() -> None:
    code, out, _ = invoke(["-f", "table", "-p", "4", "--target", "cat", *ANIMALS, *SCORES])
    assert code == 0
    assert "◀ most likely" in next(line for line in out.splitlines() if "airplane" in line)
    assert f"-ln 0.0596 = {-math.log(scipy.special.softmax(ANIMAL_SCORES)[1]):.4f}" in out


def test_json_row_is_flat_and_full_precision() -> None:
    code, out, _ = invoke(["-f", "json", "--target", "airplane", *ANIMALS, *SCORES])
    assert code == 0
    record = json.loads(out)
    exps = [math.exp(x) for x in ANIMAL_SCORES]
    assert record["loss"] == pytest.approx(-math.log(exps[3] / math.fsum(exps)), abs=1e-15)
    assert record["target"] == record["predicted"] == "airplane"


def test_base_2_gives_bits() -> None:
    _, nats, _ = invoke(["-f", "json", "--target", "1", *SCORES])
    code, bits, err = invoke(["-f", "json", "--base", "2", "--target", "1", *SCORES])
    assert code == 0
    assert json.loads(bits)["loss"] == pytest.approx(json.loads(nats)["loss"] / math.log(2))
    assert "bits" in err
    _, table, _ = invoke(["-f", "table", "--base", "2", "--target", "1", *SCORES])
    assert "-log2 p(1)" in table


def test_csv_mean_matches_sklearn_log_loss() -> None:
    rng = np.random.default_rng(11)
    logits = rng.normal(scale=2.0, size=(300, 5))
    targets = rng.integers(0, 5, size=300)
    stdin = "a,b,c,d,e,label\n" + "".join(
        ",".join(map(repr, row.tolist())) + f",{t}\n"
        for row, t in zip(logits, targets, strict=True)
    )
    code, out, _ = invoke(["-f", "json", "--reduction", "mean"], stdin)
    assert code == 0
    summary = json.loads(out)
    expected = log_loss(targets, scipy.special.softmax(logits, axis=1), labels=range(5))
    assert summary["loss"] == pytest.approx(expected, rel=1e-12)
    assert summary["rows"] == 300
    assert summary["accuracy"] == pytest.approx(np.mean(logits.argmax(axis=1) == targets))


def test_reduction_sum_and_mean_print_one_number() -> None:
    stdin = "x,y,target\n0,0,0\n0,0,1\n"
    code, out, _ = invoke(["-f", "csv", "--reduction", "sum"], stdin)
    assert (code, out) == (0, f"{2 * math.log(2):.8f}\n")
    code, out, _ = invoke(["-f", "tsv", "--reduction", "mean", "-p", "3"], stdin)
    assert (code, out) == (0, f"{math.log(2):.3f}\n")


def test_target_cells_as_labels_and_indices() -> None:
    stdin = "dog,cat,target\n2,0,cat\n2,0,0\n0,2,dog\n"
    code, out, err = invoke(["-f", "csv", "-p", "6"], stdin)
    assert code == 0, err
    loss_wrong, loss_right = math.log1p(math.exp(2)), math.log1p(math.exp(-2))
    assert rows_of(out) == [
        [f"{loss_wrong:.6f}", f"{math.exp(-loss_wrong):.6f}", "cat", "dog"],
        [f"{loss_right:.6f}", f"{math.exp(-loss_right):.6f}", "dog", "dog"],
        [f"{loss_wrong:.6f}", f"{math.exp(-loss_wrong):.6f}", "dog", "cat"],
    ]
    assert "3 rows" in err
    assert "accuracy 33.33% (1/3)" in err


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        ([], "label,a,b\n1,0,0\n"),  # default name 'label', first column
        (["--target-column", "truth"], "a,truth,b\n0,1,0\n"),
        (["--target-column", "1"], "0,1,0\n"),  # an index, no header
        (["--target-column", "1"], "a,t,b\n0,1,0\n"),
        (["--target", "1"], "a,b\n0,0\n"),  # the same target for every row
        (["--target", "b"], "a,b\n0,0\n"),
    ],
)
def test_where_the_target_comes_from(args: list[str], stdin: str) -> None:
    code, out, err = invoke(["-f", "csv", "-p", "4", *args], stdin)
    assert code == 0, err
    assert rows_of(out)[0][:2] == ["0.6931", "0.5000"]
    assert rows_of(out)[0][2] in {"1", "b"}


def test_labels_that_are_numbers_are_labels_first() -> None:
    code, out, _ = invoke(["-f", "csv", "-p", "4", "--target-column", "t"], "1,0,t\n5,0,0\n5,0,1\n")
    assert code == 0
    assert [row[2] for row in rows_of(out)] == ["0", "1"]  # '0' is class 1, '1' class 0
    assert rows_of(out)[0][0] == f"{math.log1p(math.exp(5)):.4f}"


def test_probs_input() -> None:
    code, out, _ = invoke(["-f", "csv", "--probs", "--target", "0", "0.9,0.05,0.05"])
    assert (code, rows_of(out)) == (0, [[f"{-math.log(0.9):.8f}", "0.90000000", "0", "0"]])
    code, out, _ = invoke(["-f", "csv", "--probs", "--renormalize", "--target", "1", "2", "6"])
    assert rows_of(out)[0][:2] == [f"{-math.log(0.75):.8f}", "0.75000000"]


def test_zero_probability_target_warns_and_clip_bounds_it() -> None:
    code, out, err = invoke(["-f", "csv", "--probs", "--target", "1", "1", "0"])
    assert code == 0
    assert rows_of(out)[0][0] == "inf"
    assert "warning: line 1: 1 row has an infinite loss" in err
    assert "--clip" in err
    code, out, err = invoke(["-f", "csv", "--probs", "--clip", "1e-7", "--target", "1", "1", "0"])
    assert rows_of(out)[0][0] == f"{-math.log(1e-7):.8f}"
    assert "warning" not in err
    code, out, _ = invoke(["-f", "json", "--probs", "--target", "1", "1", "0"])
    assert json.loads(out)["loss"] is None  # JSON has no infinity


def test_binary_from_logits_and_probabilities() -> None:
    code, out, _ = invoke(["-f", "csv", "--binary", "--target", "1", "-2"])
    assert rows_of(out) == [
        [f"{math.log1p(math.exp(2)):.8f}", f"{1 / (1 + math.exp(2)):.8f}", "1", "0"]
    ]
    stdin = "p,y\n0.2,1\n0.9,0\n"
    code, out, err = invoke(["-f", "csv", "--binary", "--probs", "--target-column", "y"], stdin)
    assert code == 0, err
    assert [row[0] for row in rows_of(out)] == [f"{-math.log(0.2):.8f}", f"{-math.log(0.1):.8f}"]
    code, out, _ = invoke(["-f", "table", "--binary", "--target", "0", "3"])
    assert "binary cross-entropy" in out


def test_label_smoothing_and_weights() -> None:
    args = ["-f", "csv", "--target", "0", "--", "0", str(math.log(3))]
    code, out, _ = invoke(["--label-smoothing", "0.2", "--weights", "2,1", *args])
    expected = 0.8 * 2 * math.log(4) + 0.1 * (2 * math.log(4) + math.log(4 / 3))
    assert code == 0
    assert float(rows_of(out)[0][0]) == pytest.approx(expected, abs=1e-8)
    _, table, _ = invoke(["-f", "table", "--label-smoothing", "0.2", *args[2:]])
    assert "label smoothing 0.2" in table


def test_weighted_mean_divides_by_the_targets_weights() -> None:
    stdin = "a,b,target\n0,0,0\n0,0,1\n"
    code, out, _ = invoke(["-f", "csv", "--weights", "3,1", "--reduction", "mean"], stdin)
    assert (code, float(out)) == (0, pytest.approx(math.log(2)))  # (3 ln2 + ln2) / (3 + 1)
    code, out, _ = invoke(["-f", "csv", "--weights", "3,1", "--reduction", "sum"], stdin)
    assert float(out) == pytest.approx(4 * math.log(2))


def test_many_rows_as_a_table_have_a_summary_footer() -> None:
    stdin = "a,b,target\n" + "1,0,0\n0,1,0\n" * 15
    code, out, _ = invoke(["-f", "table"], stdin)
    assert code == 0
    assert "… 10 more rows not shown" in out
    words = " ".join(out.split())  # the footer may wrap
    assert "30 rows, mean loss" in words
    assert "accuracy 50.00% (15/30)" in words
    mean = (math.log1p(math.exp(-1)) + math.log1p(math.exp(1))) / 2
    assert f"perplexity {math.exp(mean):.8f}" in words


def test_quiet_and_empty_input() -> None:
    code, out, err = invoke(["-f", "csv", "-q", "--target", "0", "1", "2"])
    assert code == 0 and out and err == ""
    assert invoke(["-f", "csv"], "") == (0, "", "")
    assert invoke(["-f", "csv", "--reduction", "mean"], "a,target\n") == (0, "", "")


def test_skip_invalid_skips_bad_targets() -> None:
    stdin = "a,b,target\n0,0,0\n0,0,7\n0,0,x\n0,0,1\n"
    code, out, err = invoke(["-f", "csv", "--skip-invalid"], stdin)
    assert code == 0
    assert [row[2] for row in rows_of(out)] == ["a", "b"]
    assert "skipped 2 invalid rows (lines 3, 4)" in err


def test_good_rows_are_written_before_a_bad_target() -> None:
    stdin = "a,b,target\n" + "0,0,1\n" * 3 + "0,0,2\n"
    code, out, err = invoke(["-f", "csv"], stdin)
    assert code == 65
    assert len(rows_of(out)) == 3
    assert err == "error: line 5, column 3: target index 2 is out of range: 2 classes, 0-1\n"


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (
            ["--target", "horse", *ANIMALS, *SCORES],
            "",
            2,
            "--target: target 'horse' is not a class label (dog, cat, boat, airplane) or index",
        ),
        (["--target", "4", *SCORES], "", 2, "--target: target index 4 is out of range"),
        (SCORES, "", 2, "which class is true? give --target IDX|LABEL"),
        (["--target", "0", "--target-column", "t"], "a,t\n1,0\n", 2, "not both"),
        (["--target-column", "t", *SCORES], "", 2, "--target-column is for CSV input"),
        (["--clip", "0.1", "--target", "0", "1", "2"], "", 2, "apply to --probs input only"),
        (["--binary", "--labels", "a,b", "--target", "0", "1"], "", 2, "--labels does not apply"),
        (["--binary", "--target", "0", "1", "2"], "", 2, "--binary takes one value per row"),
        (["--binary", "--target", "2", "1"], "", 2, "binary target must be 0 or 1, got '2'"),
        (
            ["--weights", "1,2", "--target", "0", "1", "2", "3"],
            "",
            2,
            "2 weights given for 3 classes",
        ),
        (["--weights", "1,x"], "", 2, "weight 2: 'x' is not a number"),
        (["--weights", "0,0"], "", 2, "at least one weight must be positive"),
        (["--weights", "1,-1"], "", 2, "must be finite and >= 0"),
        (["--label-smoothing", "1"], "", 2, "--label-smoothing"),
        (["--base", "10"], "", 2, "'10' is not one of 'e', '2'"),
        (["--reduction", "avg"], "", 2, "'avg' is not one of"),
        (["--probs", "--target", "0", "0.9", "0.2"], "", 2, "probabilities sum to 1.1, not 1"),
        (
            ["--probs", "--target", "0", "1.5", "-0.5"],
            "",
            2,
            "value 2: probability -0.5 is negative",
        ),
        ([], "a,b\n1,2\n", 2, "no target: give --target for every row, or --target-column"),
        (
            ["--target-column", "z"],
            "a,b\n1,2\n",
            2,
            "--target-column 'z': no such column (the header has a, b)",
        ),
        (["--target-column", "5"], "1,2\n", 2, "--target-column 5 is out of range"),
        (
            ["--target-column", "0"],
            "0\n",
            65,
            "line 1: the input has no columns besides the target",
        ),
        (["--weights", "1,1,1"], "a,b,target\n1,2,0\n", 65, "3 weights given for 2 classes"),
        (
            ["--binary"],
            "a,b,target\n1,2,0\n",
            65,
            "--binary takes one value per row, the input has 2",
        ),
        (
            [],
            "a,b,target\n1,2,1.5\n",
            65,
            "line 2, column 3: target '1.5' is not a class label (a, b) or index (0-1)",
        ),
        (
            [],
            "a,b,target\n1,2,pig\n",
            65,
            "line 2, column 3: target 'pig' is not a class label (a, b) or index (0-1)",
        ),
        (
            ["--no-header", "--target-column", "2"],
            "1,2,pig\n",
            65,
            "target 'pig' is not a class index (0-1) and the classes have no labels",
        ),
        (["--probs"], "a,b,target\n0.5,0.5,0\n0.5,0.6,1\n", 65, "line 3: probabilities sum to 1.1"),
        (
            ["--probs"],
            "a,target,b\n0.5,0,0.5\n-0.5,1,1.5\n",
            65,
            "line 3, column 1: probability -0.5 is negative",
        ),
        (
            ["--probs"],
            "b,target,a\n0.5,0,0.5\n1.5,1,-0.5\n",
            65,
            "line 3, column 3: probability -0.5 is negative",
        ),
        (["--probs", "--renormalize"], "a,b,target\n0,0,0\n", 65, "probabilities sum to 0"),
        (
            ["--binary", "--probs"],
            "p,target\n1.5,0\n",
            65,
            "line 2, column 1: probability 1.5 is outside [0, 1]",
        ),
        ([], "a,b,target\n-inf,-inf,0\n", 65, "line 2: every logit is -inf"),
    ],
)
def test_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got_code, _, err = invoke(["-f", "csv", *args], stdin)
    assert got_code == code, err
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_pipe_with_a_bad_target_on_line_n(run_script: RunScript) -> None:
    stdin = b"dog,cat,label\n" + b"1,2,dog\n" * 1000 + b"1,2,horse\n" + b"1,2,cat\n"
    done = run_script("xent", stdin=stdin)
    assert done.returncode == 65
    lines = done.stdout.decode().splitlines()
    assert lines[0] == HEADER.strip()
    assert len(lines) == 1001
    assert lines[-1] == f"{math.log1p(math.exp(1)):.8f},{1 / (1 + math.e):.8f},dog,cat"
    assert (
        done.stderr
        == b"error: line 1002, column 3: target 'horse' is not a class label (dog, cat) "
        b"or index (0-1)\n"
    )


def test_pipe_streams_many_rows_with_index_targets(run_script: RunScript) -> None:
    stdin = b"a,b,c,target\n" + b"0.7,1.5,4.8,2\n" * 20_000
    done = run_script("xent", "-p", "4", stdin=stdin)
    assert done.returncode == 0
    assert done.stdout == HEADER.encode() + b"0.0521,0.9493,c,c\n" * 20_000
    perplexity = 1 / scipy.special.softmax([0.7, 1.5, 4.8])[2]
    assert (
        done.stderr
        == (
            f"xent: 20000 rows, mean loss 0.0521 nats, perplexity {perplexity:.4f}, "
            "accuracy 100.00% (20000/20000)\n"
        ).encode()
    )


def perplexity_case(weights: list[float] | None) -> tuple[str, float]:
    """CSV rows of logits with a target column, and exp of their (weighted) mean loss in
    nats, computed here from SciPy's log_softmax."""
    rng = np.random.default_rng(29)
    logits = rng.normal(scale=3.0, size=(200, 4))
    targets = rng.integers(0, 4, size=200)
    losses = -scipy.special.log_softmax(logits, axis=1)[np.arange(200), targets]
    w = np.ones(4) if weights is None else np.array(weights)
    mean = float(np.sum(w[targets] * losses) / np.sum(w[targets]))
    stdin = "a,b,c,d,target\n" + "".join(
        ",".join(map(repr, row.tolist())) + f",{t}\n"
        for row, t in zip(logits, targets, strict=True)
    )
    return stdin, math.exp(mean)


@pytest.mark.parametrize("weights", [None, [1.0, 2.0, 0.5, 0.0]])
@pytest.mark.parametrize("base", ["e", "2"])
def test_perplexity_is_exp_of_the_mean_loss_in_nats(weights: list[float] | None, base: str) -> None:
    stdin, expected = perplexity_case(weights)
    options = ["--base", base] + (
        [] if weights is None else ["--weights", ",".join(map(str, weights))]
    )
    code, out, err = invoke(["-f", "csv", "-p", "10", *options], stdin)
    assert code == 0, err
    assert f", perplexity {expected:.10f}, accuracy" in err
    code, out, _ = invoke(["-f", "json", "--reduction", "mean", *options], stdin)
    summary = json.loads(out)
    assert list(summary) == ["loss", "reduction", "rows", "accuracy", "perplexity"]
    assert summary["perplexity"] == pytest.approx(expected, rel=1e-12)
    unit = math.log(2) if base == "2" else 1.0
    assert summary["loss"] == pytest.approx(math.log(expected) / unit, rel=1e-12)
    code, out, err = invoke(["-f", "csv", "-p", "10", "--reduction", "perplexity", *options], stdin)
    assert (code, out) == (0, f"{expected:.10f}\n")
    assert f"perplexity {expected:.10f}" in err  # the summary says it too
    code, out, _ = invoke(["-f", "json", "--reduction", "perplexity", *options], stdin)
    summary = json.loads(out)
    assert summary["reduction"] == "perplexity"
    assert summary["perplexity"] == pytest.approx(expected, rel=1e-12)
    assert summary["loss"] == pytest.approx(math.log(expected) / unit, rel=1e-12)


def test_perplexity_as_npy_and_at_its_limits() -> None:
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    stdin, expected = perplexity_case(None)
    result = CliRunner().invoke(cli, ["xent", "-f", "npy", "--reduction", "perplexity"], stdin)
    assert result.exit_code == 0, result.stderr
    array = np.load(io.BytesIO(result.stdout_bytes))
    assert array.shape == (1, 1) and array[0, 0] == pytest.approx(expected, rel=1e-12)
    # One class certain, the target another: loss 1000 nats, a perplexity beyond floats.
    code, out, _ = invoke(["-f", "json", "--reduction", "perplexity", "--target", "1", "1000", "0"])
    assert code == 0
    assert json.loads(out)["perplexity"] is None  # JSON has no infinity
    code, out, _ = invoke(["-f", "csv", "--reduction", "perplexity", "--target", "0", "0", "0"])
    assert (code, out) == (0, "2.00000000\n")  # two equally likely classes
