"""Vocabulary-sized rows: every command on a language model's logits against the plain
NumPy/SciPy script a user would otherwise write, and against ``softmax --format npy``.

The logits are 1,000 x 50,257 float32 (GPT-2's vocabulary) in an ``.npy``, normal with
sigma 3 (the 0.9 nucleus then holds about 2,000 classes), and each row's true class is in
an int64 ``.npy`` of its own. Each baseline script loads the whole array, as such scripts
do, and computes the same result. Runs alternate, so drift on a shared machine hits all
of them alike; figures are medians. Targets: every command <= 1.0x its script's time,
stats and sample <= 1.5x ``softmax --format npy``, peak RSS <= 256 MiB. Then 100 x 256,000
(Gemma's vocabulary) and a 200 x 50,257 ``%.6f`` CSV, for memory.

    python tests/benchmarks/bench_vocab.py [--rows 1000] [--classes 50257] [--runs 5]
        [--only "stats -k 5" ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from _measure import run, softmax_script

MIB_TARGET = 256

_LOAD = """
import sys
import numpy as np
logits = np.load(sys.argv[1]).astype(np.float64)
targets = np.load(sys.argv[2])
rows = np.arange(len(logits))
"""

_DRAW = """
from scipy.special import softmax
p = softmax(logits, axis=1)
rng = np.random.default_rng(1)
def draw(weights):
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights))[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= u).sum(axis=1), weights.shape[1] - 1)
"""

BASELINES = {
    "softmax": """
from scipy.special import softmax
np.save(sys.stdout.buffer, softmax(logits, axis=1))
""",
    "stats": """
from scipy.special import softmax
from scipy.stats import entropy
p = softmax(logits, axis=1)
h = entropy(p, axis=1)
two = np.partition(p, -2, axis=1)[:, -2:]
columns = [h, np.exp(h), two[:, 1], two[:, 1] - two[:, 0], p.argmax(axis=1)]
np.savetxt(sys.stdout, np.column_stack(columns), fmt="%.8f", delimiter=",")
""",
    "stats -k 5": """
from scipy.special import softmax
from scipy.stats import entropy
p = softmax(logits, axis=1)
h = entropy(p, axis=1)
top = np.argpartition(-p, 5, axis=1)[:, :5]
top = np.take_along_axis(top, np.argsort(-np.take_along_axis(p, top, 1), 1, kind="stable"), 1)
two = np.take_along_axis(p, top[:, :2], 1)
columns = [h, np.exp(h), two[:, 0], two[:, 0] - two[:, 1], top, np.take_along_axis(p, top, 1)]
np.savetxt(sys.stdout, np.column_stack(columns), fmt="%.8f", delimiter=",")
""",
    "sample": _DRAW + "np.savetxt(sys.stdout, draw(p), fmt='%d')",
    "sample --top-k 50": _DRAW
    + """
top = np.argpartition(-p, 50, axis=1)[:, :50]
kept = np.zeros_like(p)
np.put_along_axis(kept, top, np.take_along_axis(p, top, 1), 1)
np.savetxt(sys.stdout, draw(kept), fmt='%d')
""",
    "sample --top-p 0.9": _DRAW
    + """
order = np.argsort(-p, axis=1)
ranked = np.take_along_axis(p, order, 1)
before = np.cumsum(ranked, axis=1) - ranked
kept = np.zeros_like(p)
np.put_along_axis(kept, order, np.where(before < 0.9, ranked, 0.0), 1)
np.savetxt(sys.stdout, draw(kept), fmt='%d')
""",
    "sample --min-p 0.05": _DRAW
    + """
kept = np.where(p >= 0.05 * p.max(axis=1, keepdims=True), p, 0.0)
np.savetxt(sys.stdout, draw(kept), fmt='%d')
""",
    "xent --targets": """
from scipy.special import log_softmax
print(-log_softmax(logits, axis=1)[rows, targets].mean())
""",
    "calibrate --targets": """
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp
true = logits[rows, targets]
def nll(t):
    return float(np.mean(logsumexp(logits / t, axis=1) - true / t))
