"""``softmax train`` against scikit-learn on its bundled data sets, and at scale.

For each of iris, wine, breast_cancer and digits, and each seed, scikit-learn's
``train_test_split(stratify=y, test_size=0.2, random_state=seed)`` makes the split; both
sides get the same rows (ours through ``--test``). Three comparisons:

1. the default model (softmax regression) against
   ``make_pipeline(StandardScaler(), LogisticRegression())``: mean test accuracy, the
   median training time measured in this process, and the median wall time of the whole
   ``softmax train`` process against a Python script that loads the CSV, fits, scores and
   prints (targets: accuracy at least as good, training time <= 1.0x, process <= 1.0x
   on digits);
2. ``--hidden 64`` against ``make_pipeline(StandardScaler(), MLPClassifier((64,)))``
   (targets: accuracy at least as good, whole process <= 0.8x);
3. scale: 200,000 rows x 20 features on very different scales, 5 classes: the whole
   process's time and peak RSS, and its accuracy against LogisticRegression's (targets:
   under a minute, within 1 point, <= 600 MiB).

    python tests/benchmarks/bench_train_csv.py [--seeds 5] [--scale-rows 200000]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _measure import run, softmax_script

DATASETS = ("iris", "wine", "breast_cancer", "digits")

SKLEARN_SCRIPT = """
import sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.{module} import {estimator}
def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, :-1], data[:, -1].astype(int)
x_train, y_train = load(sys.argv[1])
x_test, y_test = load(sys.argv[2])
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = make_pipeline(StandardScaler(), {estimator}({arguments})).fit(x_train, y_train)
print(f"accuracy {{model.score(x_test, y_test):.4f}}")
"""
MODELS = {
    "softmax regression": ([], "linear_model", "LogisticRegression", ""),
    "--hidden 64": (["--hidden", "64"], "neural_network", "MLPClassifier", "(64,), random_state=0"),
}


def write_csv(path: Path, features: np.ndarray, targets: np.ndarray) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f"x{i}" for i in range(features.shape[1])), "target"])
        for row, target in zip(features.tolist(), targets.tolist(), strict=True):
            writer.writerow([*(repr(v) for v in row), target])


def fit_times(x_train, y_train, x_test, y_test, hidden: tuple[int, ...], seed: int):  # type: ignore[no-untyped-def]
    """(ours: seconds, accuracy), (scikit-learn: seconds, accuracy), fitted in this process."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from softmax_cli.core.trainer.outcome import Schema
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.io.streaming.memory import keep_temporaries_in_heap
    from softmax_cli.workflows.trainer.train import fit_classifier, predict_logits
    from softmax_cli.workflows.trainer.train_data import Examples

    # `softmax train` fits with glibc's malloc thresholds fixed (its CSV reader sets them):
    # the same here, for both sides, or ours would be timed as it never runs, with every
    # large temporary mapped and page-faulted afresh.
    keep_temporaries_in_heap()

    classes = [str(c) for c in np.unique(y_train)]
    schema = Schema("target", classes, [f"x{i}" for i in range(x_train.shape[1])], [])
    train = Examples(y_train.astype(np.intp), x_train, [], np.arange(len(y_train)))
    test = Examples(y_test.astype(np.intp), x_test, [], np.arange(len(y_test)))
    config = TrainConfig(hidden=hidden, seed=seed)
    start = time.perf_counter()
    fitted = fit_classifier(train, schema, config, np.random.default_rng(seed))
    ours_time = time.perf_counter() - start
    ours_accuracy = float(np.mean(predict_logits(fitted, test).argmax(axis=1) == y_test))
    estimator = MLPClassifier((64,), random_state=0) if hidden else LogisticRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        reference = make_pipeline(StandardScaler(), estimator).fit(x_train, y_train)
        theirs_time = time.perf_counter() - start
    return (ours_time, ours_accuracy), (theirs_time, float(reference.score(x_test, y_test)))


