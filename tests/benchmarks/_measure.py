"""Running a command and measuring its wall time and peak resident memory."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
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


# Linux carries a process's peak RSS across fork and exec: a child of this script would
# report this script's own peak (data it generated, say) if it were larger than its own.
# So a small Python process of its own starts each command and reports the command's
# wall time and peak RSS, which then include nothing but the launcher's ~10 MB.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {elapsed} {usage.ru_maxrss}")
"""


def run(
    argv: list[str], stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None
) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak RSS in MiB) of that one command."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        subprocess.run(
            [sys.executable, "-c", _LAUNCHER, report.name, *argv],
            stdin=stdin or subprocess.DEVNULL,
            stdout=stdout or subprocess.DEVNULL,
            check=True,
        )
        code, elapsed, max_rss_kib = report.read().split()
    if int(code) != 0:
        sys.exit(f"{argv} failed with exit code {code}")
    return float(elapsed), int(max_rss_kib) / 1024
