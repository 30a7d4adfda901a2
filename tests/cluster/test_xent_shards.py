"""xent on the session cluster: the reductions and the summary are the single-process
run's on the same shards, and per-row scores are each shard's own file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from shard_data import write_csv_shards, write_npy_shards


def same_json(single: bytes, cluster: bytes, rel: float) -> None:
    a, b = json.loads(single), json.loads(cluster)
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, float):
            assert b[key] == pytest.approx(value, rel=rel, abs=0), key
        else:
            assert b[key] == value, key


@pytest.mark.parametrize("reduction", ["mean", "sum", "perplexity"])
def test_csv_shards_reduce_as_in_one_process(
    tmp_path: Path, scheduler: str, run_script, reduction: str
) -> None:
    shards = write_csv_shards(tmp_path, [40, 1, 75, 33])
    args = ["xent", "-i", shards, "--reduction", reduction]
    for fmt in ("json", "csv"):
        single = run_script(*args, "-f", fmt)
        cluster = run_script(*args, "-f", fmt, "--scheduler", scheduler)
        assert single.returncode == cluster.returncode == 0, cluster.stderr
        if fmt == "json":
            same_json(single.stdout, cluster.stdout, 1e-12)
            assert json.loads(cluster.stdout)["rows"] == 149
        else:  # 8 decimals: the same bytes
            assert cluster.stdout == single.stdout
        assert cluster.stderr == single.stderr  # the summary
        assert cluster.stderr.startswith(b"xent: 149 rows, mean loss ")


@pytest.mark.parametrize("binary", [False, True])
def test_npy_shards_with_a_targets_glob_reduce_as_in_one_process(
    tmp_path: Path, scheduler: str, run_script, binary: bool
) -> None:
    logits, targets = write_npy_shards(tmp_path, [64, 30, 1, 50], binary)
    args = ["xent", "-i", logits, "--targets", targets, *(["--binary"] * binary)]
    for reduction in ("mean", "sum", "perplexity"):
        single = run_script(*args, "--reduction", reduction, "-f", "npy")
        cluster = run_script(*args, "--reduction", reduction, "-f", "npy", "--scheduler", scheduler)
        assert single.returncode == cluster.returncode == 0, cluster.stderr
        a, b = np.load(io.BytesIO(single.stdout)), np.load(io.BytesIO(cluster.stdout))
        assert a.shape == b.shape == (1, 1)
        assert b[0, 0] == pytest.approx(a[0, 0], rel=1e-12, abs=0)
        assert cluster.stderr == single.stderr


def test_summary_counts_infinite_and_skipped_rows_as_in_one_process(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    """Probabilities: shard 1 has a bad cell, shards 1 and 2 a target of probability 0."""
    shards = {
        "p0.csv": "0.5,0.5,0\n0.2,0.3,0.5\n",
        "p1.csv": "0.1,0.9,0\nx,0.5,0.5\n0.6,0.4,0\n",
        "p2.csv": "1,0,0\n0.3,0.3,0.4\n",
    }
    for name, text in shards.items():
        (tmp_path / name).write_text(text)
    targets = tmp_path / "targets"
    targets.mkdir()
    for name, lines in zip(shards, ["0\n2\n", "2\n1\n2\n", "1\n0\n"], strict=True):
        (targets / name.replace(".csv", ".txt")).write_text(lines)
    args = ["xent", "--probs", "--skip-invalid", "-i", str(tmp_path / "p*.csv")]
    args += ["--targets", str(targets / "*.txt"), "--reduction", "mean", "-f", "json"]
    single = run_script(*args)
    cluster = run_script(*args, "--scheduler", scheduler)
    assert single.returncode == cluster.returncode == 0, cluster.stderr
    assert cluster.stdout == single.stdout  # inf: the same JSON
    assert cluster.stderr == single.stderr
    assert b"line 1: 3 rows have an infinite loss" in cluster.stderr
    assert b"skipped 1 invalid row (" + bytes(tmp_path / "p1.csv") + b": lines 2)" in cluster.stderr


def test_per_row_scores_are_each_shards_own_file(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    shards = write_csv_shards(tmp_path, [12, 5, 9])
    out = tmp_path / "out"
    out.mkdir()
    done = run_script("xent", "-i", shards, "--output-dir", str(out), "--scheduler", scheduler)
    assert done.returncode == 0, done.stderr
    for index in range(3):
        alone = run_script("xent", "-i", str(tmp_path / f"part-{index}.csv"), "-f", "csv")
        assert (out / f"part-{index}.csv").read_bytes() == alone.stdout
    together = run_script("xent", "-i", shards, "-f", "csv")
    assert done.stderr == together.stderr  # the summary over every shard
    assert done.stderr.startswith(b"xent: 26 rows")


def test_a_bad_cell_in_the_third_shard_names_its_file(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    shards = write_csv_shards(tmp_path, [10, 10, 10, 10])
    third = tmp_path / "part-2.csv"
    lines = third.read_text().splitlines()
    cells = lines[4].split(",")
    cells[2] = "1.5x"
    lines[4] = ",".join(cells)
    third.write_text("\n".join(lines) + "\n")
    for command in (["xent", "--reduction", "mean"], ["calibrate"]):
        done = run_script(*command, "-i", shards, "--scheduler", scheduler)
        assert done.returncode == 65
        assert done.stderr.decode() == (
            f"error: {third}: line 5, column 3: '1.5x' is not a number\n"
        ), command


def test_output_dir_goes_with_per_row_losses(tmp_path: Path, run_script) -> None:
    shards = write_csv_shards(tmp_path, [3, 3])
    done = run_script("xent", "-i", shards, "--reduction", "sum", "--output-dir", str(tmp_path))
    assert done.returncode == 2
    assert b"--output-dir writes per-row losses: use it with --reduction none" in done.stderr


def test_a_cluster_needs_input_files(run_script) -> None:
    done = run_script("xent", "--target", "0", "--reduction", "mean", "--workers", "2", "1", "2")
    assert done.returncode == 2
    assert b"--workers runs on input files the workers read" in done.stderr
