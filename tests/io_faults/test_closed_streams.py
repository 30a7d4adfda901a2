"""Standard streams closed before the program starts (a shell's ``>&-`` and ``<&-``): one
line and exit 1, never an internal error; a closed stdin matters only when it is read."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from helpers import SCRIPT, clean_env

COMMANDS = [
    "-f csv 1 2 3",
    "--help",
    "--version",
    "sigmoid 1 2",
    "stats 1 2 3",
    "sample --seed 1 1 2 3",
    "xent --target 0 1 2",
    "train --help",
]


def _shell(
    command: str, redirect: str, stdin: bytes = b"1,2\n"
) -> subprocess.CompletedProcess[bytes]:
    assert SCRIPT is not None
    line = f"exec {shlex.quote(SCRIPT)} {command} {redirect}"
    return subprocess.run(
        ["sh", "-c", line], input=stdin, capture_output=True, env=clean_env(), timeout=120
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_stdout_is_one_line_and_exit_1(command: str) -> None:
    result = _shell(command, ">&-")
    assert (result.returncode, result.stderr) == (
        1,
        b"error: cannot write output: stdout is closed\n",
    )


def test_with_stderr_closed_too_it_just_exits_1() -> None:
    result = _shell("-f csv 1 2 3", ">&- 2>&-")
    assert (result.returncode, result.stdout, result.stderr) == (1, b"", b"")


@pytest.mark.parametrize(
    "command",
    [
        "",
        "-f csv",
        "-i - -f csv",
        "sigmoid -f csv",
        "stats -f csv",
        "sample -f csv",
        "xent --target-column 1 -f csv",
        "calibrate --target-column 1",
        "train - --target y",
        "compare - {file}",
        "compare {file} -",
        "xent --targets {targets} -f csv",
    ],
)
def test_a_closed_stdin_that_is_read_is_one_line_and_exit_1(command: str, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"1,2\n")
    (tmp_path / "t.txt").write_bytes(b"0\n")
    command = command.format(file=tmp_path / "a.csv", targets=tmp_path / "t.txt")
    result = _shell(command, "<&-")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1:] == [b"error: stdin is closed"]
    assert b"internal error" not in result.stderr


def test_a_closed_stdin_is_not_an_error_when_values_are_arguments() -> None:
    result = _shell("-f csv 1 2 3", "<&-")
    assert (result.returncode, result.stdout) == (0, b"0.09003057,0.24472847,0.66524096\n")


def test_with_stderr_closed_a_closed_stdin_just_exits_1() -> None:
    result = _shell("-f csv", "<&- 2>&-")
    assert (result.returncode, result.stdout, result.stderr) == (1, b"", b"")