def compare(name: str, seeds: int, folder: Path, script: str) -> None:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    features, targets = getattr(datasets, f"load_{name}")(return_X_y=True)
    for label, (flags, module, estimator, arguments) in MODELS.items():
        fits, processes = [], []
        for seed in range(seeds):
            x_train, x_test, y_train, y_test = train_test_split(
                features, targets, test_size=0.2, stratify=targets, random_state=seed
            )
            fits.append(fit_times(x_train, y_train, x_test, y_test, (64,) if flags else (), seed))
            train_csv, test_csv = folder / "train.csv", folder / "test.csv"
            write_csv(train_csv, x_train, y_train)
            write_csv(test_csv, x_test, y_test)
            ours = [
                script,
                "train",
                str(train_csv),
                "--test",
                str(test_csv),
                *flags,
                "--seed",
                str(seed),
                "-f",
                "json",
                "-q",
            ]
            code = SKLEARN_SCRIPT.format(module=module, estimator=estimator, arguments=arguments)
            theirs = [sys.executable, "-c", code, str(train_csv), str(test_csv)]
            run(ours), run(theirs)  # warm the caches
            processes.append((run(ours)[0], run(theirs)[0]))
        ours_acc = statistics.mean(f[0][1] for f in fits)
        theirs_acc = statistics.mean(f[1][1] for f in fits)
        ours_fit = statistics.median(f[0][0] for f in fits)
        theirs_fit = statistics.median(f[1][0] for f in fits)
        ours_run = statistics.median(p[0] for p in processes)
        theirs_run = statistics.median(p[1] for p in processes)
        print(
            f"{name:13s} {label:18s} accuracy ours {ours_acc:.4f} sklearn {theirs_acc:.4f} "
            f"({'ok' if ours_acc >= theirs_acc else 'BELOW'}) | fit {ours_fit * 1000:6.1f} ms vs "
            f"{theirs_fit * 1000:6.1f} ms = {ours_fit / theirs_fit:.2f}x | process "
            f"{ours_run:.2f} s vs {theirs_run:.2f} s = {ours_run / theirs_run:.2f}x",
            flush=True,
        )


def scale(rows: int, folder: Path, script: str) -> None:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, targets = make_classification(
        n_samples=rows, n_features=20, n_informative=12, n_classes=5, random_state=0
    )
    scales = 10.0 ** np.random.default_rng(0).uniform(-3, 4, size=20)
    features = features * scales
    x_train, x_test, y_train, y_test = train_test_split(
        features, targets, test_size=0.2, stratify=targets, random_state=0
    )
    train_csv, test_csv = folder / "big_train.csv", folder / "big_test.csv"
    write_csv(train_csv, x_train, y_train)
    write_csv(test_csv, x_test, y_test)
    report = folder / "big.json"
    with report.open("wb") as out:
        seconds, peak = run(
            [
                script,
                "train",
                str(train_csv),
                "--test",
                str(test_csv),
                "-f",
                "json",
                "-q",
                "--seed",
                "0",
            ],
            stdout=out,
        )
    import json

    ours = json.loads(report.read_text())["test"]["accuracy"]
    start = time.perf_counter()
    reference = make_pipeline(StandardScaler(), LogisticRegression()).fit(x_train, y_train)
    theirs_time = time.perf_counter() - start
    theirs = reference.score(x_test, y_test)
    size = (train_csv.stat().st_size + test_csv.stat().st_size) / 1e6
    print(
        f"scale: {rows:,} rows x 20 features ({size:.0f} MB of CSV): softmax train {seconds:.1f} s "
        f"(target < 60 s), peak RSS {peak:.0f} MiB (target <= 600); accuracy {ours:.4f} vs "
        f"LogisticRegression {theirs:.4f} ({(ours - theirs) * 100:+.2f} points; its fit alone "
        f"{theirs_time:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--scale-rows", type=int, default=200_000, help="0 skips it")
    args = parser.parse_args()
    script = softmax_script()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets:
            compare(name, args.seeds, Path(tmp), script)
        if args.scale_rows:
            scale(args.scale_rows, Path(tmp), script)


if __name__ == "__main__":
    main()
