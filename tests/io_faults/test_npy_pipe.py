"""``--format npy`` into a pipe: a reader that stops early ends the run quietly, as it
does for CSV, and a bad cell reports the bad cell, not the array's missing rows."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import SCRIPT, clean_env

COMMANDS = [(), ("sigmoid",), ("stats",), ("sample", "--seed", "1")]


def _into_head(args: list[str]) -> tuple[int, bytes, bytes]:
    """Run the script into ``head -c 100`` through a real pipe."""
    assert SCRIPT is not None
    writer = subprocess.Popen(
        [SCRIPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env()
    )
    assert writer.stdout is not None and writer.stderr is not None
    head = subprocess.run(
        ["head", "-c", "100"], stdin=writer.stdout, capture_output=True, timeout=120
    )
    writer.stdout.close()
    error = writer.stderr.read()
    writer.stderr.close()
    return writer.wait(timeout=120), head.stdout, error


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "softmax" for c in COMMANDS])
def test_a_pipe_closed_early_ends_an_npy_output_quietly(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    big = tmp_path / "big.npy"
    np.save(big, np.zeros((300_000, 3)))
    code, head, error = _into_head([*command, "-f", "npy", "-i", str(big)])
    csv_code, _, csv_error = _into_head([*command, "-f", "csv", "-i", str(big)])
    assert (code, error) == (csv_code, csv_error) == (1, b"")
    assert head.startswith(b"\x93NUMPY")


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "softmax" for c in COMMANDS])
def test_a_nan_cell_is_reported_as_itself_into_a_pipe(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    values = np.zeros((10, 3))
    values[5, 1] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, values)
    assert SCRIPT is not None
    result = subprocess.run(
        f"'{SCRIPT}' {' '.join(command)} -f npy -i '{path}' | cat > /dev/null; "
        "exit ${PIPESTATUS[0]}",
        shell=True,
        capture_output=True,
        env=clean_env(),
        executable="/bin/bash",
        timeout=120,
    )
    assert result.returncode == 65
    assert result.stderr.startswith(b"error: row 6, column 2: ")
    assert b"announced" not in result.stderr
