"""Finding the temperature: Newton's method in log T on the NLL's analytic derivatives.

The fit never sees rows, only ``evaluate(T)``: the NLL's sums over every row at T, with
its first two derivatives in log T (``core.calibration_sums.NllSums``). Who adds those up
(one array in memory, the blocks of a file, shards on a cluster) is the caller's
business; sums rather than means suit any of them, since neither the signs nor the
Newton steps ``slope / curvature`` change when every sum is divided by the row count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.core.calculator.calibration_sums import NllSums

T_BOUNDS = (1e-3, 1e3)  # where the fit searches for T
_LOG_T_TOLERANCE = 1e-9  # in log T, so a relative 1e-9 in T: near-free once Newton converges


class TemperatureFit(NamedTuple):
    """The fitted ``temperature``, and ``bound``: ``None`` for a true minimum of the NLL,
    ``"lower"`` or ``"upper"`` when the NLL still falls at that end of ``T_BOUNDS``, so the
    temperature is the bound reached rather than an optimum."""

    temperature: float
    bound: str | None = None

    @property
    def note(self) -> str | None:
        """Why the temperature is a bound, when it is one."""
        if self.bound == "lower":
            return (
                f"T = {self.temperature:g} is the search's lower bound, not an optimum: the NLL "
                "still falls as T -> 0, as it does when every prediction is right"
            )
        if self.bound == "upper":
            return (
                f"T = {self.temperature:g} is the search's upper bound, not an optimum: the NLL "
                "still falls as T grows, as it does when the logits say nothing about the targets"
            )
        return None


Evaluate = Callable[[float], "NllSums"]


def fit_temperature_by(
    evaluate: Evaluate, bounds: tuple[float, float] = T_BOUNDS
) -> TemperatureFit:
    """The T in ``bounds`` (which must contain 1) that minimises the NLL whose sums at T
    ``evaluate(T)`` returns, to a relative 1e-9; ``evaluate(1.0)`` is called first."""
    at_one = evaluate(1.0)
    # When every target is a most likely class, every row's NLL falls as T -> 0 (towards
    # 0, or log of the number of classes tied for first): no T is optimal. Decided here,
    # because the slopes that would show it underflow to 0 once the margins are wide.
    if at_one.on_top == at_one.rows:
        if at_one.level == at_one.rows:
            return TemperatureFit(1.0)  # every row's logits are equal: no T changes anything
        return TemperatureFit(bounds[0], "lower")
    # Otherwise the NLL is convex in u = 1/T (its second derivative in u is the mean
    # variance of x under p) and grows without bound as T -> 0, so its slope in log T
    # changes sign once at most, from - to +. Walk out from T = 1 (to 2, 4, 16, 256, then
    # the bound; or 1/2, 1/4, ...) until the slope changes sign, then run Newton's method
    # in that bracket. Staying near T = 1 matters for speed too: at small T most exps
    # underflow, and exp is many times slower there.
    if at_one.slope == 0.0:
        return TemperatureFit(1.0)
    sign = 1.0 if at_one.slope < 0.0 else -1.0  # which way the NLL falls: up or down in T
    bound = bounds[1] if sign > 0 else bounds[0]
    limit = abs(math.log(bound))
    inner, at_inner = 0.0, at_one
    outer = sign * min(math.log(2.0), limit)
    at_outer = evaluate(math.exp(outer))
    while sign * at_outer.slope < 0.0 and abs(outer) < limit:
        inner, at_inner = outer, at_outer
        outer = sign * min(2.0 * abs(outer), limit)
        at_outer = evaluate(math.exp(outer))
    if abs(outer) == limit and sign * at_outer.slope <= 0.0:
        # Still falling at the bound: logits that say nothing about the targets (T -> inf),
        # or whose optimum lies below the lower bound.
        return TemperatureFit(bound, "upper" if sign > 0 else "lower")
    if sign > 0:
        return TemperatureFit(math.exp(_root(evaluate, (inner, at_inner), (outer, at_outer))))
    return TemperatureFit(math.exp(_root(evaluate, (outer, at_outer), (inner, at_inner))))


def _root(evaluate: Evaluate, below: tuple[float, NllSums], above: tuple[float, NllSums]) -> float:
    """The log T where the slope is 0, between ``below`` (slope < 0) and ``above`` (slope
    >= 0): Newton's method, bisecting instead when a step would leave the bracket or not
    halve the step before it (as Numerical Recipes' rtsafe does)."""
    (low, at_low), (high, at_high) = below, above
    if at_high.slope == 0.0:
        return high
    log_t, point = below if -at_low.slope < at_high.slope else above
    last_step = high - low
    while True:
        newton = log_t - point.slope / point.curvature if point.curvature > 0 else math.nan
        if abs(newton - log_t) < _LOG_T_TOLERANCE:
            return newton  # converged (this step may be below one ulp of log T)
        if low < newton < high and abs(newton - log_t) <= last_step / 2:
            step_to = newton
        else:
            step_to = (low + high) / 2
        last_step = abs(step_to - log_t)
        if high - low < _LOG_T_TOLERANCE:
            return step_to
        log_t, point = step_to, evaluate(math.exp(step_to))
        if point.slope == 0.0:
            return log_t
        if point.slope < 0.0:
            low = log_t
        else:
            high = log_t
