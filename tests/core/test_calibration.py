"""Temperature scaling and calibration metrics against independent references: SciPy's
``minimize_scalar`` for the fit, loops written out here for the bins, ECE, MCE and Brier
score, finite differences for the slope, and data drawn from a known softmax."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_cli.core.calculator.activations import MaskedRowError
from softmax_cli.core.calculator.calibration import (
    T_BOUNDS,
    brier_score,
    calibrate,
    calibration_metrics,
    expected_calibration_error,
    fit_temperature,
    max_calibration_error,
    nll_derivatives,
    reliability_bins,
)


def draw(rng: np.random.Generator, n: int, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Logits z ~ N(0, 2^2) and targets drawn from softmax(z): calibrated by construction."""
    logits = rng.normal(0.0, 2.0, size=(n, classes))
    probs = scipy.special.softmax(logits, axis=1)
    targets = (probs.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return logits, targets


def oracle_nll(logits: np.ndarray, targets: np.ndarray, temperature: float) -> float:
    log_probs = scipy.special.log_softmax(logits / temperature, axis=1)
    return float(-np.mean(log_probs[np.arange(len(targets)), targets]))


def oracle_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    found = scipy.optimize.minimize_scalar(
        lambda log_t: oracle_nll(logits, targets, math.exp(log_t)),
        bounds=(math.log(T_BOUNDS[0]), math.log(T_BOUNDS[1])),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return math.exp(found.x)


@pytest.mark.parametrize(
    ("scale", "seed", "rows"),
    [
        (2.5, 0, 3000),
        (0.5, 1, 3000),
        (1.0, 2, 3000),
        (7.0, 3, 3000),
        (0.05, 4, 3000),
        (20.0, 5, 3000),
        (2.5, 6, 30_000),  # rows in several blocks
    ],
)
def test_temperature_matches_minimize_scalar(scale: float, seed: int, rows: int) -> None:
    logits, targets = draw(np.random.default_rng(seed), rows, classes=5)
    fit = fit_temperature(logits * scale, targets)
    assert fit.bound is None
    assert fit.temperature == pytest.approx(oracle_temperature(logits * scale, targets), rel=1e-6)


@pytest.mark.parametrize("true_temperature", [2.5, 0.5, 1.0])
def test_recovers_the_temperature_the_labels_were_drawn_with(true_temperature: float) -> None:
    # Targets are drawn from softmax(z); the model reports z * T, so softmax(model / T) is
    # the true distribution: T = 2.5 is over-confident, 0.5 under-confident, 1 calibrated.
    logits, targets = draw(np.random.default_rng(2017), 20_000)
    fit = fit_temperature(logits * true_temperature, targets)
    # The fit is a maximum-likelihood estimate of log T. Its standard error is
    # 1 / sqrt(n * I), I = mean over rows of Var_p(z) (the NLL's curvature in log T):
    # about 0.75 % here (the spread over 40 seeds is the same). Allow five of them.
    probs = scipy.special.softmax(logits, axis=1)
    variance = np.sum(probs * logits**2, axis=1) - np.sum(probs * logits, axis=1) ** 2
    standard_error = 1.0 / math.sqrt(len(targets) * float(np.mean(variance)))
    assert abs(math.log(fit.temperature / true_temperature)) < 5 * standard_error


def test_perfectly_calibrated_data_keeps_t_near_1_and_its_metrics() -> None:
    logits, targets = draw(np.random.default_rng(7), 20_000)
    result = calibrate(logits, targets)
    assert result.temperature == pytest.approx(1.0, abs=0.04)
    assert result.after.nll == pytest.approx(result.before.nll, rel=1e-3)
    assert result.before.ece < 0.02


def test_over_confident_logits_lose_most_of_their_ece() -> None:
    # Guo et al.'s effect in miniature: logits 2.5 times too sharp.
    logits, targets = draw(np.random.default_rng(110), 20_000)
    result = calibrate(logits * 2.5, targets)
    assert result.before.ece > 0.15
    assert result.after.ece < result.before.ece / 5
    assert result.after.nll < result.before.nll
    assert result.after.brier < result.before.brier
    assert result.after.accuracy == result.before.accuracy


def loop_bins(confidences: list[float], n_bins: int) -> list[int]:
    """Guo's bins written out: bin m (0-based) holds (m/M, (m+1)/M], and 0 goes to bin 0."""
    found = []
    for c in confidences:
        for m in range(n_bins):
            if m / n_bins < c <= (m + 1) / n_bins or (m == 0 and c == 0):
                found.append(m)
                break
    return found


def loop_metrics(probs: np.ndarray, targets: np.ndarray, n_bins: int) -> tuple[float, ...]:
    """ECE, MCE and Brier score one sample at a time."""
    n = len(targets)
    confidences = [float(max(row)) for row in probs]
    correct = [int(np.argmax(row)) == t for row, t in zip(probs, targets, strict=True)]
    binned = loop_bins(confidences, n_bins)
    ece, mce = 0.0, 0.0
    for m in range(n_bins):
        members = [i for i, b in enumerate(binned) if b == m]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            ece += len(members) / n * abs(accuracy - confidence)
            mce = max(mce, abs(accuracy - confidence))
    brier = 0.0
    for row, t in zip(probs, targets, strict=True):
        brier += sum((p - (k == t)) ** 2 for k, p in enumerate(row)) / n
    return ece, mce, brier


@pytest.mark.parametrize(
    ("seed", "scale", "n_bins", "temperature", "rows"),
    [
        (0, 1.0, 15, 1.0, 400),
        (1, 4.0, 10, 1.0, 400),
        (2, 0.3, 1, 1.0, 400),
        (3, 3.0, 7, 2.0, 400),
        (4, 1.0, 100, 0.5, 400),
        (5, 2.0, 15, 1.7, 20_000),  # rows in several blocks
    ],
)
def test_ece_mce_and_brier_match_a_loop(
    seed: int, scale: float, n_bins: int, temperature: float, rows: int
) -> None:
    logits, targets = draw(np.random.default_rng(seed), rows, classes=4)
    logits = logits * scale
    metrics = calibration_metrics(logits, targets, temperature, n_bins)
    probs = scipy.special.softmax(logits / temperature, axis=1)
    ece, mce, brier = loop_metrics(probs, targets, n_bins)
    assert metrics.ece == pytest.approx(ece, abs=1e-12)
    assert metrics.mce == pytest.approx(mce, abs=1e-12)
    assert metrics.brier == pytest.approx(brier, abs=1e-12)
    assert brier_score(probs, targets) == pytest.approx(brier, abs=1e-12)
    assert metrics.nll == pytest.approx(oracle_nll(logits, targets, temperature), rel=1e-12)
    assert metrics.accuracy == np.mean(np.argmax(logits, axis=1) == targets)
    assert metrics.bins.counts.sum() == rows


@pytest.mark.parametrize(
    ("confidences", "n_bins", "expected"),
    [
        ([0.2, 0.4, 0.6, 0.8], 5, [0, 1, 2, 3]),  # exactly on an edge: the lower bin
        ([0.2 + 1e-12, 0.4 - 1e-12], 5, [1, 1]),
        ([1.0, 0.999], 5, [4, 4]),  # 1 goes to the last bin
        ([0.0, 1e-300], 5, [0, 0]),  # 0 goes to the first bin
        ([1 / 3, 2 / 3, 0.5], 3, [0, 1, 1]),
        ([0.0, 0.5, 1.0], 1, [0, 0, 0]),
        ([0.1, 0.7], 10, [0, 6]),  # 0.1 and 0.7 * 10 land on edges in floating point
    ],
)
def test_bins_follow_guos_convention(
    confidences: list[float], n_bins: int, expected: list[int]
) -> None:
    assert loop_bins(confidences, n_bins) == expected  # the reference agrees with the table
    bins = reliability_bins(confidences, [True] * len(confidences), n_bins)
    assert bins.counts.tolist() == np.bincount(expected, minlength=n_bins).tolist()
    assert bins.lower.tolist() == [m / n_bins for m in range(n_bins)]
    assert bins.upper.tolist() == [(m + 1) / n_bins for m in range(n_bins)]


def test_empty_bins_have_nan_means_and_are_skipped_by_ece_and_mce() -> None:
    # Bin (0.2, 0.4] is empty: its gap would be nan, and an accuracy of 0 against a
    # confidence of 0 there must not count as a gap either.
    bins = reliability_bins([0.1, 0.1, 0.9, 0.9], [False, True, True, True], 5)
    assert bins.counts.tolist() == [2, 0, 0, 0, 2]
    assert np.isnan(bins.confidence[1:4]).all() and np.isnan(bins.accuracy[1:4]).all()
    assert bins.gap[[0, 4]].tolist() == pytest.approx([0.4, 0.1])
    assert max_calibration_error(bins) == pytest.approx(0.4)
    assert expected_calibration_error(bins) == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)


@pytest.mark.parametrize(
    ("logits", "targets", "temperature", "bound"),
    [
        # Every prediction right: sharpening (T -> 0) lowers the NLL towards 0 forever.
        ([[2.0, 0.0], [0.0, 1.0], [5.0, -1.0]], [0, 1, 0], T_BOUNDS[0], "lower"),
        # ... also when the margins are so wide that every slope underflows to 0,
        ([[100.0, 0.0], [0.0, 1000.0]], [0, 1], T_BOUNDS[0], "lower"),
        # and when a target ties for first place: its loss falls to log 2, not 0.
        ([[2.0, 2.0], [0.0, 1.0]], [1, 1], T_BOUNDS[0], "lower"),
        # Logits too small for any T in the bounds: the optimum lies below 0.001.
        ([[2e-5, 0.0], [0.0, 1e-5], [1e-5, 0.0]], [0, 1, 1], T_BOUNDS[0], "lower"),
        # Every target the least likely class: flattening (T -> inf) helps forever.
        ([[2.0, 0.0], [0.0, 1.0], [5.0, -1.0]], [1, 0, 1], T_BOUNDS[1], "upper"),
        # Equal logits in every row: no T changes anything, so T stays 1.
        ([[0.5, 0.5], [-3.0, -3.0]], [0, 1], 1.0, None),
        # One masked class and equal others: the same.
        ([[1.0, -np.inf, 1.0], [0.0, 0.0, -np.inf]], [0, 1], 1.0, None),
    ],
)
def test_unbounded_and_flat_cases(
    logits: list[list[float]], targets: list[int], temperature: float, bound: str | None
) -> None:
    fit = fit_temperature(np.array(logits), np.array(targets))
    assert fit == (temperature, bound)
    if bound is None:
        assert fit.note is None
    else:
        assert fit.note is not None and f"{bound} bound" in fit.note


def test_masked_classes_stay_at_zero_and_change_nothing() -> None:
    logits, targets = draw(np.random.default_rng(3), 500, classes=4)
    masked = np.column_stack([logits, np.full(500, -np.inf)])  # a fifth class, always masked
    masked[::7, 1] = -np.inf  # and class 1 masked in some rows
    unmasked = masked[:, :4]
    targets = np.where(targets == 1, 0, targets)
    with np.errstate(all="raise", under="ignore"):  # no nan, no stray overflow
        ours = calibrate(masked, targets, 10)
    same = calibrate(unmasked, targets, 10)
    assert ours.temperature == same.temperature
    for name in ("nll", "accuracy", "brier", "ece", "mce"):
        assert getattr(ours.after, name) == pytest.approx(getattr(same.after, name), rel=1e-12)
    assert ours.after.bins.counts.tolist() == same.after.bins.counts.tolist()
    assert ours.after.nll == pytest.approx(
        oracle_nll(unmasked, targets, ours.temperature), rel=1e-12
    )


def test_log_probabilities_give_the_temperature_of_their_logits() -> None:
    logits, targets = draw(np.random.default_rng(4), 2000, classes=6)
    logits *= 3.0
    from_logits = fit_temperature(logits, targets).temperature
    from_log_probs = fit_temperature(scipy.special.log_softmax(logits, axis=1), targets)
    assert from_log_probs.temperature == pytest.approx(from_logits, rel=1e-9)


def test_bad_logits_are_refused() -> None:
    with pytest.raises(MaskedRowError):
        fit_temperature(np.array([[-np.inf, -np.inf], [0.0, 1.0]]), np.array([0, 1]))
    with pytest.raises(ValueError, match="infinite at every T"):
        fit_temperature(np.array([[-np.inf, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"more than 1e\+305 below its row's maximum"):
        fit_temperature(np.array([[-1e306, 0.0], [0.0, 1.0]]), np.array([0, 1]))


def test_a_finite_target_far_below_the_maximum_is_fitted_not_taken_for_masked() -> None:
    """-1e300 is finite: its NLL 1e300 / T falls as T grows, to the search's bound."""
    fit = fit_temperature(np.array([[0.0, -1e300], [0.0, 1.0]]), np.array([1, 1]))
    assert (fit.temperature, fit.bound) == (T_BOUNDS[1], "upper")


logit_rows = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        arrays(np.float64, (8, k), elements=st.floats(-30, 30)),
        arrays(np.int64, (8,), elements=st.integers(0, k - 1)),
    )
)


@given(logit_rows, st.floats(0.05, 20))
def test_slope_and_curvature_are_the_derivatives_of_the_nll_in_log_t(
    case: tuple, temperature: float
) -> None:
    logits, targets = case
    point = nll_derivatives(logits, targets, temperature)
    assert point.nll == pytest.approx(oracle_nll(logits, targets, temperature), rel=1e-9, abs=1e-12)
    step = 1e-4
    above = nll_derivatives(logits, targets, temperature * math.exp(step))
    below = nll_derivatives(logits, targets, temperature * math.exp(-step))
    assert point.slope == pytest.approx((above.nll - below.nll) / (2 * step), rel=1e-4, abs=1e-6)
    assert point.curvature == pytest.approx(
        (above.slope - below.slope) / (2 * step), rel=1e-4, abs=1e-6
    )


@given(logit_rows, st.integers(1, 20))
def test_metrics_stay_in_range_and_the_fit_never_raises_the_nll(case: tuple, n_bins: int) -> None:
    logits, targets = case
    result = calibrate(logits, targets, n_bins)
    assert T_BOUNDS[0] <= result.temperature <= T_BOUNDS[1]
    assert result.after.nll <= result.before.nll + 1e-12
    for metrics in (result.before, result.after):
        assert 0 <= metrics.ece <= metrics.mce <= 1
        assert 0 <= metrics.brier <= 2
        assert metrics.accuracy == result.before.accuracy
        assert metrics.bins.counts.sum() == len(targets)
