"""A smaller set of the same examples through the installed console script, with real
pipes and a subprocess timeout: what CliRunner cannot show (stream handling at exit,
warnings printed by the interpreter, a hang in C code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzz.inputs import csv_text, npy_files, option_values, valid_npy
from fuzz.running import assert_contract, fuzz_settings, run_script

COMMANDS = [["-f", "csv"], ["stats", "-k", "2"], ["xent", "--target", "0", "-f", "json"],
            ["sample", "--seed", "1", "--with-prob"]]  # fmt: skip


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
@fuzz_settings(4)
@given(content=st.one_of(csv_text(), npy_files(), valid_npy, st.binary(max_size=40)))
def test_input_through_real_pipes(args: list[str], content: bytes) -> None:
    assert_contract(run_script(args, stdin=content, seconds=60), args)


@pytest.mark.parametrize("option", ["-t", "-p", "-d", "-l"])
@fuzz_settings(3)
@given(value=option_values)
def test_option_values_through_real_pipes(option: str, value: str, tmp_path: Path) -> None:
    assume("\x00" not in value)
    args = [option, value, "-f", "csv"]
    assert_contract(run_script(args, stdin=b"1,2,3\n", cwd=tmp_path, seconds=60), args)
