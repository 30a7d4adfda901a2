"""Exceptions that carry the exit code the user sees; rendered once, in ``cli.main``."""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DATAERR = 65  # EX_DATAERR from sysexits.h
EXIT_INTERRUPTED = 130


class SoftmaxError(Exception):
    """An error meant for the user: a one-line message and an exit code."""

    exit_code = EXIT_FAILURE


class DataError(SoftmaxError):
    """Bad input data (a bad cell, a ragged row, ...), optionally located by line and
    column; ``unit`` names what ``line`` counts (``"row"`` in an array file)."""

    exit_code = EXIT_DATAERR

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, unit: str = "line"
    ) -> None:
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"{unit} {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ArgumentError(SoftmaxError):
    """A bad value given on the command line (exit 2, like Click's usage errors)."""

    exit_code = EXIT_USAGE
