"""Wall time and peak memory of ``softmax calibrate`` against ``softmax xent --reduction
mean`` on the same file: 1,000,000 rows of 10 logits and an integer target column.

The targets are drawn from the softmax of the logits divided by 2.5, so the logits are
over-confident and the fit has something to find. The two commands run in alternation,
``--runs`` times each; the medians and their ratio are printed. Target: calibrate takes at
most 2x the time of xent.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from _measure import run, softmax_script

TRUE_TEMPERATURE = 2.5


def write_scored(path: Path, rows: int, classes: int, seed: int = 0) -> None:
    """Logits (sd 3, %.6f) and a target column, in slices to keep this script's memory low."""
    rng = np.random.default_rng(seed)
    with path.open("w") as handle:
        handle.write(",".join(f"c{k}" for k in range(classes)) + ",target\n")
        for start in range(0, rows, 100_000):
            logits = rng.normal(0.0, 3.0, size=(min(100_000, rows - start), classes))
            scaled = logits / TRUE_TEMPERATURE
            probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            targets = (probs.cumsum(axis=1) > rng.random((len(probs), 1))).argmax(axis=1)
            table = np.column_stack([logits, targets])
            np.savetxt(handle, table, fmt=["%.6f"] * classes + ["%d"], delimiter=",")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    script = softmax_script()
    commands = {
        "calibrate": [script, "calibrate", "--format", "json", "-q"],
        "xent": [script, "xent", "--reduction", "mean", "--format", "csv", "-q"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scored.csv"
        write_scored(path, args.rows, args.classes)
        megabytes = path.stat().st_size / 1e6
        print(f"{args.rows:,} rows x {args.classes} logits + target ({megabytes:.0f} MB)")
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                with path.open("rb") as stdin:
                    seconds, peak = run(argv, stdin=stdin)
                times[name].append(seconds)
                peaks[name].append(peak)
        for name in commands:
            runs = " ".join(f"{t:.2f}" for t in times[name])
            print(
                f"{name:>9}: median {statistics.median(times[name]):.2f} s (runs {runs}), "
                f"peak RSS {max(peaks[name]):.0f} MB"
            )
        ratio = statistics.median(times["calibrate"]) / statistics.median(times["xent"])
        print(f"calibrate / xent: {ratio:.2f}x (target <= 2.0)")


if __name__ == "__main__":
    main()
