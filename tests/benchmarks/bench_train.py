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
    from softmax_cli.mlp import MLP
    from softmax_cli.training import BlobsConfig, evaluate, train_model

    config = BlobsConfig()
    rng = np.random.default_rng(seed)
    model = MLP.initialized(config.layer_sizes, rng)
    start = time.perf_counter()
    train_model(model, config, data, rng)  # type: ignore[arg-type]
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


def process_breakdown() -> None:
    """Where one ``softmax train-blobs`` run spends its time."""
    script = softmax_script()
    wall, rss = run([script, "train-blobs", "--seed", "1", "--format", "table", "--quiet"])
    start = time.perf_counter()
    import rich.console
    import sklearn.datasets
    import sklearn.metrics  # noqa: F401

    from softmax_cli import render_training, training

    imports = time.perf_counter() - start
    config = training.BlobsConfig()
    start = time.perf_counter()
    data = training.make_dataset(config, 1)
    making = time.perf_counter() - start
    start = time.perf_counter()
    result = training.train(config, data, np.random.default_rng(1))
    trained = time.perf_counter() - start
    start = time.perf_counter()
    console = rich.console.Console(file=open("/dev/null", "w"), width=100)  # noqa: SIM115
    render_training.render_report(console, config, 1, data, result)
    report = time.perf_counter() - start
    print(f"\nsoftmax train-blobs --seed 1 (whole process): {wall:.2f} s, peak RSS {rss:.0f} MB")
    print(
        f"  in-process split: imports {imports:.2f} s (numpy, sklearn, rich), data {making:.3f} s,"
    )
    print(f"  training {trained:.2f} s, report {report:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each")
    args = parser.parse_args()
    from softmax_cli.training import BlobsConfig, make_dataset

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