print(minimize_scalar(nll, bounds=(1e-3, 1e3), method="bounded").x)
""",
}


def cli_commands(script: str, logits: Path, targets: Path) -> dict[str, list[str]]:
    """The commands measured, each on the same files, writing CSV (softmax: npy)."""
    sample = [script, "sample", "--seed", "1", "-f", "csv", "-i", str(logits)]
    with_targets = ["-i", str(logits), "--targets", str(targets)]
    return {
        "softmax": [script, "--format", "npy", "-i", str(logits)],
        "stats": [script, "stats", "-f", "csv", "-i", str(logits)],
        "stats -k 5": [script, "stats", "-k", "5", "-f", "csv", "-i", str(logits)],
        "sample": sample,
        "sample --top-k 50": [*sample, "--top-k", "50"],
        "sample --top-p 0.9": [*sample, "--top-p", "0.9"],
        "sample --min-p 0.05": [*sample, "--min-p", "0.05"],
        "xent --targets": [script, "xent", "-q", *with_targets, "--reduction", "mean"],
        "calibrate --targets": [script, "calibrate", "-f", "json", "-q", *with_targets],
    }


def write_data(folder: Path, rows: int, classes: int) -> tuple[Path, Path]:
    """Normal float32 logits with sigma 3 and uniform int64 targets, seeded."""
    rng = np.random.default_rng(0)
    logits, targets = folder / "logits.npy", folder / "targets.npy"
    block = max(1, (1 << 24) // classes)
    array = np.lib.format.open_memmap(logits, "w+", np.float32, (rows, classes))
    for start in range(0, rows, block):
        count = min(block, rows - start)
        array[start : start + count] = rng.standard_normal((count, classes)) * 3
    array.flush()
    del array
    np.save(targets, rng.integers(0, classes, rows))
    return logits, targets


def compare(script: str, folder: Path, rows: int, classes: int, runs: int, only: list[str]) -> None:
    """Every command (or those in ``only``, and softmax) against its baseline script
    and against softmax."""
    logits, targets = write_data(folder, rows, classes)
    commands = cli_commands(script, logits, targets)
    if only:
        commands = {name: argv for name, argv in commands.items() if name in {"softmax", *only}}
    baselines = {
        name: [sys.executable, "-c", _LOAD + BASELINES[name], str(logits), str(targets)]
        for name in commands
    }
    times: dict[tuple[str, str], list[float]] = {}
    peaks: dict[tuple[str, str], float] = {}
    for _ in range(runs):
        for name in commands:
            for kind, argv in (("cli", commands[name]), ("script", baselines[name])):
                seconds, rss = run(argv)
                times.setdefault((name, kind), []).append(seconds)
                peaks[name, kind] = max(peaks.get((name, kind), 0.0), rss)
    median = {key: statistics.median(values) for key, values in times.items()}
    size = logits.stat().st_size / 2**20
    print(f"{rows:,} x {classes:,} float32 logits ({size:.0f} MiB), medians of {runs} runs")
    print(
        f"{'command':22s} {'cli s':>7s} {'script s':>9s} {'ratio':>6s} {'/softmax':>9s} "
        f"{'cli MiB':>8s} {'script MiB':>11s}"
    )
    for name in commands:
        cli, base = median[name, "cli"], median[name, "script"]
        to_softmax = cli / median["softmax", "cli"]
        print(
            f"{name:22s} {cli:7.2f} {base:9.2f} {cli / base:6.2f} {to_softmax:9.2f} "
            f"{peaks[name, 'cli']:8.0f} {peaks[name, 'script']:11.0f}"
        )
    print("targets: ratio <= 1.0; stats and sample <= 1.5 x softmax; cli MiB <= 256")


def memory_only(script: str, folder: Path, rows: int, classes: int, csv_rows: int) -> None:
    """Peak memory of the streaming commands on the widest rows, and on wide CSV."""
    logits, _ = write_data(folder, rows, classes)
    print(f"\n{rows:,} x {classes:,} float32 logits: seconds and peak RSS (target <= 256 MiB)")
    commands = cli_commands(script, logits, targets=logits)  # no command here reads targets
    for name in ("softmax", "stats", "stats -k 5", "sample --top-p 0.9"):
        seconds, rss = run(commands[name])
        print(f"{name:22s} {seconds:7.2f} s {rss:6.0f} MiB")
    csv = folder / "logits.csv"
    block = np.load(logits, mmap_mode="r")[:csv_rows]
    np.savetxt(csv, np.asarray(block[:, :50_257], dtype=np.float64), fmt="%.6f", delimiter=",")
    megabytes = csv.stat().st_size / 1e6
    seconds, rss = run([script, "stats", "-f", "csv", "-i", str(csv)])
    print(f"stats on a {csv_rows} x 50,257 %.6f CSV ({megabytes:.0f} MB):", end=" ")
    print(f"{seconds:.2f} s {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--classes", type=int, default=50_257)
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each")
    parser.add_argument("--wide-rows", type=int, default=100)
    parser.add_argument("--wide-classes", type=int, default=256_000)
    parser.add_argument("--csv-rows", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=[], choices=list(BASELINES), metavar="NAME")
    args = parser.parse_args()
    script = softmax_script()
    with tempfile.TemporaryDirectory() as tmp:
        compare(script, Path(tmp), args.rows, args.classes, max(1, args.runs), args.only)
    with tempfile.TemporaryDirectory() as tmp:
        memory_only(script, Path(tmp), args.wide_rows, args.wide_classes, args.csv_rows)


if __name__ == "__main__":
    main()
