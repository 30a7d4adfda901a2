"""``train`` over CSV shards: without an engine as one concatenated file; on the
session Dask cluster, the same fit as in memory (final loss to 1e-8 relative)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

HEADER = ["a", "b", "c", "color", "species"]


def write_shards(
    folder: Path, n_shards: int = 4, rows: int = 150, seed: int = 0, n_classes: int = 3
) -> list[Path]:
    """Shards of one table: three numeric columns (one missing cell), a categorical one
    (one missing cell) and a target of ``n_classes`` that depends on all of them."""
    rng = np.random.default_rng(seed)
    paths = []
    for shard in range(n_shards):
        x = rng.normal(size=(rows, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, -3.0]
        color = rng.choice(["red", "green", "blue"], size=rows)
        scores = (x - [0.0, 50.0, -3.0]) / [1.0, 10.0, 0.1] + rng.normal(size=(rows, 3))
        scores[:, 0] += 1.5 * (color == "red")
        names = np.array(["setosa", "versicolor", "virginica"])
        species = names[scores[:, :n_classes].argmax(axis=1)]
        path = folder / f"part-{shard}.csv"
        with path.open("w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(HEADER)
            for i in range(rows):
                cells = [repr(v) for v in x[i].tolist()] + [color[i], species[i]]
                if (shard, i) == (1, 7):
                    cells[1] = ""
                if (shard, i) == (2, 3):
                    cells[3] = ""
                writer.writerow(cells)
        paths.append(path)
    return paths


def concatenated(paths: list[Path], into: Path) -> Path:
    lines = [paths[0].read_text().splitlines()[0]]
    for path in paths:
        lines += path.read_text().splitlines()[1:]
    into.write_text("\n".join(lines) + "\n")
    return into


def final_loss(report: dict[str, Any]) -> float:
    return float(report["history"][-1]["loss"])


def test_shards_without_an_engine_are_one_concatenated_file(tmp_path: Path, run_script) -> None:
    paths = write_shards(tmp_path)
    whole = concatenated(paths, tmp_path / "whole.csv")
    shards = run_script("train", str(tmp_path / "part-*.csv"), "--seed", "2", "-f", "json")
    alone = run_script("train", str(whole), "--seed", "2", "-f", "json")
    assert shards.returncode == 0, shards.stderr
    assert json.loads(shards.stdout) == json.loads(alone.stdout)
    listed = run_script("train", *map(str, paths), "--seed", "2", "-f", "json")
    assert listed.stdout == shards.stdout  # a glob is its files in sorted name order


def test_a_shard_with_another_header_is_a_data_error_naming_it(tmp_path: Path, run_script) -> None:
    paths = write_shards(tmp_path, n_shards=3)
    text = paths[2].read_text().replace("color", "colour", 1)
    paths[2].write_text(text)
    done = run_script("train", str(tmp_path / "part-*.csv"), "--seed", "1")
    assert done.returncode == 65
    assert f"error: {paths[2]}: its header" in done.stderr.decode()


@pytest.mark.parametrize(
    ("n_classes", "extra"),
    [
        (3, []),
        (3, ["--class-weight", "balanced", "--l2", "0.01", "--missing", "drop"]),
        (2, ["--test-size", "50", "--max-epochs", "500"]),
    ],
)
def test_cluster_fit_equals_the_in_memory_fit(
    tmp_path: Path, scheduler: str, run_script, n_classes: int, extra: list[str]
) -> None:
    write_shards(tmp_path, n_classes=n_classes)
    glob = str(tmp_path / "part-*.csv")
    args = ["train", glob, "--seed", "5", "-f", "json", *extra]
    memory = run_script(*args, "--save", str(tmp_path / "memory.npz"))
    cluster = run_script(*args, "--save", str(tmp_path / "cluster.npz"), "--scheduler", scheduler)
    assert cluster.returncode == 0, cluster.stderr
    assert cluster.stderr == memory.stderr  # the same notes
    ours, theirs = json.loads(cluster.stdout), json.loads(memory.stdout)
    assert final_loss(ours) == pytest.approx(final_loss(theirs), rel=1e-8)
    assert ours["test"]["accuracy"] == theirs["test"]["accuracy"]
    assert ours["data"] == theirs["data"] and ours["split"] == theirs["split"]
    predictions = [
        run_script("predict", "-m", str(tmp_path / f"{name}.npz"), "-i", glob, "-f", "json")
        for name in ("cluster", "memory")
    ]
    rows = [[json.loads(line) for line in p.stdout.splitlines()] for p in predictions]
    assert len(rows[0]) == 600
    np.testing.assert_allclose(
        [list(row["probs"].values()) for row in rows[0]],
        [list(row["probs"].values()) for row in rows[1]],
        rtol=1e-7,
        atol=1e-10,
    )


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--hidden", "4"], "--hidden"),
        (["--solver", "adam"], "--solver adam"),
        (["--cv", "3"], "--cv"),
        (["--patience", "3"], "--patience"),
    ],
)
def test_what_a_cluster_cannot_fit_exactly_is_a_usage_error(
    tmp_path: Path, run_script, option: list[str], named: str
) -> None:
    write_shards(tmp_path, n_shards=2, rows=20)
    # No cluster is started: the check comes first.
    done = run_script("train", str(tmp_path / "*.csv"), "--workers", "2", *option)
    assert done.returncode == 2
    message = done.stderr.decode()
    assert f"error: {named} cannot run on a cluster" in message
    assert "Traceback" not in message


def test_a_cluster_on_stdin_is_a_usage_error(tmp_path: Path, run_script) -> None:
    [path] = write_shards(tmp_path, n_shards=1, rows=20)
    done = run_script("train", "-", "--workers", "2", stdin=path.read_bytes())
    assert done.returncode == 2
    assert "--workers runs on input files the workers read" in done.stderr.decode()


def test_a_bad_cell_in_the_third_shard_names_it_on_the_cluster(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    paths = write_shards(tmp_path, n_shards=4, rows=30)
    lines = paths[2].read_text().splitlines()
    cells = lines[4].split(",")
    cells[1] = "inf"
    lines[4] = ",".join(cells)
    paths[2].write_text("\n".join(lines) + "\n")
    done = run_script("train", str(tmp_path / "part-*.csv"), "--scheduler", scheduler)
    assert done.returncode == 65
    assert done.stderr.decode().endswith(
        f"error: {paths[2]}: line 5, column 2: 'inf' is not a finite number\n"
    )
    assert done.stdout == b""


@pytest.mark.parametrize("on_cluster", [False, True])
def test_missing_error_names_the_shard_line_and_column(
    tmp_path: Path, request: pytest.FixtureRequest, run_script, on_cluster: bool
) -> None:
    paths = write_shards(tmp_path, n_shards=3, rows=30)  # part-1.csv, row 7: b is missing
    glob = str(tmp_path / "part-*.csv")
    engine = ["--scheduler", request.getfixturevalue("scheduler")] if on_cluster else []
    done = run_script("train", glob, "--missing", "error", "-q", *engine)
    assert done.returncode == 65
    assert done.stderr.decode() == (
        f"error: {paths[1]}: line 9, column 2: a missing cell in column 'b' "
        "(--missing mean fills it, --missing drop drops its row)\n"
    )


def test_a_worker_killed_during_the_fit_changes_nothing(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.workflows.cluster import train as cluster_train
    from softmax_cli.workflows.cluster.engine import EngineSpec, OnCluster, local_cluster
    from softmax_cli.workflows.trainer.train import train_and_report
    from softmax_cli.workflows.trainer.train_output import Report

    paths = [str(path) for path in write_shards(tmp_path, n_shards=4)]
    config = TrainConfig(seed=4)

    class KillingOnce(OnCluster):
        """Kills a worker process before the third loss evaluation is sent."""

        def __init__(self, client: Any) -> None:
            super().__init__(client)
            self.evaluations = 0
            self.killed: list[int] = []

        def map(self, task: Any, items: Any, *arguments: Any) -> list[Any]:
            if task is cluster_train.block_sums:
                self.evaluations += 1
                if self.evaluations == 3:
                    pids = self.client.run(os.getpid)
                    victim = pids[sorted(pids)[0]]
                    os.kill(victim, signal.SIGKILL)
                    self.killed.append(victim)
            return super().map(task, items, *arguments)

    with (
        local_cluster(distributed, 2) as local,
        distributed.Client(local) as client,
    ):
        engine = KillingOnce(client)
        stdout = io.BytesIO()
        cluster = cluster_train.train_on_cluster(
            paths, EngineSpec(), "shards", config, Report(stdout, False), engine=engine
        )
        assert engine.killed and engine.evaluations > 3
    memory = train_and_report(paths, "shards", config, Report(io.BytesIO(), False))
    assert cluster.fitted.history[-1].loss == pytest.approx(
        memory.fitted.history[-1].loss, rel=1e-8
    )
    assert cluster.evaluation.accuracy == memory.evaluation.accuracy
    assert json.loads(stdout.getvalue())["split"] == {"train": 480, "validation": 0, "test": 120}
