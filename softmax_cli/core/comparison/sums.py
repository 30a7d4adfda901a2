"""Running sums over compared rows that add up across blocks (and across shards: a
map-reduce adds them with ``+``), and the figures with standard errors they give.

A mean ``x̄ = S1/n`` has the standard error ``sqrt((S2/n - x̄²) / (n - 1))`` (``S2`` the sum
of squares), as llama.cpp's ``perplexity --kl-divergence`` computes it; the errors of
derived figures are propagated to first order as it does (see the README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.core.comparison.divergences import RowDivergences


class Estimate(NamedTuple):
    """A figure and its standard error (nan when there are too few rows to tell)."""

    value: float
    error: float


@dataclass
class ComparisonSums:
    """Sums over rows of each per-row figure and of its square (``*2``), counts of rows
    with an infinite KL, of rows with the same top class, the top-k overlaps, and with
    targets the NLL sums (nats), their cross product, Δp's sums up to the 4th power and
    each model's correct predictions. Every field adds up across blocks."""

    rows: int = 0
    kl: float = 0.0
    kl2: float = 0.0
    kl_infinite: int = 0
    kl_reverse: float = 0.0
    kl_reverse2: float = 0.0
    kl_reverse_infinite: int = 0
    js: float = 0.0
    js2: float = 0.0
    tv: float = 0.0
    tv2: float = 0.0
    same_top: int = 0
    overlap: float = 0.0
    overlap2: float = 0.0
    targeted: int = 0
    base_nll: float = 0.0
    base_nll2: float = 0.0
    other_nll: float = 0.0
    other_nll2: float = 0.0
    nll_product: float = 0.0
    delta_p: float = 0.0
    delta_p2: float = 0.0
    delta_p4: float = 0.0
    base_correct: int = 0
    other_correct: int = 0

    def __add__(self, other: ComparisonSums) -> ComparisonSums:
        return ComparisonSums(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )


def _sum(values: np.ndarray) -> float:
    return float(np.sum(values))


def block_sums(rows: RowDivergences) -> ComparisonSums:
    """The sums of one block's figures (``compare_block``'s result)."""
    sums = ComparisonSums(
        rows=len(rows.kl),
        kl=_sum(rows.kl),
        kl2=_sum(np.square(rows.kl)),
        kl_infinite=int(np.count_nonzero(np.isinf(rows.kl))),
        kl_reverse=_sum(rows.kl_reverse),
        kl_reverse2=_sum(np.square(rows.kl_reverse)),
        kl_reverse_infinite=int(np.count_nonzero(np.isinf(rows.kl_reverse))),
        js=_sum(rows.js),
        js2=_sum(np.square(rows.js)),
        tv=_sum(rows.tv),
        tv2=_sum(np.square(rows.tv)),
        same_top=int(np.count_nonzero(rows.base_top == rows.other_top)),
    )
    if rows.overlap is not None:
        sums.overlap, sums.overlap2 = _sum(rows.overlap), _sum(np.square(rows.overlap))
    if rows.targets is None or rows.base_nll is None or rows.other_nll is None:
        return sums
    assert rows.delta_p is not None
    square = np.square(rows.delta_p)
    with np.errstate(invalid="ignore"):  # inf * inf is inf; nothing else can overflow
        product = _sum(rows.base_nll * rows.other_nll)
    sums.targeted = len(rows.targets)
    sums.base_nll, sums.base_nll2 = _sum(rows.base_nll), _sum(np.square(rows.base_nll))
    sums.other_nll, sums.other_nll2 = _sum(rows.other_nll), _sum(np.square(rows.other_nll))
    sums.nll_product = product
    sums.delta_p, sums.delta_p2 = _sum(rows.delta_p), _sum(square)
    sums.delta_p4 = _sum(np.square(square))
    sums.base_correct = int(np.count_nonzero(rows.base_top == rows.targets))
    sums.other_correct = int(np.count_nonzero(rows.other_top == rows.targets))
    return sums


def mean_and_error(total: float, squares: float, n: int) -> Estimate:
    """``x̄ = S1/n`` and its standard error ``sqrt(max(S2/n - x̄², 0) / (n - 1))``.

    The variance is clamped at 0 (``S2/n - x̄²`` cancels to a tiny negative number when
    every value is the same). Fewer than 2 rows: the error is nan. An infinite mean has
    a nan error (Python floats: ``inf - inf`` is nan without a warning)."""
    if n == 0:
        return Estimate(math.nan, math.nan)
    mean = total / n
    if n < 2 or math.isinf(mean):
        return Estimate(mean, math.nan)
    variance = squares / n - mean * mean
    return Estimate(mean, math.sqrt(max(variance, 0.0) / (n - 1)))


def covariance_of_means(sum_a: float, sum_b: float, sum_ab: float, n: int) -> float:
    """``(S_ab/n - ā b̄) / (n - 1)``: the covariance of the two means ``ā`` and ``b̄``."""
    if n < 2:
        return math.nan
    return (sum_ab / n - (sum_a / n) * (sum_b / n)) / (n - 1)


def proportion(count: int, n: int) -> Estimate:
    """A fraction ``f = count/n`` and its binomial standard error ``sqrt(f(1-f)/(n-1))``."""
    if n == 0:
        return Estimate(math.nan, math.nan)
    fraction = count / n
    error = math.sqrt(fraction * (1 - fraction) / (n - 1)) if n > 1 else math.nan
    return Estimate(fraction, error)
