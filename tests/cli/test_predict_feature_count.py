"""A wrong number of feature values to ``predict`` gets one exit code whatever saved the
model: 2 for values given as arguments (a usage error, like any bad argument), 65 for
rows read from CSV or ``.npy`` (bad input data)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A train-blobs model and a train model, both taking two features."""
    import subprocess

    from helpers import SCRIPT, clean_env

    assert SCRIPT is not None
    folder = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(0)
    rows = "".join(
        f"{x!r},{y!r},{'p' if x > y else 'q'}\n" for x, y in rng.normal(size=(40, 2)).tolist()
    )
    (folder / "data.csv").write_text("a,b,kind\n" + rows)
    blobs, table = folder / "blobs.npz", folder / "train.npz"
    commands = [
        ["train-blobs", "-q", "-f", "json", "--seed", "1", "--epochs", "1", "--save", str(blobs)],
        [
            "train",
            str(folder / "data.csv"),
            "-q",
            "-f",
            "json",
            "--seed",
            "1",
            "--save",
            str(table),
        ],
    ]
    for command in commands:
        subprocess.run([SCRIPT, *command], check=True, capture_output=True, env=clean_env())
    return {"train-blobs": blobs, "train": table}


def npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["train-blobs", "train"])
def test_three_values_as_arguments_are_a_usage_error(
    run_script: RunScript, models: dict[str, Path], kind: str
) -> None:
    done = run_script("predict", "-m", str(models[kind]), "-f", "csv", "1", "2", "3")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1
    assert done.stdout == b""


@pytest.mark.parametrize("kind", ["train-blobs", "train"])
def test_three_columns_of_an_array_are_a_data_error(
    run_script: RunScript, models: dict[str, Path], kind: str
) -> None:
    stdin = npy_bytes(np.ones((2, 3)))
    done = run_script("predict", "-m", str(models[kind]), "-f", "csv", stdin=stdin)
    assert done.returncode == 65, done.stderr
    assert done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1
