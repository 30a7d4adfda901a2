"""Throughput and peak memory of ``softmax`` on large inputs, against baselines timed in the
same run:

1. ``softmax --format csv`` on %.6f logits against a naive NumPy script (``loadtxt`` +
   softmax + ``savetxt``). Targets: at least 3.5x faster, peak RSS under 100 MB at any size.
2. The same command on 1M x 10 logits in three number styles (%.6f, ``np.savetxt``'s
   default %.18e, Python's repr) against a Polars one-liner doing the same softmax
   (``scan_csv`` -> expressions -> ``sink_csv``, float precision 8), runs alternating,
   medians. Targets: at most 1.0x Polars' time, peak RSS at most 64 MiB. Polars is an
   optional benchmark dependency (``pip install -e '.[bench]'``); without it this part
   is skipped with a note.
3. ``softmax -i x.npy --format npy`` on 2M x 10 float64 against the four-line NumPy
   script. Targets: at least as fast, peak RSS at most 100 MiB, values equal to 1e-12.

    python tests/benchmarks/bench_throughput.py [--rows 1000000 4000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from _measure import run, softmax_script

NAIVE = """
import sys
import numpy as np
x = np.loadtxt(sys.argv[1], delimiter=",")
e = np.exp(x - x.max(axis=1, keepdims=True))
np.savetxt(sys.stdout, e / e.sum(axis=1, keepdims=True), fmt="%.8f", delimiter=",")
"""

POLARS = """
import sys
import polars as pl
frame = pl.scan_csv(sys.argv[1], has_header=False)
names = frame.collect_schema().names()
exps = [(pl.col(c) - pl.max_horizontal(names)).exp().alias(c) for c in names]
total = pl.sum_horizontal(names)
frame = frame.with_columns(exps).select([(pl.col(c) / total).alias(c) for c in names])
frame.sink_csv(sys.argv[2], float_precision=8, include_header=False)
"""

NUMPY_NPY = """
import sys
import numpy as np
x = np.load(sys.argv[1]); e = np.exp(x - x.max(axis=1, keepdims=True))
np.save(sys.argv[2], e / e.sum(axis=1, keepdims=True))
"""

STYLES = ("%.6f", "%.18e", "repr")


def write_logits(path: Path, rows: int, columns: int, seed: int = 0, style: str = "%.6f") -> None:
    """Normal logits (sd 3) as text in ``style`` (a %-format, or ``repr`` for Python's
    shortest round-trip form), in slices to keep this script's memory low."""
    rng = np.random.default_rng(seed)
    with path.open("w") as handle:
        for start in range(0, rows, 100_000):
            block = rng.normal(0.0, 3.0, size=(min(100_000, rows - start), columns))
            if style == "repr":
                handle.writelines(",".join(map(repr, row)) + "\n" for row in block.tolist())
            else:
                np.savetxt(handle, block, fmt=style, delimiter=",")


Command = tuple[list[str], Path | None, Path | None]  # argv, stdin file, stdout file


