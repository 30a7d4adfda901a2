"""calibrate on a cluster: the T and the report of the single-process run on the same
shards, even when a worker dies in the middle of the fit."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from shard_data import write_csv_shards, write_npy_shards


def same_figures(single: Any, cluster: Any, rel: float) -> None:
    """Two JSON values alike: the same keys and integers, floats to ``rel``."""
    if isinstance(single, dict):
        assert single.keys() == cluster.keys()
        for key in single:
            same_figures(single[key], cluster[key], rel)
    elif isinstance(single, list):
        assert len(single) == len(cluster)
        for a, b in zip(single, cluster, strict=True):
            same_figures(a, b, rel)
    elif isinstance(single, float):
        assert cluster == pytest.approx(single, rel=rel, abs=1e-15)
    else:
        assert cluster == single


def test_csv_shards_fit_the_single_process_temperature(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    shards = write_csv_shards(tmp_path, [60, 2, 45, 80], seed=3)
    single = run_script("calibrate", "-i", shards, "-f", "json", "--bins", "10")
    cluster = run_script("calibrate", "-i", shards, "-f", "json", "--bins", "10",
                         "--scheduler", scheduler)  # fmt: skip
    assert single.returncode == cluster.returncode == 0, cluster.stderr
    a, b = json.loads(single.stdout), json.loads(cluster.stdout)
    assert a["bound"] is None and 0.3 < a["temperature"] < 0.8  # a true optimum, not 1
    assert b["temperature"] == pytest.approx(a["temperature"], rel=1e-9, abs=0)
    same_figures(a, b, 1e-9)
    assert cluster.stderr == single.stderr  # the summary line


def test_npy_shards_fit_and_report_as_in_one_process(
    tmp_path: Path, scheduler: str, run_script
) -> None:
    logits, targets = write_npy_shards(tmp_path, [70, 40, 90])
    args = ["calibrate", "-i", logits, "--targets", targets]
    single = run_script(*args, "-f", "json")
    plot = tmp_path / "reliability.png"
    cluster = run_script(*args, "-f", "json", "--plot", str(plot), "--scheduler", scheduler)
    assert single.returncode == cluster.returncode == 0, cluster.stderr
    a, b = json.loads(single.stdout), json.loads(cluster.stdout)
    assert a["bound"] is None and a["rows"] == 200
    assert b["temperature"] == pytest.approx(a["temperature"], rel=1e-9, abs=0)
    same_figures(a, b, 1e-9)
    assert plot.read_bytes().startswith(b"\x89PNG")  # drawn here, on the client
    for fmt in ("csv", "table"):  # the other formats, at their precision: the same bytes
        single = run_script(*args, "-f", fmt, "-p", "6")
        cluster = run_script(*args, "-f", fmt, "-p", "6", "--scheduler", scheduler)
        assert cluster.stdout == single.stdout, fmt


def test_a_worker_killed_during_the_fit_changes_nothing(tmp_path: Path) -> None:
    """One worker's process is killed between two evaluations of the fit, once every
    shard is loaded: Dask reads its shards again, and T is the same."""
    distributed = pytest.importorskip("distributed")
    from softmax_cli.io.shards.paths import expand_shards
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.calculator.loss_input import LossConfig
    from softmax_cli.workflows.cluster.calibrate import calibrate_on
    from softmax_cli.workflows.cluster.engine import InProcess, OnCluster, local_cluster
    from softmax_cli.workflows.cluster.targeted_shards import targeted_shards

    logits, targets = write_npy_shards(tmp_path, [50, 50, 50, 50])
    spec = InputSpec((), None, None, None, None, False, shards=tuple(expand_shards([logits])))
    jobs = targeted_shards(spec, LossConfig(), None, None, targets)
    expected, _ = calibrate_on(InProcess(), jobs, 15)

    class KillingOne(OnCluster):
        """Kills the process of the worker holding the first shard before the third
        map: the second evaluation of the fit."""

        maps = 0
        killed: int | None = None

        def map(self, task: Any, items: Any, *arguments: Any) -> list[Any]:
            self.maps += 1
            if self.maps == 3:
                holder = self.client.who_has(items[:1])[items[0].key][0]
                self.killed = self.client.run(os.getpid, workers=[holder])[holder]
                os.kill(self.killed, signal.SIGKILL)
            return super().map(task, items, *arguments)

    with (
        local_cluster(distributed, 2) as cluster,
        distributed.Client(cluster) as client,
    ):
        engine = KillingOne(client)
        result, _ = calibrate_on(engine, jobs, 15)
        pids = client.run(os.getpid).values()
    assert engine.killed is not None and engine.killed not in pids  # it died, and was replaced
    assert engine.maps > 5  # the fit went on after it
    assert expected.fit.bound is None
    assert result.temperature == pytest.approx(expected.temperature, rel=1e-9, abs=0)
    assert result.after.nll == pytest.approx(expected.after.nll, rel=1e-12)
