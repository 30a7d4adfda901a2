"""Shards for the cluster tests: logits of a model that knows something, as CSV with a
target column or as .npy with a targets file each."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CLASSES = "abcde"


def informative(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits, shape (n, k), and targets drawn from softmax(2 x): a model that knows
    something, so that losses, accuracy and T are not trivial."""
    logits = rng.normal(size=(n, k))
    p = np.exp(2 * logits)
    p /= p.sum(axis=1, keepdims=True)
    targets = np.array([rng.choice(k, p=row) for row in p])
    return logits, targets


def write_csv_shards(folder: Path, sizes: list[int], seed: int = 0) -> str:
    """CSV shards with a header of class labels and a ``label`` column; their glob."""
    rng = np.random.default_rng(seed)
    for index, n in enumerate(sizes):
        logits, targets = informative(rng, n, len(CLASSES))
        lines = [",".join([*CLASSES, "label"])]
        lines += [
            ",".join([*(repr(float(v)) for v in row), CLASSES[t]])
            for row, t in zip(logits, targets, strict=True)
        ]
        (folder / f"part-{index}.csv").write_text("\n".join(lines) + "\n")
    return str(folder / "part-*.csv")


def write_npy_shards(folder: Path, sizes: list[int], binary: bool = False) -> tuple[str, str]:
    """.npy shards of float32 logits and their int64 targets; the two globs."""
    rng = np.random.default_rng(1)
    for index, n in enumerate(sizes):
        logits, targets = informative(rng, n, 2 if binary else 7)
        values = logits[:, 1:] - logits[:, :1] if binary else logits
        np.save(folder / f"x{index}.npy", values.astype(np.float32))
        np.save(folder / f"t{index}.npy", targets.astype(np.int64))
    return str(folder / "x*.npy"), str(folder / "t*.npy")
