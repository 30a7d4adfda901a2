"""Throughput of ``softmax stats`` and ``softmax sample`` against ``softmax`` on the same file.

Each command streams a CSV of normal logits to /dev/null as CSV; runs alternate, so drift
on a shared machine hits all three, and the figure that matters is each median's ratio to
softmax's. Target: both at most 1.0 (they write fewer columns than softmax).

    python tests/benchmarks/bench_stats_sample.py [--rows 1000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _measure import run, softmax_script
from bench_throughput import write_logits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15, help="alternating runs of each (>= 3)")
    args = parser.parse_args()
    script = softmax_script()
    commands = {
        "softmax": [script, "--format", "csv"],
        "stats": [script, "stats", "--format", "csv"],
        "sample": [script, "sample", "--seed", "1", "--format", "csv"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "logits.csv"
        write_logits(path, args.rows, args.columns)
        megabytes = path.stat().st_size / 1e6
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
        for argv in commands.values():  # warm the file cache
            with path.open("rb") as stdin:
                run(argv, stdin=stdin)
        for _ in range(max(3, args.runs)):
            for name, argv in commands.items():
                with path.open("rb") as stdin:
                    seconds, rss = run(argv, stdin=stdin)
                times[name].append(seconds)
                peaks[name] = max(peaks[name], rss)
    runs = len(times["softmax"])
    print(f"{args.rows:,} rows x {args.columns} ({megabytes:.1f} MB), medians of {runs} runs")
    base = statistics.median(times["softmax"])
    for name, measured in times.items():
        seconds = statistics.median(measured)
        ratio = (
            "" if name == "softmax" else f"   ratio to softmax {seconds / base:.2f} (target <= 1.0)"
        )
        print(
            f"{name:8s} {seconds:6.2f} s {megabytes / seconds:6.1f} MB/s "
            f"peak RSS {peaks[name]:5.1f} MB{ratio}"
        )


if __name__ == "__main__":
    main()
