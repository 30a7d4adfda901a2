"""Issue 18's reproducers, one test each: the inputs that once ended in an internal error,
a hang or a silently wrong result, through the same contract as the fuzz tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fuzz.inputs import npy_file
from fuzz.running import assert_contract, invoke, run_script, write


# Issue 18: CR-only line endings.
@pytest.mark.parametrize("command", [["-f", "csv"], ["stats"], ["xent", "--target", "0"]])
def test_cr_line_endings(command: list[str]) -> None:
    outcome = assert_contract(invoke(command, b"1,2,3\r4,5,6\r"), command)
    assert outcome.code in (0, 65)


# Issue 18: a header field over 128 KiB.
def test_huge_header_field() -> None:
    content = b"a" * 131073 + b",b\n1,2\n"
    assert assert_contract(invoke(["-f", "csv"], content)).code in (0, 65)


# Issue 18: calibrate with a very negative finite target logit.
def test_calibrate_far_target_logit() -> None:
    outcome = assert_contract(
        invoke(["calibrate", "-f", "json"], b"a,b,label\n0,-1e300,1\n0,1,1\n")
    )
    assert outcome.code in (0, 65)


# Issue 18: .npy headers that lie.
@pytest.mark.parametrize(
    "command", [["-f", "csv"], ["sigmoid"], ["stats"], ["sample", "--seed", "1"]]
)
@pytest.mark.parametrize("shape", [(2**60,), (10**12, 10**12)])
def test_lying_npy_header(tmp_path: Path, command: list[str], shape: tuple[int, ...]) -> None:
    header = repr({"descr": "<f8", "fortran_order": False, "shape": shape})
    path = write(tmp_path, "x.npy", npy_file(header, b"\0" * 24))
    # A subprocess, which the timeout kills: in-process, a worker thread stuck in the
    # allocation would outlive the example and the test session's other tests.
    outcome = assert_contract(run_script([*command, "-i", path], seconds=5), command)
    assert outcome.code == 65


def _model(path: Path, **members: np.ndarray | bytes) -> bytes:
    """The model at ``path`` with some members replaced (bytes as they are)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            stem = name.removesuffix(".npy")
            if stem in members:
                value = members[stem]
                if isinstance(value, np.ndarray):
                    member = io.BytesIO()
                    np.save(member, value)
                    value = member.getvalue()
                archive.writestr(name, value)
            else:
                archive.writestr(name, source.read(name))
    return buffer.getvalue()


# Issue 18: malformed model files given to predict.
@pytest.mark.parametrize(
    "members",
    [
        {"config": np.array("[" * 200_000 + "]" * 200_000)},
        {"format": b"not an array"},
        {"weight_0": np.full((2, 3), 1e308)},
        {"version": np.array(-1)},
        # Found by the fuzz suite: NumPy's header reader raises tokenize's TokenError.
        {"bias_0": b"\x93NUMPY\x01\x008\x00{" + b" " * 54 + b"\n" + b"\0" * 16},
    ],
    ids=["nested-json", "not-an-array", "weights-1e308", "version-minus-1", "unclosed-header"],
)
def test_malformed_model(models: dict[str, Path], tmp_path: Path, members: dict) -> None:
    model = write(tmp_path, "m.npz", _model(models["blobs"], **members))
    args = ["predict", "-m", model, "-f", "csv"]
    assert assert_contract(invoke(args, b"15,0\n"), args).code == 65


# Issue 18: option values: infinities.
@pytest.mark.parametrize(
    "args",
    [["train-blobs", "--lr", "inf"], ["train-blobs", "--std", "inf"]],
)
def test_infinite_option_values(args: list[str]) -> None:
    assert assert_contract(invoke([*args, "-q"], b"1,2\n"), args).code == 2


# Issue 18: sizes that can't fit.
@pytest.mark.parametrize(
    "args",
    [
        ["calibrate", "--target", "0", "--bins", str(10**12)],
        ["sample", "-n", str(10**12), "--seed", "1"],
    ],
)
def test_huge_sizes(args: list[str]) -> None:
    outcome = run_script(args, stdin=b"1,2\n0,1\n", seconds=5)  # killed, unlike a thread
    assert assert_contract(outcome, args).code in (2, 65)


# Issue 18: duplicate labels lose a class in JSON.
def test_duplicate_labels() -> None:
    assert assert_contract(invoke(["-f", "json"], b"x,x,y\n1,2,3\n")).code == 65


# Issue 18: files written by name: --plot into a missing folder is an internal error.
def test_plot_into_a_missing_folder(tmp_path: Path) -> None:
    args = ["calibrate", "--target", "0", "--plot", str(tmp_path / "no" / "x.png")]
    assert assert_contract(invoke(args, b"1,2\n0,1\n3,1\n"), args).code == 1
