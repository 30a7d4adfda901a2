"""Generated values for every option of every command (floats with nan, inf and huge
ones, ints huge and negative, any string): success, or a documented exit code with one
line on stderr. Each run is otherwise small and valid, so the option is what is tried."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzz.inputs import option_values
from fuzz.running import fuzz_settings, holds

SMALL_BLOBS = ["--samples", "20", "--test-size", "5", "--epochs", "1", "--hidden", "3"]
# Each command with a small valid run: its arguments and its stdin.
RUNS: dict[str, tuple[list[str], bytes]] = {
    "softmax": (["-f", "csv"], b"a,b,c\n1,2,3\n0,-1,2\n"),
    "sigmoid": (["-f", "csv"], b"1,2,3\n0,-1,2\n"),
    "xent": (["-f", "csv", "--target", "1"], b"1,2,3\n0,-1,2\n"),
    "stats": (["-f", "csv"], b"1,2,3\n0,-1,2\n"),
    "sample": (["-f", "csv", "--seed", "3"], b"1,2,3\n0,-1,2\n"),
    "calibrate": (["-f", "json", "--target", "1"], b"1,2,3\n0,-1,2\n3,1,0\n"),
    "compare": (["-f", "json", "{data}", "{data}"], b""),
    "train": (["-q", "-f", "json", "--seed", "1", "--test-size", "4", "{train_data}"], b""),
    "train-blobs": (["-q", "-f", "json", "--seed", "1", *SMALL_BLOBS], b""),
    "predict": (["-f", "csv", "-m", "{model}"], b"15,0\n0,15\n"),
}
SIZES = {"--samples", "--hidden", "--epochs", "--max-epochs", "--bins", "--num-samples", "-n",
         "--batch-size", "--cv", "--test-size", "--patience", "--top-k", "-k"}  # fmt: skip


# A generated --workers value on file input would start that many processes, and a
# --scheduler value would dial out: tests/fuzz/test_shard_options.py fuzzes them safely.
ENGINE_OPTIONS = {"--workers", "--scheduler"}


def value_options(name: str) -> list[str]:
    """The long name (else the short) of every option of ``name`` that takes a value,
    but the engine's."""
    from softmax_cli.cli.main import cli

    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    found = []
    for param in command.params:
        if isinstance(param, click.Option) and not param.is_flag and not param.count:
            found.append(max(param.opts, key=len))
    return [option for option in found if option not in ENGINE_OPTIONS]


@pytest.mark.parametrize("name", sorted(RUNS))
@fuzz_settings(25)
@given(data=st.data())
def test_any_value_of_any_option(
    name: str, models: dict[str, Path], tmp_path: Path, data: st.DataObject
) -> None:
    options = value_options(name)
    chosen = data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True))
    args, stdin = RUNS[name]
    names = {
        "data": os.fspath(tmp_path / "rows.csv"),
        "train_data": os.fspath(models["data"]),
        "model": os.fspath(models["blobs"]),
    }
    (tmp_path / "rows.csv").write_bytes(b"1,2,3\n0,-1,2\n")
    extra = []
    for option in chosen:
        value = data.draw(option_values, label=option)
        if option in ("--save", "--plot", "--input", "--test", "--targets", "--model"):
            # A LF in a file name is echoed as it is by Click's usage error: left alone.
            assume(not value.startswith(("/", "~")) and not set(value) & {"\x00", "\n"})
            value = os.fspath(tmp_path / value) if value else value
        extra += [option, value]
    holds([name, *extra, *[arg.format(**names) for arg in args]], stdin=stdin)
