"""A CSV column that holds each row's target class: finding it, and taking it out of rows.

Loaded only by commands that read targets (xent), so the plain softmax path never pays
for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.streaming.rows import Chunk, RowGate
from softmax_cli.io.targets.parser import (
    DEFAULT_TARGET_NAMES,
    TargetParser,
    TargetSpec,
    default_target_column,
    format_target_cell,
)
from softmax_cli.io.text.cells import loadtxt_rows, parse_numeric_block, split_cells

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray


def column_index(column: str) -> int | None:
    """``--target-column 2`` → 2; a name → ``None``."""
    return int(column) if column.isdigit() else None


def class_cells(cells: list[str], target: TargetSpec | None) -> list[str]:
    """The cells that must be numbers in a data row: all but a target column given by
    index (a target column given by name implies a header anyway)."""
    index = column_index(target.column) if target and target.column else None
    return [cell for i, cell in enumerate(cells) if i != index]


def locate_target_column(target: TargetSpec, cells: list[str], has_header: bool) -> int:
    """The 0-based position of the target column among a first line's ``cells``.

    Raises ``ArgumentError``: it is the option, or its absence, that is wrong."""
    header = cells if has_header else None
    if target.column is None:
        found = default_target_column(header or ())
        if found is not None:
            return found
        raise ArgumentError(
            "no target: give --target for every row, or --target-column NAME|INDEX "
            f"(no header column is named {DEFAULT_TARGET_NAMES})"
        )
    if header is not None and target.column in header:
        return header.index(target.column)
    index = column_index(target.column)
    if index is None:
        where = f"the header has {', '.join(header)}" if header else "the input has no header"
        raise ArgumentError(f"--target-column {target.column!r}: no such column ({where})")
    if index >= len(cells):
        raise ArgumentError(
            f"--target-column {index} is out of range: the input has {len(cells)} columns "
            "(indices start at 0)"
        )
    return index


class TargetColumn:
    """The target column at 0-based ``index`` of lines ``width`` cells wide, whose cells
    ``parser`` turns into class indices."""

    def __init__(self, index: int, width: int, parser: TargetParser) -> None:
        self.index = index
        self.width = width
        self.parser = parser

    def physical(self, column: int | None) -> int | None:
        """A 1-based class column's position in the line, counting the target column."""
        if column is None or column <= self.index:
            return column
        return column + 1

    def split_numeric(self, values: FloatArray, lines: IntArray, gate: RowGate) -> Iterator[Chunk]:
        """Take a numeric target column (class indices) out of parsed rows, then check
        the rows; a target that is no class index stops (or is skipped) like a bad cell."""
        cells = values[:, self.index]

        def bad_target(row: int) -> DataError:
            message = self.parser.describe(format_target_cell(float(cells[row])))
            return DataError(message, int(lines[row]), self.index + 1)

        keep, error = gate.good_rows(self.parser.find_bad(cells), lines, bad_target)
        # Cast only the kept cells: a bad one may be -inf or 1.5, no class index.
        targets = cells[keep].astype(np.intp)
        chunk = Chunk(np.delete(values, self.index, axis=1)[keep], lines[keep], targets)
        yield from gate.pass_rows(chunk, error, self.physical)

    def split_labels(self, texts: list[str], lines: IntArray, delimiter: str) -> Chunk | None:
        """Parse rows whose target cells are labels: split each line, look its target
        up, parse the rest as numbers. ``None`` if any line is not simply good."""
        targets, rest = [], []
        for text in texts:
            cells = split_cells(text, delimiter)
            if len(cells) != self.width:
                return None
            try:
                targets.append(self.parser.parse(cells.pop(self.index)))
            except ValueError:
                return None
            rest.append(",".join(cell.strip() for cell in cells))
        n_classes = self.width - 1
        values = parse_numeric_block(("\n".join(rest) + "\n").encode(), ",", n_classes)
        if values is None:
            values = loadtxt_rows(rest, ",", n_classes)
        if values is None:
            return None
        return Chunk(values, lines, np.array(targets, dtype=np.intp))
