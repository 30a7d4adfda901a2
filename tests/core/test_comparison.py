"""compare's core against direct NumPy/SciPy implementations on fixed data: per-row
divergences, sums that add across blocks, and the report's standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.special import log_softmax, rel_entr
from scipy.stats import pearsonr

from softmax_cli.core.calculator.ranking import WIDE_CLASSES
from softmax_cli.core.comparison.divergences import compare_block, top_overlap
from softmax_cli.core.comparison.summary import PERCENTILES, percentiles, summarize
from softmax_cli.core.comparison.sums import ComparisonSums, block_sums


def pair(n_rows: int = 200, n_classes: int = 12, noise: float = 0.5, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 3, (n_rows, n_classes))
    b = a + rng.normal(0, noise, a.shape)
    targets = rng.integers(0, n_classes, n_rows)
    return log_softmax(a, axis=1), log_softmax(b, axis=1), targets


def report_of(log_p, log_q, targets, k=0, blocks=1):
    sums = ComparisonSums()
    kl, dp = [], []
    for rows in np.array_split(np.arange(len(targets)), blocks):
        block = compare_block(log_p[rows], log_q[rows], targets[rows], k)
        sums = sums + block_sums(block)
        kl.append(block.kl)
        dp.append(block.delta_p)
    return summarize(sums, np.concatenate(kl), np.concatenate(dp), k)


def test_per_row_figures_match_scipy() -> None:
    log_p, log_q, targets = pair()
    p, q = np.exp(log_p), np.exp(log_q)
    rows = compare_block(log_p, log_q, targets)
    np.testing.assert_allclose(rows.kl, rel_entr(p, q).sum(axis=1), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(rows.kl_reverse, rel_entr(q, p).sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(rows.js, jensenshannon(p, q, axis=1) ** 2, rtol=1e-7)
    np.testing.assert_allclose(rows.tv, 0.5 * np.abs(p - q).sum(axis=1), rtol=1e-12)
    r = np.arange(len(targets))
    np.testing.assert_allclose(rows.base_nll, -log_p[r, targets])
    np.testing.assert_allclose(rows.other_nll, -log_q[r, targets])
    np.testing.assert_allclose(rows.delta_p, q[r, targets] - p[r, targets])
    np.testing.assert_array_equal(rows.base_top, p.argmax(axis=1))
    np.testing.assert_array_equal(rows.other_top, q.argmax(axis=1))


@pytest.mark.parametrize("n_classes", [12, WIDE_CLASSES + 5])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_top_overlap_matches_sets_of_a_stable_sort(n_classes: int, k: int) -> None:
    log_p, log_q, _ = pair(20, n_classes, noise=1.0)
    p, q = np.exp(log_p), np.exp(log_q)
    expected = [
        len(set(np.argsort(-a, kind="stable")[:k]) & set(np.argsort(-b, kind="stable")[:k])) / k
        for a, b in zip(p, q, strict=True)
    ]
    np.testing.assert_allclose(top_overlap(p, q, k), expected)


def test_report_matches_numpy_and_llama_cpp_formulas_and_blocks_add_up() -> None:
    log_p, log_q, targets = pair(500)
    p, q = np.exp(log_p), np.exp(log_q)
    n = len(targets)
    report = report_of(log_p, log_q, targets, k=3, blocks=7)
    whole = report_of(log_p, log_q, targets, k=3, blocks=1)
    assert report.kl.value == pytest.approx(whole.kl.value, rel=1e-12)
    kl = rel_entr(p, q).sum(axis=1)
    assert report.kl.value == pytest.approx(kl.mean(), rel=1e-9)
    assert report.kl.error == pytest.approx(kl.std(ddof=1) / math.sqrt(n), rel=1e-6)
    expected = np.percentile(kl, [q for _, q in PERCENTILES])
    np.testing.assert_allclose(list(report.kl_percentiles.values()), expected, rtol=1e-9)
    js = jensenshannon(p, q, axis=1) ** 2
    assert report.js.value == pytest.approx(js.mean(), rel=1e-7)
    assert report.js.error == pytest.approx(js.std(ddof=1) / math.sqrt(n), rel=1e-5)
    same = np.mean(p.argmax(1) == q.argmax(1))
    assert report.same_top.value == pytest.approx(same)
    assert report.same_top.error == pytest.approx(math.sqrt(same * (1 - same) / (n - 1)))
    t = report.targets
    assert t is not None
    r = np.arange(n)
    a, b = -log_p[r, targets], -log_q[r, targets]
    assert t.ppl_base.value == pytest.approx(math.exp(a.mean()))
    assert t.ppl_base.error == pytest.approx(math.exp(a.mean()) * a.std(ddof=1) / math.sqrt(n))
    assert t.ppl_other.value == pytest.approx(math.exp(b.mean()))
    d = b - a  # the error of a mean difference of paired rows: what llama.cpp's covariance gives
    assert t.ln_ppl_ratio.value == pytest.approx(d.mean())
    assert t.ln_ppl_ratio.error == pytest.approx(d.std(ddof=1) / math.sqrt(n), rel=1e-5)
    assert t.ppl_ratio.value == pytest.approx(math.exp(d.mean()))
    assert t.ppl_ratio.error == pytest.approx(math.exp(d.mean()) * t.ln_ppl_ratio.error)
    assert t.nll_correlation == pytest.approx(pearsonr(a, b).statistic, rel=1e-6)
    dp = q[r, targets] - p[r, targets]
    assert t.delta_p.value == pytest.approx(dp.mean())
    assert t.delta_p.error == pytest.approx(dp.std(ddof=1) / math.sqrt(n), rel=1e-6)
    rms = math.sqrt(np.mean(dp**2))
    assert t.delta_p_rms.value == pytest.approx(rms)
    mse_error = (dp**2).std(ddof=1) / math.sqrt(n)
    assert t.delta_p_rms.error == pytest.approx(0.5 / rms * mse_error, rel=1e-5)
    np.testing.assert_allclose(
        list(t.delta_p_percentiles.values()), np.percentile(dp, [q for _, q in PERCENTILES])
    )
    assert t.base_accuracy == pytest.approx(np.mean(p.argmax(1) == targets))
    assert t.other_accuracy == pytest.approx(np.mean(q.argmax(1) == targets))


def test_identical_inputs_give_exactly_zero() -> None:
    log_p, _, targets = pair(300, 40)
    report = report_of(log_p, log_p.copy(), targets, k=5, blocks=3)
    assert report.kl.value == report.kl_reverse.value == report.js.value == 0.0
    assert report.tv.value == 0.0
    assert set(report.kl_percentiles.values()) == {0.0}
    assert report.same_top.value == 1.0 and report.overlap is not None
    assert report.overlap.value == 1.0
    assert report.targets is not None
    assert report.targets.delta_p.value == report.targets.delta_p_rms.value == 0.0
    assert report.targets.ln_ppl_ratio.value == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_kl_is_never_negative(seed: int) -> None:
    """Rows barely apart: the exact KL is tiny and positive, and its floating-point sum
    has terms of both signs; no row may come out below 0."""
    log_p, _, targets = pair(400, 1000, seed=seed)
    rng = np.random.default_rng(seed)
    log_q = log_softmax(log_p + rng.normal(0, 1e-9, log_p.shape), axis=1)
    rows = compare_block(log_p, log_q, targets)
    for figure in (rows.kl, rows.kl_reverse, rows.js, rows.tv):
        assert (figure >= 0).all()


def test_zero_probability_classes() -> None:
    """A class at probability 0 in BASE adds exactly 0; at 0 in OTHER only, +inf."""
    log_p = log_softmax(np.array([[0.0, 1.0, -np.inf], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]), axis=1)
    log_q = log_softmax(np.array([[0.0, 1.0, 5.0], [0.0, 1.0, -np.inf], [1.0, 1.0, 1.0]]), axis=1)
    with np.errstate(all="ignore"):
        p, q = np.exp(log_p), np.exp(log_q)
    rows = compare_block(log_p, log_q, np.array([0, 2, 1]))
    assert rows.kl[0] == pytest.approx(rel_entr(p[0], q[0]).sum())
    assert math.isinf(rows.kl[1]) and math.isinf(rows.kl_reverse[0])
    assert rows.kl[2] == 0.0
    assert math.isfinite(rows.js[1]) and rows.js[1] <= math.log(2)
    assert rows.js[1] == pytest.approx(jensenshannon(p[1], q[1]) ** 2)
    report = summarize(block_sums(rows), rows.kl, rows.delta_p)
    assert report.kl_infinite == 1 and report.kl_reverse_infinite == 1
    assert math.isinf(report.kl.value) and report.kl_percentiles["max"] == math.inf
    assert report.kl_percentiles["min"] == 0.0


def test_percentiles_follow_numpy_with_infinities_kept() -> None:
    values = np.array([0.5, 0.1, 2.0, 7.0, 3.0])
    np.testing.assert_allclose(
        list(percentiles(values).values()), np.percentile(values, [q for _, q in PERCENTILES])
    )
    with_inf = percentiles(np.array([0.0, 1.0, np.inf]))
    assert with_inf["median"] == 1.0 and with_inf["max"] == math.inf and with_inf["99"] == math.inf
