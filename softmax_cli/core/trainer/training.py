"""The training engine: an MLP (or, with no hidden layer, softmax regression) fitted by
mini-batch Adam or by full-batch L-BFGS, with optional early stopping.

Pure computation: the caller passes arrays and gets small records back, and may pass
callbacks to watch epochs go by; nothing here prints. ``train-blobs`` and ``train`` both
use ``fit``; there is no second training loop.

The objective is ``mean_i(w_i CE_i) + l2/2 * sum ||W||^2`` over the training rows, with
sample weights ``w`` (default 1) and biases not penalised: scikit-learn's, divided by
``n`` (its ``C`` is ``1 / (n * l2)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from softmax_cli.core.calculator.losses import cross_entropy
from softmax_cli.core.trainer.adam import Adam
from softmax_cli.core.trainer.mlp import MLP
from softmax_cli.core.trainer.objectives import FullBatch, LinearObjective, full_batch_objective

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray

SOLVERS = ("adam", "lbfgs")
FALLING_WINDOW = 10  # Adam epochs over which a falling objective means "not converged"


class Dataset(NamedTuple):
    """Features ``(n, n_features)`` and integer class targets ``(n,)`` of each split."""

    x_train: FloatArray
    y_train: IntArray
    x_val: FloatArray
    y_val: IntArray
    x_test: FloatArray
    y_test: IntArray


class FitSettings(NamedTuple):
    """How to fit: the ``solver`` (``"adam"`` or ``"lbfgs"``), at most ``max_epochs``
    epochs (L-BFGS: iterations), Adam's ``batch_size`` and ``lr``, the L2 strength
    ``l2``, early stopping after ``patience`` epochs without a better validation loss
    (0: never), and the ``tolerance`` (scikit-learn's ``tol``): L-BFGS's on the projected
    gradient, Adam's on the objective's fall over the last epochs (``still_falling``)."""

    solver: str = "adam"
    max_epochs: int = 30
    batch_size: int = 5
    lr: float = 0.001
    l2: float = 0.0
    patience: int = 0
    tolerance: float = 1e-4


class EpochStats(NamedTuple):
    """One epoch (L-BFGS: one iteration): the training rows' log loss (their mean
    cross-entropy, sample-weighted), the objective minimised (that loss plus the L2
    penalty) and the accuracy (Adam: Keras' running means over the epoch's batches, each
    measured before its update), the validation set's mean cross-entropy and accuracy
    (``None`` without one), and the epoch's wall time in seconds."""

    epoch: int
    loss: float
    objective: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float


class FitResult(NamedTuple):
    """The epochs run, the epoch whose weights the model ends with when early stopping
    restored its best one (``None`` without early stopping), whether the solver
    converged (see ``fit``), and its epochs or iterations."""

    history: list[EpochStats]
    best_epoch: int | None
    converged: bool = True
    iterations: int = 0


class TrainingResult(NamedTuple):
    model: MLP
    history: list[EpochStats]
    test_loss: float
    test_accuracy: float


EpochCallback = Callable[[EpochStats], None]
BatchCallback = Callable[[int, int], None]


