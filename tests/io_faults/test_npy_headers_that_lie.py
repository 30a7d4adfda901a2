"""An ``.npy`` header's shape is a claim: checked against a file's size, and on a pipe
read until the data end, never allocated from. Short data are exit 65, "the array ends
after N rows, its header says M", on a file and on a pipe alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import RunScript


def _lying_npy(shape: str, data: bytes = b"\0" * 24) -> bytes:
    body = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"
    size = 6 + 4 + len(body) + 1
    padded = body + " " * (-(-size // 64) * 64 - size) + "\n"
    return b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode() + data


LIES = {
    "2**60 values": (_lying_npy(f"({2**60},)"), b"0 rows, its header says 1"),
    "10**12 squared": (
        _lying_npy(f"({10**12}, {10**12})"),
        b"0 rows, its header says 1000000000000",
    ),
    "1000 rows": (_lying_npy("(1000, 3)"), b"1 rows, its header says 1000"),
}
COMMANDS = [
    (),
    ("sigmoid",),
    ("stats",),
    ("xent", "--target", "0"),
    ("sample", "--seed", "1"),
    ("calibrate", "--targets", "{targets}"),
    ("xent", "--targets", "{targets}"),
]


@pytest.mark.parametrize("source", ["file", "pipe"])
@pytest.mark.parametrize("lie", list(LIES))
@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "softmax" for c in COMMANDS])
def test_an_npy_header_that_lies_is_exit_65(
    run_script: RunScript, tmp_path: Path, command: tuple[str, ...], lie: str, source: str
) -> None:
    data, says = LIES[lie]
    path = tmp_path / "lie.npy"
    path.write_bytes(data)
    (tmp_path / "t.txt").write_bytes(b"0\n")
    args = [arg.format(targets=tmp_path / "t.txt") for arg in command]
    if source == "file":
        result = run_script(*args, "-f", "csv", "-i", str(path))
    else:
        result = run_script(*args, "-f", "csv", stdin=data)
    assert result.returncode == 65
    assert result.stderr == b"error: the array ends after " + says + b"\n"


@pytest.mark.parametrize("lie", list(LIES))
def test_compare_checks_both_inputs_headers(
    run_script: RunScript, tmp_path: Path, lie: str
) -> None:
    data, says = LIES[lie]
    path = tmp_path / "lie.npy"
    path.write_bytes(data)
    for args, stdin in (([str(path), str(path)], b""), (["-", str(path)], data)):
        result = run_script("compare", *args, stdin=stdin)
        assert result.returncode == 65
        assert result.stderr == b"error: the array ends after " + says + b"\n"


def test_a_negative_size_is_refused(run_script: RunScript) -> None:
    result = run_script("-f", "csv", stdin=_lying_npy("(-1, 3)"))
    assert result.returncode == 65
    assert result.stderr == b"error: a damaged .npy header (shape (-1, 3) has a negative size)\n"


def test_a_targets_file_whose_header_lies_is_exit_65(run_script: RunScript, tmp_path: Path) -> None:
    body = f"{{'descr': '<i8', 'fortran_order': False, 'shape': ({2**60},), }}"
    size = 6 + 4 + len(body) + 1
    padded = body + " " * (-(-size // 64) * 64 - size) + "\n"
    targets = tmp_path / "t.npy"
    targets.write_bytes(
        b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode() + b"\0" * 8
    )
    result = run_script("xent", "--targets", str(targets), "-f", "csv", stdin=b"1,2\n")
    assert result.returncode == 65
    assert b"the .npy header announces 1152921504606846976 targets" in result.stderr
