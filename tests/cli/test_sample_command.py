"""The ``sample`` command: every option, the formats, seeds, bad input and real pipes."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
import scipy.special
import scipy.stats
from helpers import SCRIPT, RunScript, clean_env, invoke_cli

SEED = ["--seed", "1"]
SEED_NOTE = re.compile(r"^seed (\d+) \(repeat this run with --seed \1\)\n$")


def invoke(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    return invoke_cli(["sample", *args], stdin)


def drawn(args: list[str], stdin: str = "") -> list[str]:
    code, out, err = invoke(["-f", "csv", *SEED, *args], stdin)
    assert code == 0, err
    return out.splitlines()


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        # a class that the controls leave alone is the only one ever drawn
        (["-n", "20", "0", "-inf", "-inf"], "", ["0"] * 20),
        (["-n", "20", "-l", "a,b,c", "-inf", "3", "-inf"], "", ["b"] * 20),
        (["-n", "20", "--top-k", "1", "1", "3", "3"], "", ["1"] * 20),  # a tie: lower index
        (["-n", "20", "--top-p", "0.5", "--probs", "0.5,0.3,0.2"], "", ["0"] * 20),
        (["-n", "20", "--min-p", "1", "1", "2", "0"], "", ["1"] * 20),
        (["-n", "20", "-t", "0.01", "1", "2", "1.5"], "", ["1"] * 20),
        (["--probs", "--renormalize", "-n", "5", "0", "7"], "", ["1"] * 5),
        (["--with-prob", "-p", "3", "--top-k", "1", "1", "2"], "", ["1,1.000"]),
        (["--with-prob", "-p", "3", "--top-k", "2", "0", "0", "-inf"], "", None),  # below
        (["-f", "tsv", "--with-prob", "-p", "2", "-l", "x,y", "-inf", "0"], "", ["y\t1.00"]),
        # CSV rows: one output row per input row, named columns, a header always
        ([], "a,b\n0,-inf\n-inf,0\n", ["sample", "a", "b"]),
        (["-n", "2"], "-inf,0\n", ["sample_1,sample_2", "1,1"]),
        (
            ["-n", "2", "--with-prob", "-p", "2"],
            "x,y\n0,-inf\n",
            ["sample_1,p_sample_1,sample_2,p_sample_2", "x,1.00,x,1.00"],
        ),
        (["--skip-invalid"], "0,-inf\nz,1\n-inf,0\n", ["sample", "0", "1"]),
        ([], "", []),  # empty input, empty output
        ([], "# nothing\n", []),
    ],
)
def test_sample_outputs(args: list[str], stdin: str, expected: list[str] | None) -> None:
    lines = drawn(args, stdin)
    if expected is None:  # one of two equally likely classes, with its probability
        assert lines in (["0,0.500"], ["1,0.500"])
        return
    assert lines == expected


def test_json_lines_are_one_object_per_draw_or_per_row() -> None:
    code, out, _ = invoke(["-f", "json", *SEED, "-n", "2", "--with-prob", "-l", "a,b", "0", "-inf"])
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [{"sample": "a", "p_sample": 1.0}] * 2
    code, out, _ = invoke(["-f", "json", *SEED, "-n", "2", "--with-prob"], "-inf,0\n")
    assert json.loads(out) == {"sample_1": 1, "p_sample_1": 1.0, "sample_2": 1, "p_sample_2": 1.0}
    code, out, _ = invoke(["-f", "json", *SEED], "a,b\n0,-inf\n")
    assert json.loads(out) == {"sample": "a"}


def test_with_prob_gives_the_probability_after_filtering() -> None:
    logits = [2.0, 1.0, 0.5, 0.0]
    lines = drawn(["-n", "200", "--with-prob", "-p", "12", "--top-k", "2", *map(str, logits)])
    kept = scipy.special.softmax(logits[:2])
    for line in lines:
        label, prob = line.split(",")
        assert label in ("0", "1")
        assert float(prob) == pytest.approx(kept[int(label)], abs=1e-12)


def test_draws_follow_temperature_and_every_control_chi_square() -> None:
    logits = [2.0, 1.5, 1.0, 0.5, 0.0, -1.0]
    args = ["-n", "100000", "-t", "2", "--top-k", "5", "--top-p", "0.8", "--min-p", "0.55"]
    classes = np.array([int(v) for v in drawn([*args, *map(str, logits)])])
    # Each control removes one class: top-k 5 class 5; of the rest, renormalised
    # (0.31, 0.24, 0.19, 0.15, 0.11), top-p 0.8 keeps four (0.74 < 0.8 before the
    # fourth); min-p 0.55 keeps p >= 0.55 * 0.31 = 0.17: classes 0, 1 and 2.
    p = scipy.special.softmax(np.array(logits[:5]) / 2)
    cumulative_before = np.concatenate([[0], np.cumsum(p / p.sum())[:-1]])
    kept = (cumulative_before < 0.8) & (p >= 0.55 * p.max())
    assert kept.tolist() == [True, True, True, False, False]
    expected = np.where(kept, p, 0) / p[kept].sum()
    counts = np.bincount(classes, minlength=6)
    assert counts[3:].sum() == 0
    assert scipy.stats.chisquare(counts[:3], 100000 * expected[:3]).pvalue > 0.001


def test_the_same_seed_gives_the_same_draws_and_another_seed_others() -> None:
    values = ["-n", "50", "0", "0", "0", "0"]
    first = drawn(values)
    assert drawn(values) == first
    code, other, _ = invoke(["-f", "csv", "--seed", "2", *values])
    assert code == 0 and other.splitlines() != first


def test_without_a_seed_one_is_chosen_and_announced() -> None:
    code, out, err = invoke(["-f", "csv", "-n", "30", "0", "0", "0"])
    assert code == 0
    match = SEED_NOTE.match(err)
    assert match, err
    assert drawn(["--seed", match.group(1), "-n", "30", "0", "0", "0"])[-30:] == out.splitlines()
    code, _, err = invoke(["-f", "csv", "-q", "0", "0"])
    assert (code, err) == (0, "")
    code, _, err = invoke(["-f", "csv"], "")  # no rows: nothing drawn, nothing announced
    assert (code, err) == (0, "")


def test_values_as_arguments_draw_as_the_same_row_in_csv() -> None:
    as_values = drawn(["-n", "40", "1", "2", "3"])
    as_csv = drawn(["-n", "40"], "1,2,3\n")[1].split(",")
    assert as_values == as_csv


def test_table_for_values_lists_the_draws() -> None:
    code, out, _ = invoke(
        ["-f", "table", *SEED, "-n", "3", "-l", "a,bb", "--with-prob", "0", "-inf"]
    )
    assert code == 0
    assert out.splitlines() == ["a   1.00000000"] * 3
    code, out, _ = invoke(["-f", "table", *SEED, "-n", "2", "-l", "[b]x[/b],y", "0", "-inf"])
    assert out.splitlines() == ["[b]x[/b]"] * 2  # labels are not Rich markup


def test_table_for_rows_is_a_preview() -> None:
    stdin = "a,b\n" + "0,-inf\n" * 25
    code, out, _ = invoke(["-f", "table", *SEED, "-n", "2", "--with-prob", "-p", "2"], stdin)
    assert code == 0
    assert "2 samples" in out
    assert out.count("a 1.00, a 1.00") == 20
    assert "… 5 more rows not shown" in out


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["--top-k", "0", "1", "2"], "", 2, "0 is not in the range x>=1"),
        (["--top-p", "0", "1", "2"], "", 2, "0.0 is not in the range 0<x<=1"),
        (["--top-p", "1.5", "1", "2"], "", 2, "1.5 is not in the range 0<x<=1"),
        (["--min-p", "0", "1", "2"], "", 2, "0.0 is not in the range 0<x<=1"),
        (["--min-p", "2", "1", "2"], "", 2, "2.0 is not in the range 0<x<=1"),
        (["-t", "0", "1", "2"], "", 2, "must be a positive finite number"),
        (["-t", "-0.5", "1", "2"], "", 2, "must be a positive finite number"),
        (["-n", "0", "1", "2"], "", 2, "0 is not in the range x>=1"),
        (["--seed", "-1", "1", "2"], "", 2, "-1 is not in the range 0<=x<=4294967295"),
        (["--renormalize", "1", "2"], "", 2, "error: --renormalize applies to --probs input only"),
        (["--probs", "0.5", "0.6"], "", 2, "error: probabilities sum to 1.1, not 1"),
        (["--probs"], "0.5,0.5\n0.5,0.6\n", 65, "error: line 2: probabilities sum to 1.1"),
        (["-inf", "-inf"], "", 2, "error: every logit is -inf"),
        ([], "1,2\n-inf,-inf\n", 65, "error: line 2: every logit is -inf"),
        (["1", "oops"], "", 2, "error: value 2: 'oops' is not a number"),
        ([], "1,2\n3,x\n", 65, "error: line 2, column 2: 'x' is not a number"),
        (["--labels", "a,b,c", "1", "2"], "", 2, "error: 3 labels given for 2 values"),
        (["--labels", "a,b,c"], "1,2\n", 65, "3 labels given but the input has 2 columns"),
    ],
)
def test_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got, out, err = invoke(["-f", "csv", *args], stdin)
    assert got == code, err
    assert message in err
    if code == 2:
        assert out == "" and "repeat this run" not in err  # no seed note before it


def test_good_rows_are_written_before_a_bad_one() -> None:
    code, out, err = invoke(["-f", "csv", *SEED], "0,-inf\n0,-inf\n0,x\n")
    assert code == 65
    assert out.splitlines() == ["sample", "0", "0"]
    assert err == "error: line 3, column 2: 'x' is not a number\n"


def test_sample_over_a_csv_file_through_a_real_pipe(run_script: RunScript, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "logits.csv"
    rows = 4000  # more than one block of input
    path.write_text("dog,cat,boat\n" + "-inf,1.5,1.5\n2,-inf,-inf\n" * (rows // 2))
    done = run_script("sample", "--seed", "4", "-n", "3", "--with-prob", "-p", "1", "-i", str(path))
    assert done.returncode == 0 and done.stderr == b""
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "sample_1,p_sample_1,sample_2,p_sample_2,sample_3,p_sample_3"
    assert len(lines) == rows + 1
    assert set(lines[2::2]) == {"dog,1.0,dog,1.0,dog,1.0"}
    assert {cell for line in lines[1::2] for cell in line.split(",")} == {"cat", "boat", "0.5"}


def test_head_ends_a_sample_pipeline_quietly() -> None:
    for command in (
        f"yes 0,1,2 | head -n 200000 | '{SCRIPT}' sample --seed 1 | head -1",
        f"'{SCRIPT}' sample --seed 1 -n 1000000 0 1 2 | head -1",
    ):
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, env=clean_env(), timeout=60
        )
        assert done.stdout in (b"sample\n", b"0\n", b"1\n", b"2\n"), command
        assert done.stderr == b"", command


@pytest.mark.parametrize(
    "options", [[], ["--top-k", "40"], ["--top-p", "0.9"], ["--top-k", "500", "--min-p", "0.01"]]
)
def test_vocabulary_rows_draw_what_a_whole_row_sort_draws(
    run_script: RunScript, options: list[str]
) -> None:
    import io

    from softmax_cli.core.calculator.activations import shifted_logits
    from softmax_cli.core.calculator.sampling import Filters, draw, drawn_probs, filtered_weights

    logits = np.random.default_rng(5).normal(scale=3, size=(50, 50_257)).astype(np.float32)
    buffer = io.BytesIO()
    np.save(buffer, logits)
    done = run_script(
        "sample",
        "--seed",
        "9",
        "-n",
        "2",
        "--with-prob",
        "-f",
        "csv",
        *options,
        stdin=buffer.getvalue(),
    )
    assert done.returncode == 0 and done.stderr == b""
    rows = np.array([line.split(",") for line in done.stdout.decode().splitlines()[1:]], float)
    named = dict(zip(options[::2], options[1::2], strict=True))
    filters = Filters(
        int(named["--top-k"]) if "--top-k" in named else None,
        float(named["--top-p"]) if "--top-p" in named else None,
        float(named["--min-p"]) if "--min-p" in named else None,
    )
    kept = filtered_weights(np.exp(shifted_logits(logits.astype(np.float64))), filters)
    classes = draw(kept, 2, np.random.default_rng(9))
    np.testing.assert_array_equal(rows[:, ::2], classes)
    np.testing.assert_allclose(rows[:, 1::2], drawn_probs(kept, classes), atol=1e-8)
