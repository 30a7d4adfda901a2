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
