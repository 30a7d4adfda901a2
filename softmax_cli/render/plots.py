"""``--plot`` figures in PNG (matplotlib, imported only here): the trainers' decision
regions, learning curves and confusion matrix, calibrate's reliability diagrams,
compare's histograms of per-row KL and Δp."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from softmax_cli.errors import SoftmaxError
from softmax_cli.render.training import OBJECTIVE_LABEL, penalised

if TYPE_CHECKING:
    from types import ModuleType

    from matplotlib.axes import Axes

    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.calculator.calibration import Calibration, CalibrationMetrics
    from softmax_cli.core.trainer.mlp import MLP
    from softmax_cli.core.trainer.outcome import TrainOutcome
    from softmax_cli.core.trainer.training import Dataset, EpochStats

INSTALL_HINT = "--plot needs matplotlib: pip install matplotlib"
GRID_STEPS = 300


def require_matplotlib() -> None:
    """Fail early, before training, when matplotlib is not installed."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise SoftmaxError(INSTALL_HINT)


def _pyplot() -> ModuleType:
    """matplotlib's pyplot on the Agg backend: files only, never a window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_training(
    stream: BinaryIO, model: MLP, data: Dataset, history: Sequence[EpochStats]
) -> None:
    """Save a figure: the training data coloured by class over the network's decision
    regions (for two features; otherwise the first two features, without regions), and
    the loss and accuracy per epoch for training and validation."""
    plt = _pyplot()
    figure, (regions, losses, accuracies) = plt.subplots(1, 3, figsize=(16, 5))
    x, y = data.x_train, data.y_train
    if model.n_features == 2:
        _draw_regions(regions, x, model.n_classes, model.logits, margin=2.0)
        regions.set_title("training data and decision regions")
    else:
        regions.set_title(f"training data (first 2 of {model.n_features} features)")
    _draw_points(regions, x, y, ("feature 0", "feature 1"))
    _draw_curves(losses, accuracies, history, "epoch")
    _save(figure, stream)


def plot_train(
    stream: BinaryIO,
    outcome: TrainOutcome,
    points: FloatArray | None = None,
    targets: IntArray | None = None,
) -> None:
    """Save a figure for ``train``: learning curves, the confusion matrix and, when the
    model has exactly two numeric features, the decision regions over the training
    ``points`` (shape ``(n, 2)``, in the data's own units) and their ``targets``."""
    plt = _pyplot()
    fitted, classes = outcome.fitted, outcome.schema.classes
    with_regions = points is not None and targets is not None
    figure, axes = plt.subplots(
        1, 4 if with_regions else 3, figsize=(22 if with_regions else 16, 5)
    )
    unit = "iteration" if fitted.settings.solver == "lbfgs" else "epoch"
    _draw_curves(axes[0], axes[1], fitted.history, unit)
    _draw_confusion(figure, axes[2], outcome.evaluation.matrix, classes)
    if points is not None and targets is not None:

        def logits(grid: FloatArray) -> FloatArray:
            return fitted.model.logits(fitted.preprocessor.transform(grid, [])[0])

        _draw_regions(axes[3], points, len(classes), logits)
        _draw_points(axes[3], points, targets, tuple(outcome.schema.numeric))
        axes[3].set_title("training rows and decision regions")
    _save(figure, stream)


def _draw_regions(
    axes: Any,
    x: FloatArray,
    n_classes: int,
    logits: Callable[[FloatArray], FloatArray],
    margin: float | None = None,
) -> None:
    """Colour the plane around ``x`` by the predicted class; ``margin`` around the data
    in its units, else a tenth of its range."""
    low, high = x.min(axis=0), x.max(axis=0)
    pad = np.maximum((high - low) * 0.1, 1e-9) if margin is None else np.full(2, margin)
    low, high = low - pad, high + pad
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], GRID_STEPS), np.linspace(low[1], high[1], GRID_STEPS)
    )
    predicted = np.argmax(logits(np.column_stack([grid_x.ravel(), grid_y.ravel()])), axis=1)
    axes.contourf(
        grid_x,
        grid_y,
        predicted.reshape(grid_x.shape),
        levels=np.arange(n_classes + 1) - 0.5,
        cmap="tab10",
        alpha=0.25,
        vmin=0,
        vmax=9,
    )


def _draw_points(axes: Any, x: FloatArray, y: IntArray, names: Sequence[str]) -> None:
    axes.scatter(x[:, 0], x[:, 1], c=y, cmap="tab10", vmin=0, vmax=9, s=12, edgecolors="k")
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])


