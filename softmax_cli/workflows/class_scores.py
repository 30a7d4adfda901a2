"""Rows of class scores, as softmax and xent read them: logits, or with ``--probs``
probability distributions, and the check each row must pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.core.activations import fully_masked_rows
from softmax_cli.io.rows import RowRule

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray

SUM_TOLERANCE = 1e-6

MASKED_LOGITS = RowRule(fully_masked_rows, "every logit is -inf: no class can get a probability")


def distribution_rule(renormalize: bool = False) -> RowRule:
    """Rows of probabilities: non-negative and summing to 1 within ``SUM_TOLERANCE``
    (with ``renormalize``, to anything positive)."""
    return RowRule(
        lambda values: _bad_distributions(values, renormalize),
        "",
        lambda row: _describe_distribution(row, renormalize),
    )


def _bad_distributions(values: FloatArray, renormalize: bool) -> BoolArray:
    sums = np.sum(values, axis=1)
    off = (sums <= 0) if renormalize else (np.abs(sums - 1.0) > SUM_TOLERANCE)
    return np.asarray(np.any(values < 0, axis=1) | off)


def _describe_distribution(row: FloatArray, renormalize: bool) -> tuple[str, int | None]:
    negative = np.flatnonzero(row < 0)
    if len(negative):
        return f"probability {row[negative[0]]:g} is negative", int(negative[0]) + 1
    total = float(np.sum(row))
    if renormalize:
        return "probabilities sum to 0: cannot renormalize", None
    return (
        f"probabilities sum to {total:.9g}, not 1 (tolerance {SUM_TOLERANCE:g}; "
        "--renormalize divides each row by its sum)",
        None,
    )
