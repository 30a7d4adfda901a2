"""calibrate and xent agree on targets whose logit lies far below the row's maximum: a
finite loss is fitted (checked against SciPy's minimiser of the same NLL and against
xent's loss at the fitted T); one that would overflow is exit 65 naming its line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import RunScript, invoke_cli
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

ROWS = [([0.0, -1e300], 1), ([0.0, 1.0], 1), ([3.0, 1.0], 0), ([1.0, 2.0], 1)]


def as_csv(rows: list[tuple[list[float], int]], scale: float = 1.0) -> str:
    lines = ["a,b,label"] + [f"{x[0] / scale!r},{x[1] / scale!r},{t}" for x, t in rows]
    return "\n".join(lines) + "\n"


def nll(rows: list[tuple[list[float], int]], temperature: float) -> float:
    """The mean of -log softmax(x / T)[t], by SciPy's logsumexp."""
    return float(
        np.mean([logsumexp(np.array(x) / temperature) - x[t] / temperature for x, t in rows])
    )


@pytest.mark.parametrize("rows", [ROWS[:2], ROWS])
def test_a_far_target_is_fitted_as_scipy_and_xent_say(rows: list[tuple[list[float], int]]) -> None:
    code, out, err = invoke_cli(["calibrate", "-f", "json"], as_csv(rows))
    assert code == 0, err
    report = json.loads(out)
    temperature = report["temperature"]
    best = minimize_scalar(
        lambda log_t: nll(rows, math.exp(log_t)),
        bounds=(math.log(1e-3), math.log(1e3)),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert report["after"]["nll"] <= nll(rows, math.exp(best.x)) * (1 + 1e-9)
    assert report["after"]["nll"] == pytest.approx(nll(rows, temperature), rel=1e-12)
    assert report["before"]["nll"] == pytest.approx(nll(rows, 1.0), rel=1e-12)
    # xent of the logits divided by T is the NLL at T: the two commands agree.
    scaled = as_csv(rows, temperature)
    code, out, err = invoke_cli(["xent", "-f", "csv", "--target-column", "label"], scaled)
    assert code == 0, err
    losses = [float(line.split(",")[0]) for line in out.splitlines()[1:]]
    assert report["after"]["nll"] == pytest.approx(np.mean(losses), rel=1e-8)


def test_the_issue_reproducer_through_the_real_script(run_script: RunScript) -> None:
    done = run_script("calibrate", "-f", "csv", stdin=b"a,b,label\n0,-1e300,1\n0,1,1\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[1] == "temperature,1.00000000,1000.00000000"


@pytest.mark.parametrize("gap", ["-1e306", "-1.7e308"])
def test_a_target_too_far_to_fit_is_a_data_error_naming_the_line(gap: str) -> None:
    stdin = f"a,b,label\n0,1,1\n0,{gap},1\n"
    code, out, err = invoke_cli(["calibrate", "-f", "csv"], stdin)
    assert (code, out) == (65, "")
    assert err.startswith("error: line 3: the target's score is ")
    assert "more than the 1e+305 a fit can take" in err and err.count("\n") == 1
