"""``softmax compare`` on a language model's logits against the NumPy/SciPy script a user
would otherwise write for the same figures.

BASE is 1,000 x 50,257 float32 logits (normal, sigma 3), OTHER the same plus normal noise
of sigma 0.1, each in an ``.npy``, with int64 targets in a third. The script loads both
arrays whole (as such scripts do) and computes what the command's report holds: KL both
ways, JS, TV, the same top class, the NLLs, Δp, means, standard errors and percentiles.
Runs alternate, so drift on a shared machine hits both alike; figures are medians.
Targets: time ratio <= 1.0, peak RSS <= 256 MiB + 16 bytes x rows.

    python tests/benchmarks/bench_compare.py [--rows 1000] [--classes 50257] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from _measure import run, softmax_script

SCRIPT = """
import json, sys
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.special import log_softmax, rel_entr
base = np.load(sys.argv[1]).astype(np.float64)
other = np.load(sys.argv[2]).astype(np.float64)
targets = np.load(sys.argv[3])
n = len(targets)
rows = np.arange(n)
log_p, log_q = log_softmax(base, axis=1), log_softmax(other, axis=1)
p, q = np.exp(log_p), np.exp(log_q)
kl = rel_entr(p, q).sum(axis=1)
kl_reverse = rel_entr(q, p).sum(axis=1)
js = jensenshannon(p, q, axis=1) ** 2
tv = 0.5 * np.abs(p - q).sum(axis=1)
same = p.argmax(axis=1) == q.argmax(axis=1)
a, b = -log_p[rows, targets], -log_q[rows, targets]
dp = q[rows, targets] - p[rows, targets]
def se(x):
    return float(x.std(ddof=1) / np.sqrt(len(x)))
levels = [100, 99.9, 99, 95, 90, 50, 10, 5, 1, 0.1, 0]
report = {
    "kl": [kl.mean(), se(kl), list(np.percentile(kl, levels))],
    "kl_reverse": [kl_reverse.mean(), se(kl_reverse)],
    "js": [js.mean(), se(js)], "tv": [tv.mean(), se(tv)],
    "same_top": [same.mean(), float(np.sqrt(same.mean() * (1 - same.mean()) / (n - 1)))],
    "ppl": [np.exp(a.mean()), np.exp(b.mean()), np.exp((b - a).mean()), se(b - a)],
    "r": float(np.corrcoef(a, b)[0, 1]),
    "dp": [dp.mean(), se(dp), list(np.percentile(dp, levels)), float(np.sqrt(np.mean(dp**2)))],
    "accuracy": [float(np.mean(p.argmax(1) == targets)), float(np.mean(q.argmax(1) == targets))],
}
print(json.dumps(report, default=float))
"""


def write_data(folder: Path, rows: int, classes: int) -> tuple[Path, Path, Path]:
    """BASE, OTHER (BASE plus noise) and targets, seeded, written a block at a time."""
    rng = np.random.default_rng(0)
    paths = folder / "base.npy", folder / "other.npy", folder / "targets.npy"
    base = np.lib.format.open_memmap(paths[0], "w+", np.float32, (rows, classes))
    other = np.lib.format.open_memmap(paths[1], "w+", np.float32, (rows, classes))
    block = max(1, (1 << 24) // classes)
    for start in range(0, rows, block):
        count = min(block, rows - start)
        logits = rng.standard_normal((count, classes)) * 3
        base[start : start + count] = logits
        other[start : start + count] = logits + rng.standard_normal(logits.shape) * 0.1
    base.flush()
    other.flush()
    del base, other
    np.save(paths[2], rng.integers(0, classes, rows))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--classes", type=int, default=50_257)
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each")
    args = parser.parse_args()
    script = softmax_script()
    with tempfile.TemporaryDirectory() as tmp:
        base, other, targets = (str(p) for p in write_data(Path(tmp), args.rows, args.classes))
        commands = {
            "cli": [script, "compare", base, other, "--targets", targets, "-f", "json"],
            "script": [sys.executable, "-c", SCRIPT, base, other, targets],
        }
        times: dict[str, list[float]] = {}
        peaks: dict[str, float] = {}
        for _ in range(max(1, args.runs)):
            for kind, argv in commands.items():
                seconds, rss = run(argv)
                times.setdefault(kind, []).append(seconds)
                peaks[kind] = max(peaks.get(kind, 0.0), rss)
    cli, baseline = statistics.median(times["cli"]), statistics.median(times["script"])
    bound = 256 + 16 * args.rows / 2**20
    print(f"compare, 2 x {args.rows:,} x {args.classes:,} float32 logits + targets")
    print(f"medians of {args.runs} alternating runs")
    print(f"{'':8s} {'seconds':>8s} {'peak MiB':>9s}")
    print(f"{'cli':8s} {cli:8.2f} {peaks['cli']:9.0f}")
    print(f"{'script':8s} {baseline:8.2f} {peaks['script']:9.0f}")
    print(f"ratio {cli / baseline:.2f} (target <= 1.0); cli peak RSS bound {bound:.0f} MiB")


if __name__ == "__main__":
    main()
