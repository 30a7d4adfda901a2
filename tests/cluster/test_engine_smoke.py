"""The row commands on the session cluster write what each shard alone gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def test_softmax_writes_each_shard_as_alone(tmp_path: Path, scheduler: str, run_script) -> None:
    rng = np.random.default_rng(0)
    for name in ("b", "a", "c"):
        np.save(tmp_path / f"{name}.npy", rng.normal(size=(5, 4)))
    out = tmp_path / "out"
    out.mkdir()
    done = run_script(
        "softmax", "-i", str(tmp_path / "*.npy"), "--output-dir", str(out), "--scheduler", scheduler
    )
    assert done.returncode == 0, done.stderr
    for name in ("a", "b", "c"):
        alone = run_script("softmax", "-i", str(tmp_path / f"{name}.npy"), "-f", "csv")
        assert (out / f"{name}.csv").read_bytes() == alone.stdout


def test_rows_skipped_in_npy_shards_are_counted_in_rows(tmp_path: Path, run_script) -> None:
    """An array has rows, not lines: --output-dir says so as one input does."""
    for name, bad in (("a", 1), ("b", 0)):
        values = np.ones((3, 2))
        values[bad, 0] = np.nan
        np.save(tmp_path / f"{name}.npy", values)
    out = tmp_path / "out"
    out.mkdir()
    shards = str(tmp_path / "*.npy")
    alone = run_script("softmax", "-i", shards, "--skip-invalid", "-f", "csv")
    done = run_script("softmax", "-i", shards, "--skip-invalid", "--output-dir", str(out))
    assert done.returncode == alone.returncode == 0, done.stderr
    places = f"{tmp_path / 'a.npy'}: rows 2; {tmp_path / 'b.npy'}: rows 1"
    assert done.stderr == alone.stderr == f"warning: skipped 2 invalid rows ({places})\n".encode()
