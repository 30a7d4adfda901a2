"""Generated CSV text, bytes and ``.npy`` files into every command that reads rows, on
stdin and by name: success, or a documented exit code with one line on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz.inputs import cells, csv_text, npy_files, valid_npy
from fuzz.running import fuzz_settings, holds, write

# Each row command with the options that change how it reads or what it must check.
ROW_COMMANDS = [
    ["softmax", "-f", "csv"],
    ["softmax", "-f", "json", "--argmax"],
    ["softmax", "-f", "npy", "--log"],
    ["softmax", "-f", "table"],
    ["sigmoid", "-f", "tsv"],
    ["sigmoid", "--compare", "-f", "table"],
    ["xent", "--target", "0", "-f", "csv"],
    ["xent", "-f", "json"],  # the target column, from the header
    ["xent", "--probs", "--target", "1", "--reduction", "mean"],
    ["xent", "--binary", "--target", "1", "--reduction", "sum"],
    ["stats", "-k", "2", "-f", "csv"],
    ["stats", "--probs", "--renormalize", "-f", "json"],
    ["sample", "--seed", "1", "-n", "2", "--top-p", "0.9", "-f", "csv"],
    ["sample", "--seed", "2", "--probs", "--min-p", "0.2", "--with-prob", "-f", "json"],
    ["calibrate", "--target", "0", "-f", "json"],
    ["calibrate", "-f", "json", "--bins", "3"],
    ["predict", "-m", "{blobs}", "-f", "csv"],
    ["predict", "-m", "{train}", "-f", "json"],
    ["compare", "{base}", "{rows}", "-f", "json"],
    ["compare", "{rows}", "{base}", "--rows", "-k", "2", "-f", "csv"],
    ["train", "{rows}", "--seed", "1", "-q", "-f", "json", "--test-size", "1"],
]
IDS = [" ".join(args).replace("{", "").replace("}", "") for args in ROW_COMMANDS]


def run_rows(args: list[str], models: dict[str, Path], folder: Path, content: bytes) -> None:
    """Run ``args`` on ``content``: the file that replaces ``{rows}``, or else stdin."""
    names = {
        "blobs": str(models["blobs"]),
        "train": str(models["train"]),
        "base": write(folder, "base.csv", b"1,2,3\n4,5,6\n"),
        "rows": write(folder, "rows", content),
    }
    holds([arg.format(**names) for arg in args], stdin=b"" if "{rows}" in args else content)


@pytest.mark.parametrize("args", ROW_COMMANDS, ids=IDS)
@fuzz_settings(12)
@given(content=csv_text())
def test_csv_text(args: list[str], models: dict[str, Path], tmp_path: Path, content: bytes) -> None:
    run_rows(args, models, tmp_path, content)


@pytest.mark.parametrize("args", ROW_COMMANDS, ids=IDS)
@fuzz_settings(6)
@given(content=st.binary(max_size=64))
def test_bytes(args: list[str], models: dict[str, Path], tmp_path: Path, content: bytes) -> None:
    run_rows(args, models, tmp_path, content)


@pytest.mark.parametrize("args", ROW_COMMANDS, ids=IDS)
@fuzz_settings(10)
@given(content=st.one_of(npy_files(), valid_npy))
def test_npy_files(
    args: list[str], models: dict[str, Path], tmp_path: Path, content: bytes
) -> None:
    if "{rows}" not in args:
        args = [*args, "-i", "{rows}"]
    run_rows(args, models, tmp_path, content)


target_lines = st.lists(
    st.one_of(st.sampled_from(["0", "1", "2", "-1", "9", "a", "b", "", "#", "1.0"]), cells),
    max_size=4,
).map(lambda lines: "\n".join(lines).encode())


@pytest.mark.parametrize(
    "args",
    [
        ["xent", "-f", "csv", "-i", "{rows}"],
        ["calibrate", "-f", "json", "-i", "{rows}"],
        ["compare", "{rows}", "{rows}", "-f", "json"],
    ],
    ids=["xent", "calibrate", "compare"],
)
@fuzz_settings(15)
@given(content=st.one_of(target_lines, npy_files(), valid_npy, st.binary(max_size=30)))
def test_targets_files(
    args: list[str], models: dict[str, Path], tmp_path: Path, content: bytes
) -> None:
    targets = write(tmp_path, "targets", content)
    run_rows([*args, "--targets", targets], models, tmp_path, b"a,b,c\n1,2,3\n0,-1,2\n")
