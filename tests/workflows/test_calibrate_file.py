"""calibrate on an ``.npy`` file read again for every temperature: the same result as
the rows held in memory, in memory that does not grow with the rows, and only for a
file that can be read again."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import scipy.special

from softmax_cli.errors import DataError
from softmax_cli.io.sources import InputSpec, rereadable_npy
from softmax_cli.workflows.calculator.calibrate import calibrate_in_memory
from softmax_cli.workflows.calculator.calibrate_file import calibrate_file
from softmax_cli.workflows.calculator.loss_input import LossConfig

METRICS = ("nll", "accuracy", "brier", "ece", "mce")


def over_confident(rows: int, classes: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(rows, classes))
    probs = scipy.special.softmax(logits, axis=1)
    targets = (probs.cumsum(axis=1) > rng.random((rows, 1))).argmax(axis=1)
    return logits * 2.5, targets


def spec(stream: io.BufferedReader | io.BytesIO, skip_invalid: bool = False) -> InputSpec:
    return InputSpec((), stream, None, None, None, skip_invalid, quiet=True)  # type: ignore[arg-type]


def both_ways(
    tmp_path: Path, values: np.ndarray, targets: np.ndarray, config: LossConfig, **options: bool
) -> tuple:
    """The result from the file read again, and from the same rows as CSV in memory."""
    np.save(tmp_path / "x.npy", values)
    path = tmp_path / "t.txt"
    path.write_text("".join(f"{t}\n" for t in targets))
    skip = bool(options.get("skip_invalid"))
    with open(tmp_path / "x.npy", "rb") as stream:
        start = rereadable_npy(stream, str(path))
        assert start == 0
        streamed = calibrate_file(spec(stream, skip), config, start, 15, targets=str(path))
    as_read = values.astype(np.float64)
    csv = "".join(",".join(map(repr, row)) + "\n" for row in as_read.tolist())
    held = calibrate_in_memory(spec(io.BytesIO(csv.encode()), skip), config, 15, targets=str(path))
    return streamed, held


def assert_same(streamed: tuple, held: tuple) -> None:
    (ours, our_skips), (theirs, their_skips) = streamed, held
    assert ours.fit.bound == theirs.fit.bound
    assert ours.temperature == pytest.approx(theirs.temperature, rel=1e-9)
    assert ours.rows == theirs.rows
    for when in ("before", "after"):
        for name in METRICS:
            ours_value = getattr(getattr(ours, when), name)
            assert ours_value == pytest.approx(getattr(getattr(theirs, when), name), rel=1e-12)
        ours_bins, their_bins = getattr(ours, when).bins, getattr(theirs, when).bins
        assert ours_bins.counts.tolist() == their_bins.counts.tolist()
    assert (our_skips.count, our_skips.first_lines) == (their_skips.count, their_skips.first_lines)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("classes", [2, 7, 3000])
def test_the_file_read_again_gives_the_result_in_memory(
    tmp_path: Path, dtype: str, classes: int
) -> None:
    logits, targets = over_confident(2000 if classes < 100 else 150, classes)
    streamed, held = both_ways(tmp_path, logits.astype(dtype), targets, LossConfig())
    assert_same(streamed, held)


def test_probabilities_and_binary_rows_too(tmp_path: Path) -> None:
    logits, targets = over_confident(500, 3)
    probs = scipy.special.softmax(logits, axis=1)
    probs[0] = [1.0, 0.0, 0.0]
    targets[0] = 0
    assert_same(*both_ways(tmp_path, probs, targets, LossConfig(probs=True)))
    z = (logits[:, 1] - logits[:, 0]).reshape(-1, 1)
    binary = (targets == 1).astype(int)
    assert_same(*both_ways(tmp_path, z, binary, LossConfig(binary=True)))


def test_skipped_rows_are_skipped_on_every_reading(tmp_path: Path) -> None:
    logits, targets = over_confident(400, 4)
    logits[[3, 50, 51]] = np.nan
    logits[200, targets[200]] = -np.inf  # an impossible target
    streamed, held = both_ways(tmp_path, logits, targets, LossConfig(), skip_invalid=True)
    assert_same(streamed, held)
    assert streamed[0].rows == 396
    assert streamed[1].first_lines == [4, 51, 52, 201]
    with pytest.raises(DataError, match=r"^row 4, column 1: nan is not allowed"):
        both_ways(tmp_path, logits, targets, LossConfig())


def test_too_few_rows(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.array([[1.0, 2.0]]))
    too_few = pytest.raises(DataError, match="calibration needs at least 2 rows, got 1 row")
    with open(tmp_path / "x.npy", "rb") as stream, too_few:
        calibrate_file(spec(stream), LossConfig(), 0, 15, target="0")


def peak_bytes(run: object) -> int:
    tracemalloc.start()
    try:
        run()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    # 3,000 rows of 1,000 float64: 24 MB of logits, which the rows held in memory need
    # at least once; the file read again needs a few of its 1 MiB chunks at a time.
    logits, targets = over_confident(3000, 1000)
    np.save(tmp_path / "x.npy", logits)
    np.save(tmp_path / "t.npy", targets)
    targets_path = str(tmp_path / "t.npy")

    def streaming() -> None:
        with open(tmp_path / "x.npy", "rb") as stream:
            calibrate_file(spec(stream), LossConfig(), 0, 15, targets=targets_path)

    def in_memory() -> None:
        with open(tmp_path / "x.npy", "rb") as stream:
            calibrate_in_memory(spec(stream), LossConfig(), 15, targets=targets_path)

    assert peak_bytes(streaming) < 8 << 20
    assert peak_bytes(in_memory) > logits.nbytes


def test_only_a_regular_file_holding_an_array_is_read_again(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.zeros((2, 2)))
    (tmp_path / "x.csv").write_text("0,1\n1,0\n")
    (tmp_path / "t.txt").write_text("0\n1\n")
    with open(tmp_path / "x.npy", "rb") as stream:
        assert rereadable_npy(stream) == 0
        assert rereadable_npy(stream, str(tmp_path / "t.txt")) == 0
        assert stream.tell() == 0  # nothing consumed
    with open(tmp_path / "x.csv", "rb") as stream:
        assert rereadable_npy(stream) is None
    prefixed = tmp_path / "later.npy"
    prefixed.write_bytes(b"junk" + (tmp_path / "x.npy").read_bytes())
    with open(prefixed, "rb") as stream:
        stream.read(4)  # stdin redirected from a file another program has begun
        assert rereadable_npy(stream) == 4
    assert rereadable_npy(io.BytesIO((tmp_path / "x.npy").read_bytes())) is None  # type: ignore[arg-type]
    read_end, write_end = os.pipe()
    with open(read_end, "rb") as stream, open(write_end, "wb") as writer:
        writer.write((tmp_path / "x.npy").read_bytes())
        writer.flush()
        assert rereadable_npy(stream) is None
    with open(tmp_path / "x.npy", "rb") as stream:  # targets that are no regular file
        assert rereadable_npy(stream, os.devnull) is None
