"""What ``train`` says about its fit: whether the solver converged (a warning when not,
``converged`` and ``iterations`` in the JSON) and the objective told apart from the log
loss in the history, the learning curves and the progress lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript, invoke_cli
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

SCALES = np.array([1.0, 50.0, 1000.0, 0.01])
CENTRES = np.array([0.0, 500.0, 20_000.0, 3.0])


def ill_conditioned_rows(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four classes from features of wildly different magnitudes, far from zero: unscaled,
    a problem L-BFGS cannot finish in 200 iterations (anes96's trap, made up)."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 4)) * SCALES + CENTRES
    weights = rng.normal(size=(4, 4)) / SCALES[:, None]
    logits = (features - CENTRES) @ weights
    targets = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    return features, targets


def write_csv(path: Path, features: np.ndarray, targets: np.ndarray) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "c", "d", "label"])
        for row, target in zip(features.tolist(), targets.tolist(), strict=True):
            writer.writerow([*(f"{v:.17g}" for v in row), f"k{target}"])
    return path


@pytest.fixture
def ill_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "ill.csv", *ill_conditioned_rows())


def train(*args: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    code, out, err = invoke_cli(["train", *args, "--format", "json", "--seed", "1"])
    assert code == 0, err
    return json.loads(out), err


def warnings_in(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def test_lbfgs_on_its_iteration_cap_warns_and_says_so_in_the_json(ill_csv: Path) -> None:
    body, err = train(str(ill_csv), "--l2", "0", "--no-standardize")
    assert body["config"]["converged"] is False
    assert body["config"]["iterations"] == 200 == len(body["history"])
    [warning] = warnings_in(err)
    assert "did not converge" in warning and "L-BFGS" in warning
    assert "--max-epochs" in warning and "--no-standardize" in warning
    # scikit-learn's lbfgs on the same unscaled rows does not converge either.
    features, targets = ill_conditioned_rows()
    with pytest.warns(Warning, match="(?i)converge"):
        LogisticRegression(C=np.inf, max_iter=200).fit(features, targets)


def test_standardized_the_same_fit_converges_without_a_warning(ill_csv: Path) -> None:
    body, err = train(str(ill_csv), "--l2", "0")
    assert body["config"]["converged"] is True
    assert 0 < body["config"]["iterations"] < 200
    assert warnings_in(err) == []


def test_quiet_keeps_the_warning(ill_csv: Path) -> None:
    _, err = train(str(ill_csv), "--l2", "0", "--no-standardize", "-q")
    assert len(warnings_in(err)) == 1


def test_cross_validation_reports_each_fold_and_warns_once(ill_csv: Path) -> None:
    body, err = train(str(ill_csv), "--l2", "0", "--no-standardize", "--cv", "3")
    folds = body["cv"]["folds"]
    assert [fold["converged"] for fold in folds] == [False] * 3
    assert [fold["iterations"] for fold in folds] == [200] * 3
    assert body["config"]["converged"] is False
    [warning] = warnings_in(err)
    assert "final fit and 3 of 3 cross-validation folds did not converge" in warning


def test_cross_validation_that_converges_says_so_per_fold(ill_csv: Path) -> None:
    body, err = train(str(ill_csv), "--l2", "0", "--cv", "3")
    assert all(fold["converged"] and fold["iterations"] > 0 for fold in body["cv"]["folds"])
    assert warnings_in(err) == []


def test_adam_cut_off_while_still_falling_warns(ill_csv: Path) -> None:
    args = ("--solver", "adam", "--patience", "0")
    body, err = train(str(ill_csv), *args, "--max-epochs", "20")
    objectives = [epoch["objective"] for epoch in body["history"]]
    assert objectives[-1] < objectives[0] - 0.05  # visibly still falling
    assert body["config"] == body["config"] | {"converged": False, "iterations": 20}
    [warning] = warnings_in(err)
    assert "still falling" in warning and "--max-epochs" in warning
    body, err = train(str(ill_csv), *args, "--max-epochs", "400", "--lr", "0.05")
    assert body["config"]["converged"] is True
    assert warnings_in(err) == []


def test_adam_stopped_early_has_converged(ill_csv: Path) -> None:
    body, err = train(str(ill_csv), "--solver", "adam", "--lr", "0.05", "--patience", "3")
    assert body["best_epoch"] is not None and len(body["history"]) < 200
    assert body["config"]["converged"] is True and warnings_in(err) == []


def test_a_warning_reaches_stderr_of_the_real_script(run_script: RunScript, ill_csv: Path) -> None:
    done = run_script("train", str(ill_csv), "--l2", "0", "--no-standardize", "-q")
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: the fit did not converge")
    assert json.loads(done.stdout)["config"]["converged"] is False


def split_files(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """The ill-conditioned rows as a training file and a test file, and the training
    rows' features and labels."""
    features, targets = ill_conditioned_rows(300, seed=2)
    train_path = write_csv(tmp_path / "train.csv", features[:240], targets[:240])
    test_path = write_csv(tmp_path / "test.csv", features[240:], targets[240:])
    return train_path, test_path, features[:240], targets[:240]


