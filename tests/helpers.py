"""Helpers the tests share: the installed console script, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent  # the checkout: README.md, completions/
SCRIPT = shutil.which("softmax", path=str(Path(sys.executable).parent)) or shutil.which("softmax")

RunScript = Callable[..., subprocess.CompletedProcess[bytes]]


def clean_env() -> dict[str, str]:
    """The environment for a subprocess: no NO_COLOR or SOFTMAX_DEBUG, warnings as errors."""
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "SOFTMAX_DEBUG"}}
    env["PYTHONWARNINGS"] = "error"
    return env


def invoke_cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    """Run the Click group in-process; return (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner().invoke(cli, args, input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        # Anything but a deliberate exit is a bug: show it.
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
