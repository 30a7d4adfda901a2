"""The README's examples, run as a user would type them, in a terminal 80 columns wide.

Every ``console`` block in README.md is a transcript: a ``$ `` line is a command and the
lines after it, up to the next command, are its output. Each command runs in ``bash``
with stdout on a pseudo-terminal (so tables look as they would on screen) and must print
exactly what the README shows, trailing spaces and colour aside.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import PROJECT, SCRIPT, clean_env

README = PROJECT / "README.md"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLUMNS = 80


class Example(NamedTuple):
    line: int
    command: str
    output: str


def readme_examples(text: str) -> list[Example]:
    """Commands and their expected output from every ``console`` block."""
    examples: list[Example] = []
    in_block = False
    command: tuple[int, str] | None = None
    output: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not in_block:
            in_block = line.strip() == "```console"
            continue
        if line.startswith("```") or line.startswith("$ "):
            if command is not None:
                examples.append(Example(command[0], command[1], _normalise("\n".join(output))))
            command, output = None, []
            if line.startswith("```"):
                in_block = False
            else:
                command = (number, line[2:])
            continue
        output.append(line)
    return examples


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in ANSI.sub("", text).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def run_in_terminal(command: str, cwd: Path) -> tuple[int, str, str]:
    """Run ``command`` in bash with stdout on a pty of ``COLUMNS`` columns."""
    assert SCRIPT is not None
    env = clean_env()
    env.update(PATH=f"{Path(SCRIPT).parent}:{env.get('PATH', '')}", COLUMNS=str(COLUMNS))
    env.update(NO_COLOR="1", TERM="xterm-256color")
    env.pop("PYTHONWARNINGS", None)  # the README's reader gets the default warnings
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, COLUMNS, 0, 0))
    with subprocess.Popen(
        ["bash", "--norc", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    ) as proc:
        os.close(terminal)
        chunks = []
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(controller)
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    return code, b"".join(chunks).decode(), stderr


EXAMPLES = readme_examples(README.read_text())


def test_the_readme_has_examples_to_run() -> None:
    assert len(EXAMPLES) >= 8
    assert any("xent" in example.command for example in EXAMPLES)


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One working directory for the whole README, as for a reader typing along: later
    examples use files that earlier ones wrote (scored.csv, model.npz)."""
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README line {e.line}" for e in EXAMPLES])
def test_readme_example(example: Example, session_dir: Path) -> None:
    code, out, err = run_in_terminal(example.command, session_dir)
    assert code == 0, err
    assert _normalise(out) == example.output
