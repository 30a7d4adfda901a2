"""Class names: each must be unique, or a JSON object (and any lookup by name) loses one."""

from __future__ import annotations

from collections.abc import Sequence


def first_duplicate(names: Sequence[str]) -> tuple[int, int] | None:
    """The 0-based positions of the first name that repeats an earlier one, and of that
    earlier one, as ``(earlier, repeat)``; ``None`` when the names are unique."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in seen:
            return seen[name], position
        seen[name] = position
    return None
