"""What a ``train`` run found, as plain records: the data's columns and classes, what
happened to its rows, the fit's history and the evaluation. The report, the JSON output
and the model file are all drawn from these."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.trainer.metrics import Evaluation
    from softmax_cli.core.trainer.mlp import MLP
    from softmax_cli.core.trainer.preprocessing import Preprocessor
    from softmax_cli.core.trainer.training import EpochStats, FitSettings


class Schema(NamedTuple):
    """What the training data's columns turned out to be: the target's name, the class
    labels in order, and the numeric and categorical feature columns."""

    target: str
    classes: list[str]
    numeric: list[str]
    categorical: list[str]


class DataSummary(NamedTuple):
    """What happened to the rows read: how many there were, how many were dropped for a
    missing target or a missing feature cell, and the missing cells kept per column
    (filled with the mean, or a category of their own)."""

    rows_read: int
    dropped_without_target: int
    dropped_with_missing: int
    missing_kept: dict[str, int]


class Fitted(NamedTuple):
    """A trained classifier: its preprocessing and network, the settings it was fitted
    with, the epochs it ran, the epoch whose weights it kept (early stopping), the rows
    it was fitted on and validated on, and whether its solver converged (``fit``)."""

    preprocessor: Preprocessor
    model: MLP
    settings: FitSettings
    history: list[EpochStats]
    best_epoch: int | None
    train_rows: int
    validation_rows: int
    converged: bool = True


class FoldScore(NamedTuple):
    """One cross-validation fold: its number (from 1), held-out rows and their scores,
    and whether its fit converged in how many epochs (L-BFGS: iterations)."""

    fold: int
    rows: int
    accuracy: float
    loss: float
    converged: bool = True
    iterations: int = 0


class Preview(NamedTuple):
    """The first evaluated rows: their input lines, true classes and probabilities."""

    line_numbers: IntArray
    targets: IntArray
    probs: FloatArray


class TrainOutcome(NamedTuple):
    """A whole run: the schema and data summary, rows per class, the settings used (the
    ``auto`` ones resolved), the final fit, the evaluation (on the test rows, or with
    cross-validation on every row, each predicted by the fold that held it out), its
    first rows, the number of evaluated rows, and the folds' scores."""

    schema: Schema
    summary: DataSummary
    class_counts: list[int]
    settings: dict[str, object]
    fitted: Fitted
    evaluation: Evaluation
    preview: Preview
    test_rows: int
    folds: list[FoldScore] | None