def test_history_loss_is_the_log_loss_and_the_objective_adds_the_penalty(tmp_path: Path) -> None:
    """With --l2 1, ``loss`` is the training rows' log loss (scikit-learn's, of the same
    fit) and ``objective`` is it plus ``l2/2 ||W||^2``: two numbers, two names."""
    train_path, test_path, features, targets = split_files(tmp_path)
    body, _ = train(str(train_path), "--test", str(test_path), "--l2", "1")
    last = body["history"][-1]
    n = len(targets)
    scaled = (features - features.mean(axis=0)) / features.std(axis=0)
    reference = LogisticRegression(C=1 / n, tol=1e-10, max_iter=10_000).fit(scaled, targets)
    assert last["loss"] == pytest.approx(log_loss(targets, reference.predict_proba(scaled)), 1e-5)
    penalty = 0.5 * float(np.sum(reference.coef_**2))
    assert last["objective"] == pytest.approx(last["loss"] + penalty, rel=1e-5)
    assert last["objective"] > last["loss"] + 0.01


def test_the_learning_curves_name_the_objective_apart(tmp_path: Path) -> None:
    train_path, test_path, _, _ = split_files(tmp_path)
    args = ["train", str(train_path), "--test", str(test_path), "-f", "table", "-q"]
    code, out, _ = invoke_cli([*args, "--l2", "1", "--color", "never"])
    assert code == 0
    curves = {line.split()[0]: line for line in out.splitlines() if "→" in line}
    assert "loss" in curves and "objective" in curves
    assert "objective (loss + L2)" in curves["objective"]
    code, out, _ = invoke_cli([*args, "--l2", "0", "--color", "never"])
    assert "objective" not in out  # no penalty: the objective is the loss, shown once


def test_progress_lines_show_the_log_loss(tmp_path: Path) -> None:
    train_path, test_path, _, _ = split_files(tmp_path)
    args = ["train", str(train_path), "--test", str(test_path), "--l2", "1", "--progress"]
    code, out, err = invoke_cli([*args, "-f", "json", "--seed", "1"])
    assert code == 0
    last = [line for line in err.splitlines() if "iteration" in line][-1]
    history = json.loads(out)["history"]
    assert f"loss {history[-1]['loss']:.4f}" in last
    assert f"objective {history[-1]['objective']:.4f}" in last


def test_the_report_says_how_long_the_fit_ran_and_that_it_did_not_converge(
    ill_csv: Path,
) -> None:
    args = ["train", str(ill_csv), "--l2", "0", "-f", "table", "--color", "never", "-q"]
    code, out, _ = invoke_cli([*args, "--no-standardize"])
    assert code == 0
    assert "200 iterations, not converged" in " ".join(out.split())
    code, out, _ = invoke_cli(args)
    assert "not converged" not in out and " iterations" in out
