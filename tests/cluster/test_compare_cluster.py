"""compare over shard pairs on the session cluster: the same report as the run in one
process on the same shards, each pair's --rows file as that pair alone writes it, and
bad shards stopping the run with their name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compare_shards import SIZES, assert_close, write_shards


def report(run_script, *args: str) -> dict:
    done = run_script("compare", *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_npy_shards_report_as_in_one_process(tmp_path: Path, scheduler: str, run_script) -> None:
    write_shards(tmp_path)
    args = [str(tmp_path / "base/*.npy"), str(tmp_path / "other/*.npy")]
    args += ["--targets", str(tmp_path / "targets/*.npy"), "-k", "3"]
    plot = tmp_path / "kl.png"
    here = report(run_script, *args)
    there = report(run_script, *args, "--scheduler", scheduler, "--plot", str(plot))
    assert there["rows"] == sum(SIZES) and "ppl_ratio" in there["targets"]
    assert_close(there, here)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_csv_shards_report_as_in_one_process(tmp_path: Path, scheduler: str, run_script) -> None:
    write_shards(tmp_path, "csv")
    args = [str(tmp_path / "base/*.csv"), str(tmp_path / "other/*.csv"), "--base", "2"]
    assert_close(report(run_script, *args, "--scheduler", scheduler), report(run_script, *args))


def test_rows_per_pair_as_that_pair_alone(tmp_path: Path, scheduler: str, run_script) -> None:
    write_shards(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    done = run_script(
        "compare", str(tmp_path / "base/*.npy"), str(tmp_path / "other/*.npy"), "--rows",
        "--targets", str(tmp_path / "targets/*.npy"), "--output-dir", str(out),
        "--scheduler", scheduler,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert sorted(p.name for p in out.iterdir()) == ["000.csv", "001.csv", "002.csv"]
    for index in range(len(SIZES)):
        name = f"{index:03d}.npy"
        alone = run_script(
            "compare", str(tmp_path / "base" / name), str(tmp_path / "other" / name),
            "--rows", "--targets", str(tmp_path / "targets" / name), "-f", "csv",
        )  # fmt: skip
        assert (out / f"{index:03d}.csv").read_bytes() == alone.stdout


def test_shard_counts_that_differ_are_a_usage_error(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    write_shards(tmp_path)
    (tmp_path / "other/002.npy").unlink()
    done = run_script(
        "compare", str(tmp_path / "base/*.npy"), str(tmp_path / "other/*.npy"),
        "--scheduler", scheduler,
    )  # fmt: skip
    assert done.returncode == 2
    assert b"BASE names 3 files but OTHER names 2 files" in done.stderr


@pytest.mark.parametrize("engine", [False, True])
def test_bad_cell_in_third_other_shard(
    tmp_path: Path, scheduler: str, run_script, engine: bool
) -> None:
    write_shards(tmp_path, "csv")
    bad = tmp_path / "other/002.csv"
    lines = bad.read_text().splitlines()
    cells = lines[3].split(",")
    cells[4] = "oops"
    lines[3] = ",".join(cells)
    bad.write_text("\n".join(lines) + "\n")
    args = [str(tmp_path / "base/*.csv"), str(tmp_path / "other/*.csv")]
    done = run_script("compare", *args, *(["--scheduler", scheduler] if engine else []))
    assert done.returncode == 65
    assert done.stderr.decode().strip() == (
        f"error: {bad}: line 4, column 5: 'oops' is not a number"
    )
    assert done.stdout == b""
