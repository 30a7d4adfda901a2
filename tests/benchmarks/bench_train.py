"""Training speed: our NumPy loop against scikit-learn's MLPClassifier, same data and net.

Both train a 2-12-8-4 ReLU network with Adam (lr 0.001), batch size 5, 30 epochs, on the
600 training samples of the default four blobs. Runs alternate, so drift on a shared
machine hits both; the figure that matters is the ratio of the medians. Then the whole
``softmax train-blobs`` process is timed, and split into imports, data, training and report
measured in this process.

    python tests/benchmarks/bench_train.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np
from _measure import run, softmax_script


def train_ours(data: object, seed: int) -> tuple[float, float]:
    from softmax_cli.core.trainer.blobs import fit_settings
    from softmax_cli.core.trainer.experiment import BlobsConfig
    from softmax_cli.core.trainer.mlp import MLP
    from softmax_cli.core.trainer.training import evaluate, fit

    config = BlobsConfig()
    rng = np.random.default_rng(seed)
    model = MLP.initialized(config.layer_sizes, rng)
    start = time.perf_counter()
    fit(model, fit_settings(config), data, rng)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    _, accuracy = evaluate(model, data.x_test, data.y_test)  # type: ignore[attr-defined]
    return elapsed, accuracy


def train_sklearn(data: object, seed: int) -> tuple[float, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    classifier = MLPClassifier(
        hidden_layer_sizes=(12, 8),
        solver="adam",
        learning_rate_init=0.001,
        batch_size=5,
        max_iter=30,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs is the point
        start = time.perf_counter()
        classifier.fit(data.x_train, data.y_train)  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - start
    return elapsed, float(classifier.score(data.x_test, data.y_test))  # type: ignore[attr-defined]


PHASES = """
import json, os, sys, time
marks = [time.perf_counter()]
import numpy as np
import rich.console
from softmax_cli.cli import main
from softmax_cli.core.trainer import blobs
from softmax_cli.core.trainer import experiment
from softmax_cli.render import training as render_training
from sklearn import datasets, metrics
marks.append(time.perf_counter())
config = experiment.BlobsConfig()
data = blobs.make_dataset(config, 1)
marks.append(time.perf_counter())
result = blobs.train(config, data, np.random.default_rng(1))
marks.append(time.perf_counter())
with open(os.devnull, "w") as sink:
    console = rich.console.Console(file=sink, width=100)
    render_training.render_report(console, config, 1, data, result)
marks.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))
"""


def process_breakdown() -> None:
    """Where one ``softmax train-blobs`` run spends its time: the whole process, then
    its phases timed in a fresh interpreter (so imports are really paid for)."""
    import json
    import subprocess

    script = softmax_script()
    wall, rss = run([script, "train-blobs", "--seed", "1", "--format", "table", "--quiet"])
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # warm the page cache
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    interpreter = time.perf_counter() - start
    out = subprocess.run([sys.executable, "-c", PHASES], check=True, capture_output=True).stdout
    imports, making, trained, report = json.loads(out)
    print(f"\nsoftmax train-blobs --seed 1 (whole process): {wall:.2f} s, peak RSS {rss:.0f} MB")
    print(
        f"  python start-up {interpreter:.2f} s, imports {imports:.2f} s (numpy, rich, "
        f"scikit-learn), data {making:.3f} s, training {trained:.2f} s, report {report:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="alternating runs of each")
    args = parser.parse_args()
    from softmax_cli.core.trainer.blobs import make_dataset
    from softmax_cli.core.trainer.experiment import BlobsConfig

    steps = 30 * -(-BlobsConfig().training_count // 5)
    ours, theirs = [], []
    for seed in range(args.runs):
        data = make_dataset(BlobsConfig(), seed)
        ours.append(train_ours(data, seed))
        theirs.append(train_sklearn(data, seed))
    for name, results in (("softmax-cli (NumPy)", ours), ("sklearn MLPClassifier", theirs)):
        seconds = statistics.median(r[0] for r in results)
        accuracy = statistics.mean(r[1] for r in results)
        print(
            f"{name:22s} median {seconds:.3f} s ({seconds / steps * 1e6:.0f} µs/step), "
            f"mean test accuracy {accuracy:.2%}"
        )
    ratio = statistics.median(r[0] for r in ours) / statistics.median(r[0] for r in theirs)
    print(f"time ratio ours / sklearn: {ratio:.2f} (target <= 0.35)")
    process_breakdown()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