def evaluate(model: MLP, features: FloatArray, targets: IntArray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on a set of samples."""
    logits = model.logits(features)
    loss = float(np.mean(cross_entropy(logits, targets)))
    accuracy = float(np.mean(np.argmax(logits, axis=1) == targets))
    return loss, accuracy


class EarlyStopping:
    """Keras' ``EarlyStopping(patience, restore_best_weights=True)`` on the validation
    loss: a copy of the best parameters so far, and a signal once ``patience`` epochs
    in a row have not improved on it."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_loss = np.inf
        self.best_epoch: int | None = None
        self.best_params: FloatArray | None = None
        self.waited = 0
        self.stopped = False

    def should_stop(self, stats: EpochStats, params: FloatArray) -> bool:
        """Record an epoch; True when training should stop."""
        assert stats.val_loss is not None
        if stats.val_loss < self.best_loss:
            self.best_loss, self.best_epoch = stats.val_loss, stats.epoch
            self.best_params = params.copy()
            self.waited = 0
            return False
        self.waited += 1
        self.stopped = self.waited >= self.patience
        return self.stopped

    def restore(self, params: FloatArray) -> None:
        """Put the best parameters back into ``params``."""
        if self.best_params is not None:
            params[:] = self.best_params


def fit(
    model: MLP,
    settings: FitSettings,
    data: Dataset,
    rng: np.random.Generator,
    *,
    sample_weight: FloatArray | None = None,
    on_epoch: EpochCallback | None = None,
    on_batch: BatchCallback | None = None,
) -> FitResult:
    """Fit ``model`` in place on ``data``'s training rows (its test rows are not used).

    With ``settings.patience`` and validation rows, training stops once the validation
    loss has not improved for that many epochs, and the best epoch's weights are
    restored. ``on_batch(done, total)`` is called after every Adam batch,
    ``on_epoch(stats)`` after every epoch or L-BFGS iteration.

    The fit has not converged when L-BFGS stopped on its iteration cap rather than its
    tolerance, or when Adam ran every epoch with its objective ``still_falling``.
    """
    stopping = EarlyStopping(settings.patience) if settings.patience and len(data.x_val) else None
    if settings.solver == "lbfgs":
        history, capped = _fit_lbfgs(model, settings, data, sample_weight, stopping, on_epoch)
    else:
        history = _fit_adam(model, settings, data, rng, sample_weight, stopping, on_epoch, on_batch)
        objectives = [stats.objective for stats in history]
        ran_out = len(history) == settings.max_epochs and not (
            stopping is not None and stopping.stopped
        )
        capped = ran_out and still_falling(objectives, settings.tolerance)
    best_epoch = None
    if stopping is not None:
        stopping.restore(model.params)
        best_epoch = stopping.best_epoch
    return FitResult(history, best_epoch, not capped, len(history))


def still_falling(objectives: list[float], tolerance: float, window: int = FALLING_WINDOW) -> bool:
    """scikit-learn's test for Adam (``tol``, ``n_iter_no_change``): the best of the last
    ``window`` epochs' objectives is more than ``tolerance`` below the best before them
    (or, in a run of ``window`` epochs or fewer, below the first)."""
    if len(objectives) < 2:
        return False
    before = objectives[:-window] if len(objectives) > window else objectives[:1]
    recent = objectives[-window:] if len(objectives) > window else objectives[1:]
    return min(recent) < min(before) - tolerance


def _validation(model: MLP, data: Dataset) -> tuple[float | None, float | None]:
    if not len(data.x_val):
        return None, None
    return evaluate(model, data.x_val, data.y_val)


def _fit_adam(
    model: MLP,
    settings: FitSettings,
    data: Dataset,
    rng: np.random.Generator,
    sample_weight: FloatArray | None,
    stopping: EarlyStopping | None,
    on_epoch: EpochCallback | None,
    on_batch: BatchCallback | None,
) -> list[EpochStats]:
    """Epochs of shuffled mini-batches, one Adam step each."""
    optimizer = Adam(len(model.params), lr=settings.lr)
    n_samples, size = len(data.x_train), settings.batch_size
    starts = range(0, n_samples, size)
    history = []
    for epoch in range(1, settings.max_epochs + 1):
        began = time.perf_counter()
        order = rng.permutation(n_samples)
        x, y = data.x_train[order], data.y_train[order]
        w = None if sample_weight is None else sample_weight[order]
        objective_sum, penalty_sum, correct = 0.0, 0.0, 0
        for done, start in enumerate(starts, start=1):
            xb, yb = x[start : start + size], y[start : start + size]
            wb = None if w is None else w[start : start + size]
            # Like Keras, loss and accuracy are those of each batch before its update.
            objective, batch_correct = model.loss_and_gradient(xb, yb, wb, settings.l2)
            objective_sum += objective * len(yb)
            if settings.l2:
                penalty_sum += 0.5 * settings.l2 * model.weight_norm() * len(yb)
            correct += batch_correct
            optimizer.step(model.params, model.grads)
            if on_batch is not None:
                on_batch(done, len(starts))
        val_loss, val_accuracy = _validation(model, data)
        stats = EpochStats(
            epoch,
            (objective_sum - penalty_sum) / n_samples,
            objective_sum / n_samples,
            correct / n_samples,
            val_loss,
            val_accuracy,
            time.perf_counter() - began,
        )
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
        if stopping is not None and stopping.should_stop(stats, model.params):
            break
    return history


def _fit_lbfgs(
    model: MLP,
    settings: FitSettings,
    data: Dataset,
    sample_weight: FloatArray | None,
    stopping: EarlyStopping | None,
    on_epoch: EpochCallback | None,
) -> tuple[list[EpochStats], bool]:
    """Full-batch L-BFGS (SciPy's L-BFGS-B) on the whole objective, with scikit-learn's
    stopping rule: the projected gradient below ``tolerance``, or no more progress. The
    iterations, and whether it stopped on its iteration (or evaluation) cap instead.
    Two-class softmax regression is solved over its weight difference, an exact
    reduction (``core.objectives``)."""
    objective = full_batch_objective(model, data.x_train, data.y_train, sample_weight, settings.l2)
    return minimize_lbfgs(objective, settings, lambda: _validation(model, data), stopping, on_epoch)


def minimize_lbfgs(
    objective: FullBatch | LinearObjective,
    settings: FitSettings,
    validation: Callable[[], tuple[float | None, float | None]] = lambda: (None, None),
    stopping: EarlyStopping | None = None,
    on_epoch: EpochCallback | None = None,
) -> tuple[list[EpochStats], bool]:
    """L-BFGS-B on ``objective`` from its model's parameters, which it leaves at the
    optimum; ``validation()`` scores the model after each iteration. The iterations, and
    whether the run stopped on its iteration (or evaluation) cap."""
    from scipy.optimize import minimize

    model = objective.model
    history: list[EpochStats] = []
    began = time.perf_counter()

    def after_iteration(intermediate_result: Any) -> None:
        nonlocal began
        value, accuracy = objective.at(np.asarray(intermediate_result.x))
        loss = value - 0.5 * settings.l2 * model.weight_norm() if settings.l2 else value
        val_loss, val_accuracy = validation()
        now = time.perf_counter()
        stats = EpochStats(
            len(history) + 1, loss, value, accuracy, val_loss, val_accuracy, now - began
        )
        began = now
        history.append(stats)
        if on_epoch is not None:
            on_epoch(stats)
        if stopping is not None and stopping.should_stop(stats, model.params):
            raise StopIteration  # SciPy ends the run and returns this point

    result = minimize(
        objective,
        objective.start(),
        jac=True,
        method="L-BFGS-B",
        callback=after_iteration,
        options={
            "maxiter": settings.max_epochs,
            "gtol": settings.tolerance,
            "ftol": 64 * np.finfo(np.float64).eps,
            "maxls": 50,
        },
    )
    objective.store(result.x)
    # SciPy's status 1: the iteration or function-evaluation limit was reached.
    return history, result.status == 1
