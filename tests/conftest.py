"""Shared fixtures: the installed console script, run for real in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = shutil.which("softmax", path=str(Path(sys.executable).parent)) or shutil.which("softmax")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "SOFTMAX_DEBUG"}}
    env["PYTHONWARNINGS"] = "error"
    return env


def invoke_cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    """Run the Click group in-process; return (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from softmax_cli.cli import cli

    result = CliRunner().invoke(cli, args, input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        # Anything but a deliberate exit is a bug: show it.
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


RunScript = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def run_script() -> RunScript:
    """Run the installed ``softmax`` script with real pipes; returns the completed process."""
    if SCRIPT is None:
        pytest.fail("the softmax console script is not installed (pip install -e '.[test]')")

    def run(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None):
        return subprocess.run(
            [SCRIPT, *args], input=stdin, capture_output=True, env=env or _clean_env(), timeout=120
        )

    return run
