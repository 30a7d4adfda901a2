"""Shards on a local Dask cluster (``--workers 2``) against the same command in one process.

The issue's data: 8 CSV shards of 250,000 x 10 logits (with an integer ``target`` column
for train) and 8 ``.npy`` shards of 250 x 50,257 float32 logits, each with an int64
targets ``.npy``. Each case runs the command on the same files without an engine and with
``--workers 2`` (which starts its cluster: that start is part of what a user waits for),
and with ``--scheduler`` on a cluster of 2 workers already running (what a team with a
cluster waits for); the figures are ratios of the best of N runs. Row commands write
``--output-dir``. Targets: <= 1.0x for the row commands, <= 1.2x for the fits. The
targets of the .npy rows are drawn from softmax(logits / 1.5), so that calibrate has a
temperature to find.

Cases whose command has no ``--workers`` yet (``softmax CMD --help`` does not list it) are
reported as skipped, so the table can be run as the commands gain the engine.

The scheduling overhead per shard: many tiny shards against one, on the cluster and in
process; ``(cluster(N) - cluster(1) - (alone(N) - alone(1))) / (N - 1)`` is what a shard
costs on the cluster beyond its own work, which says how small a shard can usefully be.

    python tests/benchmarks/bench_cluster.py [--runs 3] [--data DIR] [--only softmax,stats]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from _measure import run, softmax_script
from bench_throughput import write_logits

SHARDS = 8
CSV_ROWS, CSV_COLUMNS = 250_000, 10
NPY_ROWS, NPY_COLUMNS = 250, 50_257
TINY_SHARDS = 64
TRUE_TEMPERATURE = 1.5


class Case(NamedTuple):
    """``softmax COMMAND ARGS``, with ``{csv}``, ``{npy}``, ``{targets}`` and ``{train}``
    replaced by the shards' quoted globs; a row case also writes ``--output-dir``."""

    name: str
    command: str
    arguments: tuple[str, ...]
    rows: bool
    target: float


CASES = [
    Case("softmax csv", "softmax", ("-i", "{csv}"), True, 1.0),
    Case("stats csv", "stats", ("-i", "{csv}", "-k", "3"), True, 1.0),
    Case("sample csv", "sample", ("-i", "{csv}", "--seed", "1"), True, 1.0),
    Case("softmax npy", "softmax", ("-i", "{npy}", "-f", "npy"), True, 1.0),
    Case("stats npy", "stats", ("-i", "{npy}", "-k", "3"), True, 1.0),
    Case("sample npy", "sample", ("-i", "{npy}", "--seed", "1", "--top-p", "0.9"), True, 1.0),
    Case(
        "xent npy",
        "xent",
        ("-q", "-i", "{npy}", "--targets", "{targets}", "--reduction", "mean"),
        False,
        1.2,
    ),
    Case(
        "calibrate npy",
        "calibrate",
        ("-q", "-i", "{npy}", "--targets", "{targets}", "-f", "json"),
        False,
        1.2,
    ),
    Case(
        "compare npy",
        "compare",
        ("{npy}", "{npy2}", "--targets", "{targets}", "-f", "json"),
        False,
        1.2,
    ),
    Case(
        "train csv",
        "train",
        ("{train}", "--target", "target", "--seed", "1", "-f", "json"),
        False,
        1.2,
    ),
]


