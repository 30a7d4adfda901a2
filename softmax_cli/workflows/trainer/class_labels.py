"""Class names from target cells: text as it is written, numbers by their value.

pandas and statsmodels write an integer column that had a missing value as floats
(``0.0``, ``1.0``, … ``10.0``). Classes that are all numbers are therefore named by
value, in their shortest exact form (``2``, not ``2.0``, when every one is an integer;
``0.5`` stays ``0.5``), and ordered by value, so that ``10`` comes after ``2``. The same
naming maps a test file's or ``predict``'s target cells to a model's classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from softmax_cli.io.formats.table import cell_number


def _number(cell: str) -> float | None:
    """A cell's value, or ``None`` for text (and for ``inf``: no class value)."""
    try:
        return cell_number(cell)
    except ValueError:
        return None


def class_namer(cells: Iterable[str]) -> Callable[[str], str]:
    """How target cells become class names: when every one of ``cells`` (``""``, a
    missing cell, aside) is a number, each cell by its value, as an integer when every
    value is one; otherwise each cell as it is. The namer keeps ``""`` and any cell that
    is not a number as they are."""
    values = [_number(cell) for cell in set(cells) if cell != ""]
    if not values or any(value is None for value in values):
        return lambda cell: cell
    integral = all(value is not None and value.is_integer() for value in values)
    named: dict[str, str] = {}  # a target column repeats a few cells over many rows

    def name(cell: str) -> str:
        found = named.get(cell)
        if found is None:
            value = _number(cell) if cell else None
            if value is None:
                found = cell
            elif integral and value.is_integer():
                found = str(int(value))
            else:
                found = repr(value)
            named[cell] = found
        return found

    return name


def class_order(names: Iterable[str]) -> list[str]:
    """The distinct class names: by value when every one is a number, else sorted."""
    distinct = sorted(set(names))
    values: dict[str, float] = {}
    for name in distinct:
        value = _number(name)
        if value is None:
            return distinct
        values[name] = value
    return sorted(distinct, key=lambda name: (values[name], name))
