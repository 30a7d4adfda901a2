"""Shard pairs for the compare tests: BASE and OTHER logits in shards of unequal
sizes, each with its targets, written as ``.npy`` or CSV; and reports compared to a
relative tolerance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

SIZES = (7, 5, 9)
CLASSES = 6


def write_shards(folder: Path, kind: str = "npy", seed: int = 0) -> dict[str, list[np.ndarray]]:
    """``folder/base/NNN.kind``, ``folder/other/NNN.kind`` and ``folder/targets/NNN.npy``
    for each of ``SIZES``; returns the arrays written, side by side."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, list[np.ndarray]] = {"base": [], "other": [], "targets": []}
    for side in arrays:
        (folder / side).mkdir()
    for index, rows in enumerate(SIZES):
        base = rng.normal(0, 2, (rows, CLASSES))
        other = base + rng.normal(0, 0.3, base.shape)
        arrays["base"].append(base)
        arrays["other"].append(other)
        arrays["targets"].append(rng.integers(0, CLASSES, rows))
        np.save(folder / "targets" / f"{index:03d}.npy", arrays["targets"][-1])
        for side, values in (("base", base), ("other", other)):
            path = folder / side / f"{index:03d}.{kind}"
            if kind == "npy":
                np.save(path, values)
            else:
                np.savetxt(path, values, delimiter=",", fmt="%.17g")
    return arrays


def assert_close(actual: object, expected: object, rel: float = 1e-12) -> None:
    """The same JSON structure, numbers equal to ``rel`` (nan where nan)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys()
        for key, value in expected.items():
            assert_close(actual[key], value, rel)
    elif isinstance(expected, float) and isinstance(actual, float):
        assert math.isclose(actual, expected, rel_tol=rel) or (
            math.isnan(actual) and math.isnan(expected)
        ), (actual, expected)
    else:
        assert actual == expected
