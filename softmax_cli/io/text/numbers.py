"""Recognising and parsing single numeric tokens; NumPy-free so that argv handling stays cheap."""

from __future__ import annotations

import math


def looks_like_number(token: str) -> bool:
    """True for ``0.7``, ``-1``, ``-inf``, ``1e3`` and comma lists such as ``-1,2``:
    every comma- or space-separated part is what ``float`` reads (``1_000`` excepted).

    No regular expression: this runs on every argument before anything else, and
    compiling one costs more than the whole check."""
    parts = token.replace(",", " ").split()
    if not parts:
        return False
    for part in parts:
        if "_" in part:
            return False
        try:
            float(part)
        except ValueError:
            return False
    return True


def parse_number(text: str) -> float:
    """Parse one cell or argument as a logit: any finite float or ``-inf``.

    Raises ``ValueError`` with a message naming the text for non-numbers, ``nan`` and
    ``+inf``. Python's ``float`` also accepts ``1_000``; a CSV cell should not.
    """
    cell = text.strip()
    try:
        if "_" in cell:
            raise ValueError
        value = float(cell)
    except ValueError:
        raise ValueError(f"{cell!r} is not a number") from None
    if math.isnan(value):
        raise ValueError(f"{cell!r}: nan is not allowed")
    if value == math.inf:
        raise ValueError(f"{cell!r}: +inf is not allowed (only -inf, a masked class)")
    return value