def write_data(folder: Path) -> dict[str, str]:
    """The shards (unless ``folder`` has them already); the globs that name them."""
    rng = np.random.default_rng(0)
    for kind in ("csv", "npy", "npy2", "targets", "train"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    for shard in range(SHARDS):
        csv = folder / "csv" / f"{shard:03d}.csv"
        if not csv.exists():
            write_logits(csv, CSV_ROWS, CSV_COLUMNS, seed=shard)
        train = folder / "train" / f"{shard:03d}.csv"
        if not train.exists():
            _write_train(train, rng)
        npy = folder / "npy" / f"{shard:03d}.npy"
        if not npy.exists():
            logits = rng.normal(0.0, 3.0, size=(NPY_ROWS, NPY_COLUMNS)).astype(np.float32)
            np.save(npy, logits)
            noise = rng.normal(0.0, 0.1, size=logits.shape).astype(np.float32)
            np.save(folder / "npy2" / f"{shard:03d}.npy", logits + noise)
        targets = folder / "targets" / f"{shard:03d}.npy"
        if not targets.exists():
            logits = np.load(npy).astype(np.float64)
            # Gumbel-max: argmax(z / T + g) is a draw from softmax(z / T).
            drawn = np.argmax(logits / TRUE_TEMPERATURE + rng.gumbel(size=logits.shape), axis=1)
            np.save(targets, drawn.astype(np.int64))
    globs = {kind: str(folder / kind / "*") for kind in ("npy", "npy2", "targets", "train")}
    return {**globs, "csv": str(folder / "csv" / "*.csv")}


def _write_train(path: Path, rng: np.random.Generator) -> None:
    """CSV_ROWS rows of 9 features and a 4-class target drawn from their first four."""
    features = rng.normal(size=(CSV_ROWS, CSV_COLUMNS - 1))
    target = np.argmax(features[:, :4] + rng.normal(size=(CSV_ROWS, 4)), axis=1)
    with path.open("w") as handle:
        names = [f"x{column}" for column in range(CSV_COLUMNS - 1)]
        handle.write(",".join([*names, "target"]) + "\n")
        table = np.column_stack([features, target])
        np.savetxt(handle, table, fmt=["%.6f"] * (CSV_COLUMNS - 1) + ["%d"], delimiter=",")


def has_engine(script: str, command: str) -> bool:
    """``softmax COMMAND --help`` lists ``--workers``."""
    done = subprocess.run([script, command, "--help"], capture_output=True, text=True)
    return done.returncode == 0 and "--workers" in done.stdout


def best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def timed(argv: list[str], output_dir: Path | None) -> Callable[[], float]:
    """A run of ``argv`` (into a fresh ``output_dir`` when given): its wall seconds."""

    def measure() -> float:
        if output_dir is not None:
            shutil.rmtree(output_dir, ignore_errors=True)
            output_dir.mkdir()
        return run(argv)[0]

    return measure


def time_case(
    script: str, case: Case, globs: dict[str, str], scratch: Path, runs: int, scheduler: str
) -> tuple[float, float, float]:
    """(seconds alone, on 2 workers started for the run, on the running ``scheduler``)."""
    argv = [script, case.command, *(argument.format(**globs) for argument in case.arguments)]
    output = scratch / "out"
    extra = ["--output-dir", str(output)] if case.rows else []
    if case.rows and "-f" not in argv:
        extra += ["-f", "csv"]
    target = output if case.rows else None
    alone = best(runs, timed([*argv, *extra], target))
    cluster = best(runs, timed([*argv, *extra, "--workers", "2"], target))
    running = best(runs, timed([*argv, *extra, "--scheduler", scheduler], target))
    return alone, cluster, running


def overhead_per_shard(script: str, scratch: Path, runs: int) -> tuple[float, float]:
    """The cluster's cost per tiny shard beyond the work, and its fixed start, in ms."""
    tiny = scratch / "tiny"
    tiny.mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    for shard in range(TINY_SHARDS):
        np.save(tiny / f"{shard:03d}.npy", rng.normal(size=(10, 10)))
    output = scratch / "tiny-out"
    times = {}
    for label, pattern in (("one", str(tiny / "000.npy")), ("all", str(tiny / "*.npy"))):
        argv = [script, "-i", pattern, "--output-dir", str(output)]
        times[label, "alone"] = best(runs, timed(argv, output))
        times[label, "cluster"] = best(runs, timed([*argv, "--workers", "2"], output))
    cluster = times["all", "cluster"] - times["one", "cluster"]
    alone = times["all", "alone"] - times["one", "alone"]
    start = times["one", "cluster"] - times["one", "alone"]
    return 1000 * (cluster - alone) / (TINY_SHARDS - 1), 1000 * start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs of each")
    parser.add_argument("--data", type=Path, help="keep the shards here (made once)")
    parser.add_argument("--only", help="comma-separated case names or commands to run")
    args = parser.parse_args()
    script = softmax_script()
    chosen = CASES
    if args.only:
        wanted = set(args.only.split(","))
        chosen = [case for case in CASES if wanted & {case.name, case.command}]
    import distributed

    from softmax_cli.workflows.cluster.engine import local_cluster

    with tempfile.TemporaryDirectory() as tmp, local_cluster(distributed, 2) as running:
        scratch = Path(tmp)
        globs = write_data(args.data or scratch / "data")
        print(
            f"{SHARDS} shards of {CSV_ROWS:,} x {CSV_COLUMNS} CSV and of "
            f"{NPY_ROWS} x {NPY_COLUMNS:,} float32 .npy; best of {args.runs} runs"
        )
        print(f"{'case':15s} {'alone':>8s} {'--workers 2':>18s} {'running cluster':>18s}  target")
        for case in chosen:
            if not has_engine(script, case.command):
                print(f"{case.name:15s} skipped: 'softmax {case.command}' has no --workers")
                continue
            try:
                alone, cluster, warm = time_case(
                    script, case, globs, scratch, args.runs, running.scheduler_address
                )
            except SystemExit as failed:  # _measure.run names the command and its exit code
                print(f"{case.name:15s} failed: {failed}")
                continue
            print(
                f"{case.name:15s} {alone:7.2f}s {cluster:9.2f}s {cluster / alone:6.2f}x"
                f" {warm:9.2f}s {warm / alone:6.2f}x  <= {case.target}x"
            )
        per_shard, start = overhead_per_shard(script, scratch, args.runs)
        print(
            f"scheduling overhead: {per_shard:.1f} ms per shard ({TINY_SHARDS} shards of "
            f"10 x 10 against one); starting 2 workers: {start:.0f} ms"
        )


if __name__ == "__main__":
    main()
