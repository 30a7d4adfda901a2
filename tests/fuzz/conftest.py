"""Fixtures of the fuzz suite: a small saved model of each kind, made once."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz.running import holds

TRAIN_DATA = b"a,b,c,label\n" + b"".join(
    f"{i % 7},{(i * 3) % 5},{'xy'[i % 2]},{'pq'[(i // 2) % 2]}\n".encode() for i in range(12)
)


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``blobs``: from train-blobs (no preprocessing); ``train``: from train on a CSV
    with numeric and categorical columns (with preprocessing)."""
    folder = tmp_path_factory.mktemp("models")
    blobs, train, data = folder / "blobs.npz", folder / "train.npz", folder / "data.csv"
    data.write_bytes(TRAIN_DATA)
    args = ["--samples", "20", "--test-size", "5", "--hidden", "3", "--epochs", "1"]
    assert holds(["train-blobs", *args, "--seed", "1", "-q", "--save", str(blobs)]).code == 0
    args = ["--test-size", "4", "--seed", "1", "-q", "-f", "json", "--save", str(train)]
    assert holds(["train", str(data), *args]).code == 0
    return {"blobs": blobs, "train": train, "data": data}


@pytest.fixture(autouse=True)
def no_worker_left_behind() -> Iterator[None]:
    """A run that stops early leaves its row generator to the garbage collector, and
    with it a parse-ahead worker waiting for work (a real process just exits): collect
    them after each test, so that none outlives it."""
    yield
    gc.collect()
    for thread in threading.enumerate():
        if thread.name == "parse-ahead":
            thread.join(timeout=5)
            assert not thread.is_alive(), "a parse-ahead worker outlived its run"
