"""Throughput and peak memory of ``softmax --format csv`` against a naive NumPy script.

The naive script is ``numpy.loadtxt`` + softmax + ``numpy.savetxt`` on the same file,
in the same run. Targets: at least 3.5x faster, peak RSS under 100 MB at any size.
"""

from __future__ import annotations

import argparse
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


def write_logits(path: Path, rows: int, columns: int, seed: int = 0) -> None:
    """Normal logits (sd 3) written as %.6f text, in slices to keep this script's memory low."""
    rng = np.random.default_rng(seed)
    with path.open("w") as handle:
        for start in range(0, rows, 100_000):
            block = rng.normal(0.0, 3.0, size=(min(100_000, rows - start), columns))
            np.savetxt(handle, block, fmt="%.6f", delimiter=",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument(
        "--naive-up-to",
        type=int,
        default=1_000_000,
        help="run the (slow, memory-hungry) naive script only up to this many rows",
    )
    args = parser.parse_args()
    script = softmax_script()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"logits_{rows}.csv"
            write_logits(path, rows, args.columns)
            megabytes = path.stat().st_size / 1e6
            with path.open("rb") as stdin:
                ours, ours_rss = run([script, "--format", "csv"], stdin=stdin)
            line = (
                f"{rows:>9,} rows x {args.columns} ({megabytes:5.1f} MB): softmax {ours:6.2f} s "
                f"{megabytes / ours:6.1f} MB/s peak RSS {ours_rss:5.1f} MB"
            )
            if rows <= args.naive_up_to:
                naive, naive_rss = run([sys.executable, "-c", NAIVE, str(path)])
                line += (
                    f" | naive {naive:6.2f} s {megabytes / naive:5.1f} MB/s peak RSS "
                    f"{naive_rss:6.1f} MB | speed-up {naive / ours:4.2f}x (target >= 3.5)"
                )
            print(line, flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
