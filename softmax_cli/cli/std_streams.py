"""Standard streams that were closed before the program started (``>&-``, ``<&-``).

Python sets such a stream to ``None``. A closed stdout fails every command up front,
since each writes its results there; a closed stdin fails only when it is read, so that
``softmax 1 2 3 <&-`` still works.
"""

from __future__ import annotations

import io
import sys

from softmax_cli.errors import SoftmaxError

STDOUT_CLOSED = "cannot write output: stdout is closed"
STDIN_CLOSED = "stdin is closed"


class _ClosedStdin(io.RawIOBase):
    """Stands in for a closed stdin: not a terminal, no descriptor, and reading it is the
    one-line error "stdin is closed" (exit 1)."""

    name = "<stdin>"  # as sys.stdin's, which commands show

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise SoftmaxError(STDIN_CLOSED)


def stand_in_for_closed_stdin() -> None:
    """If stdin was closed, make reading it the error ``STDIN_CLOSED``."""
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_ClosedStdin()))


def stdout_is_closed() -> bool:
    """Whether stdout was closed before the program started."""
    return sys.stdout is None
