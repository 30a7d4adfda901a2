"""compare's ``--rows`` on a terminal: the first rows of per-row figures, for a table."""

from __future__ import annotations

from typing import NamedTuple

PREVIEW_ROWS = 20


class ComparedRows(NamedTuple):
    """The first rows (at most ``PREVIEW_ROWS``), column by column: numbers, or class
    labels (indices as text when the classes have no names); and how many rows there
    were in all."""

    columns: dict[str, list[float | str]]
    total: int


def preview(columns: dict[str, list[float | str]], more: dict[str, list[float | str]]) -> None:
    """Add ``more`` rows to ``columns`` (in place), keeping the first ``PREVIEW_ROWS``."""
    for name, cells in more.items():
        kept = columns.setdefault(name, [])
        kept.extend(cells[: PREVIEW_ROWS - len(kept)])