def _draw_curves(losses: Any, accuracies: Any, history: Sequence[EpochStats], unit: str) -> None:
    """Loss (log loss) and accuracy per epoch (or iteration), training and validation;
    with an L2 penalty, the objective minimised too, dashed: it is not the log loss."""
    epochs = [s.epoch for s in history]
    for axes, name in ((losses, "loss"), (accuracies, "accuracy")):
        axes.plot(epochs, [getattr(s, name) for s in history], label=f"training {name}")
        if name == "loss" and penalised(history):
            objectives = [s.objective for s in history]
            axes.plot(epochs, objectives, "--", label=OBJECTIVE_LABEL)
        if history and history[0].val_loss is not None:
            validation = [getattr(s, f"val_{name}") for s in history]
            axes.plot(epochs, validation, label=f"validation {name}")
        axes.set_xlabel(unit)
        axes.set_title("log loss" if name == "loss" else name)
        axes.legend()


def _draw_confusion(figure: Any, axes: Any, matrix: IntArray, classes: Sequence[str]) -> None:
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    ticks = np.arange(len(classes))
    axes.set_xticks(ticks, classes, rotation=45, ha="right")
    axes.set_yticks(ticks, classes)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title("confusion matrix")
    middle = matrix.max() / 2
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > middle else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour)


def _save(figure: Any, stream: BinaryIO) -> None:
    """The figure as PNG into ``stream`` (the caller writes it to its file safely)."""
    figure.tight_layout()
    figure.savefig(stream, format="png", dpi=100)
    _pyplot().close(figure)


def plot_reliability(stream: BinaryIO, result: Calibration) -> None:
    """Save Guo et al.'s reliability diagram before and after temperature scaling: per
    bin, the accuracy as a bar and its gap to the mean confidence, against the diagonal
    of perfect calibration, with a histogram of the confidences below."""
    plt = _pyplot()
    figure, axes = plt.subplots(
        2, 2, figsize=(11, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    panels = [
        ("before (T = 1)", result.before),
        (f"after (T = {result.temperature:.4g})", result.after),
    ]
    for column, (title, metrics) in enumerate(panels):
        _reliability_panel(axes[0][column], axes[1][column], title, metrics)
    _save(figure, stream)


def _reliability_panel(top: Axes, bottom: Axes, title: str, metrics: CalibrationMetrics) -> None:
    bins = metrics.bins
    filled = bins.counts > 0
    left, width = bins.lower[filled], bins.upper[filled] - bins.lower[filled]
    accuracy, confidence = bins.accuracy[filled], bins.confidence[filled]
    top.bar(left, accuracy, width, align="edge", color="tab:blue", edgecolor="k", label="accuracy")
    top.bar(
        left,
        confidence - accuracy,
        width,
        bottom=accuracy,
        align="edge",
        color="tab:red",
        alpha=0.3,
        edgecolor="tab:red",
        hatch="//",
        label="gap to mean confidence",
    )
    top.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    top.set(xlim=(0, 1), ylim=(0, 1), ylabel="accuracy")
    top.set_title(f"{title}: ECE {metrics.ece:.2%}, NLL {metrics.nll:.4f}")
    top.legend(loc="upper left")
    bottom.bar(bins.lower, bins.counts, bins.upper - bins.lower, align="edge", color="tab:gray")
    bottom.set(xlabel="confidence (top probability)", ylabel="samples")


def plot_comparison(
    stream: BinaryIO, kl: FloatArray, delta_p: FloatArray | None, unit: str
) -> None:
    """Histograms of the per-row KL (log-spaced bins, log x axis; rows of KL 0 and +inf
    are counted in the title) and of Δp, when there are targets."""
    plt = _pyplot()
    panels = 1 if delta_p is None else 2
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    positive = kl[np.isfinite(kl) & (kl > 0)]
    left = axes[0][0]
    if len(positive):
        low, high = float(positive.min()), float(positive.max())
        bins = np.geomspace(low, high * (1 + 1e-9), 50) if high > low else 10
        left.hist(positive, bins=bins, color="tab:blue")
        left.set_xscale("log")
    zero, infinite = int(np.count_nonzero(kl == 0)), int(np.count_nonzero(np.isinf(kl)))
    left.set(xlabel=f"KL(BASE || OTHER), {unit}", ylabel="rows")
    left.set_title(f"per-row KL ({zero} rows at 0, {infinite} infinite)")
    if delta_p is not None:
        right = axes[0][1]
        right.hist(delta_p, bins=50, color="tab:orange")
        right.set(xlabel="Δp = p_OTHER(target) - p_BASE(target)", ylabel="rows")
        right.set_title("per-row Δp")
    _save(figure, stream)
