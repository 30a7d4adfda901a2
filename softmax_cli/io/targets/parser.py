"""Turning target cells (a class label or a 0-based class index) into class indices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray

# The header names that make a column the target when none is chosen, in order of
# precedence, matched in any case: the one rule of xent, calibrate and train.
DEFAULT_TARGET_COLUMNS = ("target", "label", "class", "y")
DEFAULT_TARGET_NAMES = "target, label, class or y"  # the same, for messages and help
LABELS_SHOWN = 10  # in the message for a target that is no class


def default_target_column(names: Sequence[str]) -> int | None:
    """The position of the first header name in ``DEFAULT_TARGET_COLUMNS`` (any case),
    trying them in that order; ``None`` when no column has one of those names."""
    lowered = [name.lower() for name in names]
    for name in DEFAULT_TARGET_COLUMNS:
        if name in lowered:
            return lowered.index(name)
    return None


class TargetSpec(NamedTuple):
    """Where CSV rows keep their target: a header name or 0-based index (``None``: a
    header column named as ``default_target_column`` finds); ``binary`` targets are 0
    or 1."""

    column: str | None = None
    binary: bool = False


class TargetFileSpec(NamedTuple):
    """Each row's target from a file of its own at ``path`` (``--targets``); ``binary``
    targets are 0 or 1."""

    path: str
    binary: bool = False


class TargetParser:
    """Maps a target cell to a class index: a class label first, else an integer index.

    A label wins over an index, so with labels ``1,2,3`` the cell ``1`` is class 0.
    Errors are ``ValueError`` with a message naming the cell and what was expected.
    """

    def __init__(self, labels: Sequence[str] | None, n_classes: int, binary: bool = False):
        self.n_classes = n_classes
        self.binary = binary
        self.labels = list(labels) if labels and not binary else None
        self._lookup = {label: index for index, label in enumerate(self.labels or ())}
        # A numeric cell may be read as an index directly only when no label is a number.
        self.numbers_are_indices = not any(_integer(label) is not None for label in self._lookup)

    def parse(self, cell: str) -> int:
        text = cell.strip()
        index = self._lookup.get(text)
        if index is not None:
            return index
        number = _integer(text)
        if number is None or not 0 <= number < self.n_classes:
            raise ValueError(self.describe(text))
        return number

    def describe(self, text: str) -> str:
        """The message for a target that is not a class."""
        if self.binary:
            return f"binary target must be 0 or 1, got {text!r}"
        indices = f"0-{self.n_classes - 1}"
        if _integer(text) is not None:
            return f"target index {text} is out of range: {self.n_classes} classes, {indices}"
        if self.labels:
            labels = ", ".join(self.labels[:LABELS_SHOWN])
            if len(self.labels) > LABELS_SHOWN:  # a vocabulary's worth would fill a screen
                labels += f", ... {len(self.labels)} labels"
            return f"target {text!r} is not a class label ({labels}) or index ({indices})"
        return f"target {text!r} is not a class index ({indices}) and the classes have no labels"

    def find_bad(self, values: FloatArray) -> BoolArray:
        """Mark numeric target cells that are not a class index 0 .. n_classes - 1."""
        with np.errstate(invalid="ignore"):
            good = (values >= 0) & (values < self.n_classes) & (values == np.floor(values))
        return np.asarray(~good)


def _integer(text: str) -> int | None:
    """``"3"`` or ``"3.0"`` → 3; anything else → ``None``."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def format_target_cell(value: float) -> str:
    """A numeric target cell as the user probably typed it (3.0 → '3')."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
