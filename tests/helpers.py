"""Helpers the tests share: the installed console script, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.core.calculator.sampling import Filters

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


def central_differences(
    params: np.ndarray, objective: Callable[[], float], step: float = 1e-6
) -> np.ndarray:
    """The gradient of ``objective`` (which reads ``params``) by central differences,
    ``(f(x + h e_i) - f(x - h e_i)) / 2h`` per entry; ``params`` is restored after each."""
    numeric = np.zeros_like(params)
    for index in np.ndindex(*params.shape):
        saved = params[index]
        params[index] = saved + step
        plus = objective()
        params[index] = saved - step
        minus = objective()
        params[index] = saved
        numeric[index] = (plus - minus) / (2 * step)
    return numeric


def filtered_probs(weights: np.ndarray, filters: Filters) -> np.ndarray:
    """The distribution sample draws from: the weights after ``filters``, renormalised."""
    from softmax_cli.core.calculator.sampling import filtered_weights

    kept = filtered_weights(weights, filters)
    return np.asarray(kept / kept.sum(axis=-1, keepdims=True))


def refused_address() -> str:
    """A local address where nothing listens (a port just given back)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def one_line(stderr: bytes) -> str:
    """``stderr`` as text, asserted to be one line and no traceback."""
    text = stderr.decode()
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text
