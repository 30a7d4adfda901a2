"""Running a command and measuring its wall time and peak resident memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import IO


def softmax_script() -> str:
    """The installed console script next to this interpreter."""
    found = shutil.which("softmax", path=str(Path(sys.executable).parent)) or shutil.which(
        "softmax"
    )
    if found is None:
        sys.exit("softmax is not installed in this environment (pip install -e .)")
    return found


def run(
    argv: list[str], stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None
) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak RSS in MB) of that one child."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=stdin or subprocess.DEVNULL, stdout=stdout or subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv} failed with exit code {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024
