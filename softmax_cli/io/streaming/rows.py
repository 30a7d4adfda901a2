"""Rows as readers hand them on: chunks of parsed rows, checks on whole rows, and the
stop-or-skip rule for bad rows (``--skip-invalid``) with its report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.errors import DataError

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray

    RowIndex = slice | BoolArray

_MAX_SKIPPED_LINES_SHOWN = 10


class Chunk(NamedTuple):
    """Consecutive good rows: ``values`` of shape ``(n_rows, n_columns)``, the 1-based
    physical input line of each row in ``line_numbers``, shape ``(n_rows,)``, and, when
    the rows carry a target column, each row's target class index in ``targets``.

    ``row_numbers``, when a reader was asked for them, are each row's 1-based place among
    the input's rows, bad rows counted (blank, ``#`` and header lines not): what pairs a
    row with the same place in a file of targets. In an array they are the line numbers.
    """

    values: FloatArray
    line_numbers: IntArray
    targets: IntArray | None = None
    row_numbers: IntArray | None = None

    def take(self, rows: RowIndex) -> Chunk:
        """The rows selected by a slice or a boolean mask."""
        targets = None if self.targets is None else self.targets[rows]
        numbers = None if self.row_numbers is None else self.row_numbers[rows]
        return Chunk(self.values[rows], self.line_numbers[rows], targets, numbers)


class RowRule(NamedTuple):
    """A check on whole rows that a command needs (softmax: not every logit ``-inf``).

    ``find_bad`` maps values of shape ``(n_rows, n_columns)`` to a mask of bad rows.
    ``describe``, when given, turns one bad row into a message naming its value and the
    1-based column at fault (``None`` for the whole row), instead of the fixed ``message``.
    """

    find_bad: Callable[[FloatArray], BoolArray]
    message: str
    describe: Callable[[FloatArray], tuple[str, int | None]] | None = None

    def explain(self, row: FloatArray) -> tuple[str, int | None]:
        """The message and column for one bad row of shape ``(n_columns,)``."""
        return self.describe(row) if self.describe is not None else (self.message, None)


class SkipReport:
    """How many rows ``--skip-invalid`` dropped, and the first few of their line numbers
    (or, in an array file, row numbers: ``unit``)."""

    def __init__(self, unit: str = "line") -> None:
        self.unit = unit
        self.count = 0
        self.first_lines: list[int] = []
        self.files: list[str | None] = []  # the shard of each of first_lines, when named

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.first_lines) < _MAX_SKIPPED_LINES_SHOWN:
            self.first_lines.append(line)
            self.files.append(None)

    def extend(self, other: SkipReport, path: str | None = None) -> None:
        """Count ``other``'s skipped rows too: those of the shard at ``path``, whose line
        numbers are its own (the summary names the shard before them)."""
        room = max(_MAX_SKIPPED_LINES_SHOWN - len(self.first_lines), 0)
        self.first_lines.extend(other.first_lines[:room])
        self.files.extend(file or path for file in other.files[:room])
        self.count += other.count

    def summary(self) -> str:
        more = ", ..." if self.count > len(self.first_lines) else ""
        noun = "row" if self.count == 1 else "rows"
        return f"skipped {self.count} invalid {noun} ({self._places()}{more})"

    def _places(self) -> str:
        """``lines 3, 7``; with shards ``a.csv: lines 3, 7; b.csv: lines 2``."""
        groups: list[tuple[str | None, list[int]]] = []
        for file, line in zip(self.files, self.first_lines, strict=True):
            if not groups or groups[-1][0] != file:
                groups.append((file, []))
            groups[-1][1].append(line)
        return "; ".join(
            f"{'' if file is None else f'{file}: '}{self.unit}s {', '.join(map(str, lines))}"
            for file, lines in groups
        )

    def nothing_left(self) -> DataError:
        """The error when every row was skipped: no good row is no result."""
        if not self.first_lines:
            return DataError(f"no valid rows; {self.count} skipped")
        file, first = self.files[0], f"{self.unit} {self.first_lines[0]}"
        where = first if file is None else f"{first} of {file}"
        return DataError(f"no valid rows; {self.count} skipped, first at {where}")


if TYPE_CHECKING:
    from typing import Protocol

    class RowSource(Protocol):
        """What every reader is: rows of numbers with optional class labels; iterating
        yields chunks. ``n_rows`` is the number of rows when it is known before reading
        them."""

        labels: list[str] | None
        n_columns: int | None
        n_rows: int | None

        @property
        def skipped(self) -> SkipReport: ...

        def __iter__(self) -> Iterator[Chunk]: ...


class RowGate:
    """What happens to bad rows: without ``skip_invalid`` the rows before the first bad
    one go on and its error is raised after them; with it every good row goes on and the
    bad ones are counted in ``skipped`` (a new report, unless one is given to add to).
    ``rule`` is the command's check on whole rows."""

    def __init__(
        self,
        skip_invalid: bool,
        rule: RowRule | None,
        unit: str = "line",
        skipped: SkipReport | None = None,
    ) -> None:
        self.skip_invalid = skip_invalid
        self.rule = rule
        self.unit = unit  # what the rows' numbers count: input lines, or an array's rows
        self.skipped = skipped if skipped is not None else SkipReport(unit)

    def good_rows(
        self, bad: BoolArray, lines: IntArray, error_at: Callable[[int], DataError]
    ) -> tuple[RowIndex, DataError | None]:
        """Which rows go on when ``bad`` ones are among them, and the error to raise
        after them (from ``error_at(row)`` for the first bad row), if any."""
        if not bad.any():
            return slice(None), None
        if self.skip_invalid:
            for line in lines[bad].tolist():
                self.skipped.add(line)
            return ~bad, None
        first = int(np.argmax(bad))
        return slice(0, first), error_at(first)

    def pass_rows(
        self,
        chunk: Chunk,
        pending_error: DataError | None = None,
        physical_column: Callable[[int | None], int | None] = lambda column: column,
    ) -> Iterator[Chunk]:
        """Yield the rows of ``chunk`` that pass the rule, then raise the first error
        (the rule's, else ``pending_error`` from an earlier check of the same rows).
        ``physical_column`` maps the rule's class column to its place in the line."""
        rule, error = self.rule, pending_error
        if rule is not None and len(chunk.values):
            values, lines = chunk.values, chunk.line_numbers

            def breaks_rule(row: int) -> DataError:
                message, column = rule.explain(values[row])
                return DataError(message, int(lines[row]), physical_column(column), self.unit)

            keep, rule_error = self.good_rows(rule.find_bad(values), lines, breaks_rule)
            chunk, error = chunk.take(keep), rule_error or pending_error
        if len(chunk.values):
            yield chunk
        if error is not None:
            raise error
