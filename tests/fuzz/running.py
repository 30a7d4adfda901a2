"""Run the CLI on hostile input and hold it to the failure contract (DESIGN.md, "Failure
paths"): exit 0, or a documented code (1, 2, 65) with exactly one line on stderr; never a
traceback, an "internal error", a Python warning, or a hang.

Most examples run in-process through Click's ``CliRunner`` (fast): an exception that
escapes the command is the failure, shown with its traceback, and a SIGALRM timer bounds
each run. ``run_script`` runs the real console script in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from helpers import SCRIPT, clean_env
from hypothesis import HealthCheck, settings

DOCUMENTED_FAILURES = (1, 2, 65)
SECONDS = 20  # per example; the slowest honest run (a small train) takes well under 1 s
FORBIDDEN = ("Traceback", "internal error", "Warning:", "warnings.warn")


def fuzz_settings(examples: int) -> settings:
    """``examples`` in CI and by default, many more under ``--hypothesis-profile=thorough``;
    no deadline (the timer bounds a run), and fixtures such as ``tmp_path`` may be shared
    by the examples of one test."""
    return settings(
        max_examples=max(examples, settings.default.max_examples // 10),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


class Outcome(NamedTuple):
    code: int
    stdout: bytes
    stderr: str


class Hang(BaseException):
    """Raised by the timer; a ``BaseException`` so that no ``except Exception`` eats it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def invoke(args: Sequence[str], stdin: bytes = b"", seconds: float = SECONDS) -> Outcome:
    """Run the group in-process with ``stdin``; an escaping exception fails the example."""
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    runner = CliRunner()
    try:
        with time_limit(seconds):
            result = runner.invoke(
                cli, list(args), input=stdin, catch_exceptions=True, env={"NO_COLOR": "1"}
            )
    except Hang as exc:
        raise AssertionError(f"softmax {' '.join(args)}: {exc}") from None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(f"softmax {' '.join(args)} raised:\n{shown}")
    return Outcome(result.exit_code, result.stdout_bytes, result.stderr)


def run_script(
    args: Sequence[str], stdin: bytes = b"", cwd: Path | None = None, seconds: float = SECONDS
) -> Outcome:
    """Run the installed console script with real pipes and a timeout."""
    assert SCRIPT is not None, "the softmax console script is not installed"
    try:
        done = subprocess.run(
            [SCRIPT, *args],
            input=stdin,
            capture_output=True,
            env=clean_env(),
            cwd=cwd,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"softmax {' '.join(args)}: no answer after {seconds} s") from None
    return Outcome(done.returncode, done.stdout, done.stderr.decode(errors="replace"))


def assert_contract(outcome: Outcome, args: Sequence[str] = ()) -> Outcome:
    """Exit 0, or a documented failure code with one line on stderr (Click's usage errors
    are their "Usage:" block ending in one "Error:" line). Never a traceback or warning."""
    command = f"softmax {' '.join(args)}"
    err = outcome.stderr
    for text in FORBIDDEN:
        assert text not in err, f"{command}: {text!r} on stderr:\n{err}"
    if outcome.code == 0:
        return outcome
    assert outcome.code in DOCUMENTED_FAILURES, f"{command}: exit {outcome.code}:\n{err}"
    lines = err.removesuffix("\n").split("\n")  # a name with a CR in it is still one line
    if lines and lines[0].startswith("Usage:"):
        errors = [line for line in lines if line.startswith("Error: ")]
        assert outcome.code == 2 and len(errors) == 1 and lines[-1] == errors[0], (
            f"{command}: a usage error that is not one Error: line:\n{err}"
        )
    else:
        assert len(lines) == 1 and lines[0] and err.endswith("\n"), (
            f"{command}: {len(lines)} lines:\n{err}"
        )
    return outcome


def holds(args: Sequence[str], stdin: bytes = b"", seconds: float = SECONDS) -> Outcome:
    """``invoke`` and ``assert_contract`` in one."""
    return assert_contract(invoke(args, stdin, seconds), args)


def write(folder: Path, name: str, content: bytes) -> str:
    path = folder / name
    path.write_bytes(content)
    return os.fspath(path)
