"""The report of a comparison, from the running sums and the per-row KL and Δp (kept for
the percentiles: n floats each, never the rows).

With n rows, ``x̄ ± s`` is a mean and its standard error (``sums.mean_and_error``). With
``a`` = BASE's and ``b`` = OTHER's per-row NLL in nats, as llama.cpp computes them:

- ``PPL = exp(ā) ± exp(ā) s_a`` (first-order: ``d exp(x) = exp(x) dx``);
- ``ln(PPL(OTHER)/PPL(BASE)) = b̄ - ā ± sqrt(s_a² + s_b² - 2 cov(ā, b̄))``, and the ratio
  ``exp`` of it ± the ratio times that error;
- the correlation of the NLLs ``cov(ā, b̄) / (s_a s_b)`` (Pearson's r);
- ``RMS Δp = sqrt(mean Δp²) ± s(Δp²) / (2 RMS)``;
- the same top class ``f ± sqrt(f (1 - f) / (n - 1))``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.comparison.sums import (
    ComparisonSums,
    Estimate,
    covariance_of_means,
    mean_and_error,
    proportion,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray

# The percentiles reported, by name, largest first (llama.cpp's list).
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("max", 100.0),
    ("99.9", 99.9),
    ("99", 99.0),
    ("95", 95.0),
    ("90", 90.0),
    ("median", 50.0),
    ("10", 10.0),
    ("5", 5.0),
    ("1", 1.0),
    ("0.1", 0.1),
    ("min", 0.0),
)


def percentiles(values: FloatArray) -> dict[str, float]:
    """The ``PERCENTILES`` of ``values`` by NumPy's default (linear) rule: the q-th
    percentile of the sorted ``v`` is ``v[i] + f (v[i+1] - v[i])`` at ``i + f =
    q/100 (n - 1)``. Written out because ``np.percentile`` gives nan between a finite
    value and ``+inf`` when ``f`` is 0 (``0 * inf``); here that is the finite value."""
    ordered = np.sort(values)
    last = len(ordered) - 1
    result = {}
    for name, q in PERCENTILES:
        position = q / 100 * last
        low = math.floor(position)
        high = min(low + 1, last)
        fraction = position - low
        below, above = float(ordered[low]), float(ordered[high])
        result[name] = (
            below if fraction == 0 or below == above else below + fraction * (above - below)
        )
    return result


class TargetReport(NamedTuple):
    """What the true classes add: both perplexities, their log ratio and ratio, the
    correlation of the per-row NLLs, Δp, and each model's accuracy."""

    ppl_base: Estimate
    ppl_other: Estimate
    ln_ppl_ratio: Estimate
    ppl_ratio: Estimate
    nll_correlation: float
    delta_p: Estimate
    delta_p_percentiles: dict[str, float]
    delta_p_rms: Estimate
    base_accuracy: float
    other_accuracy: float


class ComparisonReport(NamedTuple):
    """Every figure of the report, in nats (the caller converts to bits)."""

    rows: int
    kl: Estimate
    kl_percentiles: dict[str, float]
    kl_infinite: int
    kl_reverse: Estimate
    kl_reverse_infinite: int
    js: Estimate
    tv: Estimate
    same_top: Estimate
    top_k: int
    overlap: Estimate | None
    targets: TargetReport | None


def summarize(
    sums: ComparisonSums, kl: FloatArray, delta_p: FloatArray | None, top_k: int = 0
) -> ComparisonReport:
    """The report from ``sums`` and every row's ``kl`` and ``delta_p`` (shape ``(n,)``)."""
    n = sums.rows
    return ComparisonReport(
        rows=n,
        kl=mean_and_error(sums.kl, sums.kl2, n),
        kl_percentiles=percentiles(kl) if n else {},
        kl_infinite=sums.kl_infinite,
        kl_reverse=mean_and_error(sums.kl_reverse, sums.kl_reverse2, n),
        kl_reverse_infinite=sums.kl_reverse_infinite,
        js=mean_and_error(sums.js, sums.js2, n),
        tv=mean_and_error(sums.tv, sums.tv2, n),
        same_top=proportion(sums.same_top, n),
        top_k=top_k,
        overlap=mean_and_error(sums.overlap, sums.overlap2, n) if top_k else None,
        targets=None if delta_p is None or not n else _targets(sums, delta_p),
    )


def _targets(sums: ComparisonSums, delta_p: FloatArray) -> TargetReport:
    n = sums.targeted
    base = mean_and_error(sums.base_nll, sums.base_nll2, n)
    other = mean_and_error(sums.other_nll, sums.other_nll2, n)
    covariance = covariance_of_means(sums.base_nll, sums.other_nll, sums.nll_product, n)
    ln_ratio = other.value - base.value
    ratio_error = math.sqrt(max(base.error**2 + other.error**2 - 2 * covariance, 0.0))
    ratio = _exp(ln_ratio)
    mse = mean_and_error(sums.delta_p2, sums.delta_p4, n)
    rms = math.sqrt(mse.value)
    return TargetReport(
        ppl_base=Estimate(_exp(base.value), _exp(base.value) * base.error),
        ppl_other=Estimate(_exp(other.value), _exp(other.value) * other.error),
        ln_ppl_ratio=Estimate(ln_ratio, ratio_error),
        ppl_ratio=Estimate(ratio, ratio * ratio_error),
        nll_correlation=_correlation(covariance, base.error, other.error),
        delta_p=mean_and_error(sums.delta_p, sums.delta_p2, n),
        delta_p_percentiles=percentiles(delta_p),
        delta_p_rms=Estimate(rms, 0.5 / rms * mse.error if rms > 0 else mse.error),
        base_accuracy=sums.base_correct / n,
        other_accuracy=sums.other_correct / n,
    )


def _exp(x: float) -> float:
    """``exp`` that gives inf (not OverflowError) above ~709, and nan for nan."""
    return math.inf if x > 709.0 else math.exp(x)


def _correlation(covariance: float, error_a: float, error_b: float) -> float:
    """Pearson's r of the NLLs; nan when either has no spread (or is infinite)."""
    denominator = error_a * error_b
    if not denominator > 0 or math.isnan(covariance):
        return math.nan
    return max(-1.0, min(1.0, covariance / denominator))