def alternate(commands: dict[str, Command], runs: int) -> dict[str, tuple[float, float]]:
    """Run the commands in turn, ``runs`` rounds; for each, the median wall time and the
    largest peak RSS (MiB)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks = dict.fromkeys(commands, 0.0)
    for _ in range(runs):
        for name, (argv, stdin_path, stdout_path) in commands.items():
            with contextlib.ExitStack() as files:
                stdin = files.enter_context(stdin_path.open("rb")) if stdin_path else None
                stdout = files.enter_context(stdout_path.open("wb")) if stdout_path else None
                seconds, rss = run(argv, stdin=stdin, stdout=stdout)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], rss)
    return {name: (statistics.median(times[name]), peaks[name]) for name in commands}


def against_naive(
    script: str, tmp: Path, rows_list: list[int], columns: int, naive_up_to: int
) -> None:
    for rows in rows_list:
        path = tmp / f"logits_{rows}.csv"
        write_logits(path, rows, columns)
        megabytes = path.stat().st_size / 1e6
        with path.open("rb") as stdin:
            ours, ours_rss = run([script, "--format", "csv"], stdin=stdin)
        line = (
            f"{rows:>9,} rows x {columns} ({megabytes:5.1f} MB): softmax {ours:6.2f} s "
            f"{megabytes / ours:6.1f} MB/s peak RSS {ours_rss:5.1f} MiB"
        )
        if rows <= naive_up_to:
            naive, naive_rss = run([sys.executable, "-c", NAIVE, str(path)])
            line += (
                f" | naive {naive:6.2f} s {megabytes / naive:5.1f} MB/s peak RSS "
                f"{naive_rss:6.1f} MiB | speed-up {naive / ours:4.2f}x (target >= 3.5)"
            )
        print(line, flush=True)
        path.unlink()


def against_polars(script: str, tmp: Path, rows: int, columns: int, runs: int) -> None:
    if importlib.util.find_spec("polars") is None:
        print("Polars is not installed (pip install -e '.[bench]'): number styles skipped")
        return
    print(f"\n{rows:,} rows x {columns}, softmax --format csv vs Polars, medians of {runs}")
    for style in STYLES:
        path = tmp / "logits.csv"
        write_logits(path, rows, columns, style=style)
        megabytes = path.stat().st_size / 1e6
        commands: dict[str, Command] = {
            "ours": ([script, "--format", "csv"], path, None),
            "polars": ([sys.executable, "-c", POLARS, str(path), "/dev/null"], None, None),
        }
        alternate(commands, 1)  # warm the file cache
        (ours, ours_rss), (polars, polars_rss) = alternate(commands, runs).values()
        print(
            f"{style:>6s} {megabytes:5.0f} MB: ours {ours:5.2f} s {megabytes / ours:5.0f} MB/s "
            f"peak {ours_rss:4.0f} MiB | Polars {polars:5.2f} s {megabytes / polars:5.0f} MB/s "
            f"peak {polars_rss:4.0f} MiB | ratio {ours / polars:4.2f} (target <= 1.0)",
            flush=True,
        )
        path.unlink()


def against_numpy_npy(script: str, tmp: Path, rows: int, columns: int, runs: int) -> None:
    path, ours_out, numpy_out = tmp / "x.npy", tmp / "ours.npy", tmp / "numpy.npy"
    np.save(path, np.random.default_rng(0).normal(0.0, 3.0, size=(rows, columns)))
    commands: dict[str, Command] = {
        "ours": ([script, "-i", str(path), "--format", "npy"], None, ours_out),
        "numpy": ([sys.executable, "-c", NUMPY_NPY, str(path), str(numpy_out)], None, None),
    }
    alternate(commands, 1)  # warm the file cache
    (ours, ours_rss), (baseline, numpy_rss) = alternate(commands, runs).values()
    ours_values, numpy_values = np.load(ours_out, mmap_mode="r"), np.load(numpy_out, mmap_mode="r")
    difference = max(
        float(np.abs(ours_values[i : i + 100_000] - numpy_values[i : i + 100_000]).max())
        for i in range(0, rows, 100_000)
    )
    megabytes = path.stat().st_size / 1e6
    print(
        f"\n.npy {rows:,} x {columns} ({megabytes:.0f} MB), medians of {runs}: "
        f"ours {ours:5.2f} s peak {ours_rss:4.0f} MiB | NumPy script {baseline:5.2f} s "
        f"peak {numpy_rss:4.0f} MiB | ratio {ours / baseline:4.2f} (target <= 1.0) | "
        f"max |difference| {difference:.1e} (target <= 1e-12)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument(
        "--naive-up-to",
        type=int,
        default=1_000_000,
        help="run the (slow, memory-hungry) naive script only up to this many rows",
    )
    parser.add_argument("--style-rows", type=int, default=1_000_000, help="rows for part 2")
    parser.add_argument("--npy-rows", type=int, default=2_000_000, help="rows for part 3")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs (>= 3)")
    args = parser.parse_args()
    script = softmax_script()
    runs = max(3, args.runs)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        against_naive(script, tmp, args.rows, args.columns, args.naive_up_to)
        against_polars(script, tmp, args.style_rows, args.columns, runs)
        against_numpy_npy(script, tmp, args.npy_rows, args.columns, runs)


if __name__ == "__main__":
    main()
