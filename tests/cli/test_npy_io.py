"""``.npy`` arrays through every command that reads rows, and ``--format npy`` out."""

from __future__ import annotations

import io
import os
import pty
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.special
from helpers import SCRIPT, RunScript, clean_env, invoke_cli

LOGITS = np.random.default_rng(3).normal(scale=3, size=(40, 4))


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def csv_text(array: np.ndarray) -> str:
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in array)


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "csv"],
        ["--format", "json", "--labels", "a,b,c,d"],
        ["--log", "-t", "2", "--format", "tsv"],
        ["sigmoid", "--format", "csv"],
        ["sigmoid", "--compare", "--format", "csv"],
        ["stats", "-k", "2", "--format", "csv"],
        ["sample", "--seed", "4", "-n", "3", "--format", "csv"],
        ["xent", "--target", "1", "--format", "csv", "-q"],
    ],
)
def test_an_array_gives_what_its_csv_gives(run_script: RunScript, args: list[str]) -> None:
    from_array = run_script(*args, stdin=npy_bytes(LOGITS))
    from_csv = run_script(*args, stdin=csv_text(LOGITS).encode())
    assert from_array.returncode == from_csv.returncode == 0, from_array.stderr
    assert from_array.stdout == from_csv.stdout


def test_array_in_array_out_through_pipes(run_script: RunScript, tmp_path: Path) -> None:
    path = tmp_path / "logits.npy"
    np.save(path, LOGITS)
    done = run_script("--input", str(path), "--format", "npy")
    assert done.returncode == 0, done.stderr
    result = np.load(io.BytesIO(done.stdout))
    assert result.dtype == np.float64 and result.shape == LOGITS.shape
    np.testing.assert_allclose(result, scipy.special.softmax(LOGITS, axis=1), rtol=0, atol=1e-12)
    done = run_script("stats", "--format", "npy", stdin=npy_bytes(LOGITS))
    assert np.load(io.BytesIO(done.stdout)).shape == (40, 5)  # four measures and argmax


def test_predict_takes_an_array_of_features(run_script: RunScript, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    done = run_script("train-blobs", "--seed", "1", "--epochs", "2", "--save", str(model), "-q")
    assert done.returncode == 0, done.stderr
    features = np.array([[15.0, 0.0], [0.0, 15.0]])
    from_array = run_script("predict", "-m", str(model), stdin=npy_bytes(features))
    from_csv = run_script("predict", "-m", str(model), stdin=b"15,0\n0,15\n")
    assert from_array.stdout == from_csv.stdout and from_array.returncode == 0
    done = run_script("predict", "-m", str(model), "-f", "npy", stdin=npy_bytes(features))
    assert np.load(io.BytesIO(done.stdout)).shape == (2, 5)  # 4 classes and predicted


def test_csv_into_a_file_gets_its_header_fixed_up(tmp_path: Path) -> None:
    assert SCRIPT is not None
    out = tmp_path / "probs.npy"
    with out.open("wb") as stdout:
        done = subprocess.run(
            [SCRIPT, "--format", "npy"],
            input=csv_text(LOGITS).encode(),
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=clean_env(),
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load(out), scipy.special.softmax(LOGITS, axis=1), atol=1e-12)


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["--format", "npy", "--explain", "1", "2"], "", 2, "--explain writes a table"),
        (["xent", "--target-column", "0"], None, 2, "an .npy array has no target column"),
        ([], np.arange(4), 65, "holds int64 values"),
        (["--labels", "a,b"], None, 65, "2 labels given but the array has 4 columns"),
        (["--skip-invalid", "-f", "csv"], np.array([[1.0, np.nan], [1.0, 2.0]]), 0, "rows 1"),
        (
            ["--skip-invalid", "-f", "csv"],
            np.array([[1.0, np.nan]]),
            65,
            "no valid rows; 1 skipped, first at row 1",
        ),
    ],
)
def test_errors(args: list[str], stdin: object, code: int, message: str) -> None:
    payload = npy_bytes(LOGITS if stdin is None else stdin) if not isinstance(stdin, str) else stdin
    got, _, err = invoke_cli(args, payload)  # type: ignore[arg-type]
    assert got == code and message in err, err


def test_csv_into_a_pipe_is_refused_before_any_output(run_script: RunScript) -> None:
    done = run_script("--format", "npy", stdin=b"1,2\n")
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.startswith(b"error: --format npy needs the row count before the first row")


def test_npy_is_refused_on_a_terminal() -> None:
    assert SCRIPT is not None
    controller, terminal = pty.openpty()
    done = subprocess.run(
        [SCRIPT, "--format", "npy", "1", "2"],
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=clean_env(),
        timeout=60,
    )
    os.close(terminal)
    os.close(controller)
    assert done.returncode == 2
    assert b"--format npy writes binary data" in done.stderr
