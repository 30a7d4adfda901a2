"""Sizes that cannot fit in memory are refused up front with the size asked for (exit 2,
or 65 when the data decides), and the caps are in --help; sample's draws of one row
stream, so any number of them into a closed pipe ends at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import SCRIPT, RunScript, clean_env, invoke_cli

from softmax_cli.cli import ranges
from softmax_cli.core.trainer import mlp

HUGE = str(10**12)


def test_the_cli_cap_is_the_cores() -> None:
    assert ranges.MAX_PARAMETERS == mlp.MAX_PARAMETERS


def test_bins_are_capped() -> None:
    code, _, err = invoke_cli(["calibrate", "--bins", HUGE, "--target", "0", "1", "2"])
    assert code == 2
    assert HUGE in err and "1<=x<=1000000" in err
    assert "at most 1,000,000" in " ".join(invoke_cli(["calibrate", "--help"])[1].split())


@pytest.mark.parametrize("command", ["train-blobs", "train"])
@pytest.mark.parametrize(
    ("hidden", "message"),
    [
        ("100000000", "a layer of 100000000 units is more than the 100000 allowed"),
        ("50000,50000", "2500050000 weights between the hidden layers"),
    ],
)
def test_hidden_layers_are_capped(command: str, hidden: str, message: str, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("x,label\n1,a\n2,b\n")
    args = [command, "--hidden", hidden] + ([str(data)] if command == "train" else [])
    code, _, err = invoke_cli(args)
    assert code == 2
    assert message in err
    assert "100,000 units" in " ".join(invoke_cli([command, "--help"])[1].split())


def test_a_network_too_wide_for_its_centers_is_a_usage_error() -> None:
    centers = " ".join(",".join([str(k)] * 200) for k in range(2))
    args = ["train-blobs", "--seed", "1", "--hidden", "99999", "--centers", centers]
    code, _, err = invoke_cli(args)
    assert code == 2
    assert err == (
        "error: a 200-99999-2 network has 20299799 parameters, more than the 10000000 allowed\n"
    )


def test_a_network_too_wide_for_the_data_is_a_data_error(tmp_path: Path) -> None:
    data = tmp_path / "wide.csv"
    names = [f"x{i}" for i in range(120)]
    rows = [",".join([*names, "label"])]
    rows += [",".join([*(f"{(i * j) % 7}.5" for j in range(120)), "ab"[i % 2]]) for i in range(6)]
    data.write_text("\n".join(rows) + "\n")
    code, _, err = invoke_cli(["train", str(data), "--hidden", "99999", "-q"])
    assert code == 65
    assert "a 120-99999-2 network has" in err and "more than the 10000000 allowed" in err


def test_draws_per_input_row_are_capped(run_script: RunScript) -> None:
    done = run_script("sample", "-n", HUGE, "--seed", "1", "-f", "csv", stdin=b"1,2\n")
    assert done.returncode == 2
    assert f"{HUGE} draws per row read from input is more than the 100000" in done.stderr.decode()
    assert "at most 100,000" in " ".join(invoke_cli(["sample", "--help"])[1].split())


def test_any_number_of_draws_of_one_row_streams_into_a_closed_pipe() -> None:
    assert SCRIPT is not None
    with subprocess.Popen(
        [SCRIPT, "sample", "-n", HUGE, "--seed", "1", "1", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        lines = [process.stdout.readline() for _ in range(3)]
        process.stdout.close()  # as `| head -3` does
        process.wait(timeout=120)
        assert process.stderr.read() == b""
    assert all(line.strip() in {b"0", b"1"} for line in lines)
    assert process.returncode in (0, 1)  # a closed pipe ends quietly
