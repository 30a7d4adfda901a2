"""The train use case: read the user's CSV, split it, fit the preprocessing and a softmax
classifier on the training part only, evaluate it, and report, save and plot.

With ``--cv K`` every row is predicted once by a model that did not see it (stratified
K-fold), and the final model is then fitted on every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.calculator.activations import softmax
from softmax_cli.core.trainer.metrics import evaluate_logits
from softmax_cli.core.trainer.mlp import MLP, size_problem
from softmax_cli.core.trainer.outcome import DataSummary, Fitted, FoldScore, Preview, TrainOutcome
from softmax_cli.core.trainer.preprocessing import fit_preprocessor
from softmax_cli.core.trainer.splits import holdout_count, stratified_folds, stratified_split
from softmax_cli.core.trainer.training import Dataset, FitSettings, fit
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.table import read_table
from softmax_cli.workflows.trainer.blas_threads import fitting_threads
from softmax_cli.workflows.trainer.convergence import convergence_warning
from softmax_cli.workflows.trainer.train_data import (
    Examples,
    Notify,
    matching_examples,
    training_examples,
)
from softmax_cli.workflows.trainer.train_output import Report, report_outcome

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.trainer.outcome import Schema
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.core.trainer.training import EpochCallback
    from softmax_cli.io.formats.table import Table

PREVIEW_ROWS = 5
# Called with a fit's title, its most epochs and their unit ("epoch" or "iteration"),
# it shows progress while the fit runs and gives the callback to hear of every epoch.
Progress = Callable[[str, int, str], AbstractContextManager["EpochCallback | None"]]


def no_progress(title: str, epochs: int, unit: str) -> AbstractContextManager[EpochCallback | None]:
    return nullcontext(None)


def terminal_progress(color: str) -> Progress:
    """Progress bars on stderr, one per fit, each gone once its fit ends."""

    def show(title: str, epochs: int, unit: str) -> AbstractContextManager[EpochCallback | None]:
        from softmax_cli.render.console import make_console
        from softmax_cli.render.training import fit_progress

        return fit_progress(make_console(color, stderr=True), title, epochs, unit)

    return show


class TestSet:
    """A separate test file: its stream and its name for messages."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.stream, self.name = stream, name


def train(
    data: BinaryIO,
    config: TrainConfig,
    *,
    delimiter: str | None = None,
    test_set: TestSet | None = None,
    notify: Notify = lambda note: None,
    progress: Progress = no_progress,
    warn: Notify = lambda warning: None,
) -> TrainOutcome:
    """Train on the CSV ``data``; notes on what was done to the data go to ``notify``,
    and a fit that did not converge is told to ``warn``."""
    table = read_table(data, delimiter)
    outcome = _run(table, config, delimiter, test_set, notify, progress, lambda: None)[0]
    warn_unconverged(outcome, config, warn)
    return outcome


def _run(
    table: Table,
    config: TrainConfig,
    delimiter: str | None,
    test_set: TestSet | None,
    notify: Notify,
    progress: Progress,
    starting: Callable[[], None],
) -> tuple[TrainOutcome, Examples]:
    """``train``, also giving the rows the final model was fitted on; ``starting`` is
    called once the data and options have passed every check, before the first fit."""
    examples, schema, summary = training_examples(table, config, notify)
    class_counts = np.bincount(examples.targets, minlength=len(schema.classes))
    rng = np.random.default_rng(config.seed)
    if config.cv:
        _check_folds(config.cv, schema, class_counts)
        starting()
        outcome = _cross_validate(examples, schema, summary, class_counts, config, rng, progress)
        return outcome, examples
    if test_set is not None:
        test = test_examples(test_set, schema, config, delimiter, notify)
        train_part = examples
    else:
        train_rows, test_rows = split_rows(
            examples.targets, schema, class_counts, config, rng, notify
        )
        train_part, test = examples.take(train_rows), examples.take(test_rows)
    starting()
    fitted = fit_classifier(train_part, schema, config, rng, progress, "training")
    logits = predict_logits(fitted, test)
    outcome = TrainOutcome(
        schema,
        summary,
        class_counts.tolist(),
        resolved_settings(config, fitted),
        fitted,
        evaluate_logits(logits, test.targets),
        preview(test, logits),
        len(test),
        None,
    )
    return outcome, train_part


def test_examples(
    test_set: TestSet, schema: Schema, config: TrainConfig, delimiter: str | None, notify: Notify
) -> Examples:
    """The rows of a separate test file, with the training data's columns."""
    test_table = read_table(test_set.stream, delimiter)
    test, _ = matching_examples(test_table, schema, config.missing, notify, test_set.name)
    if not len(test):
        raise DataError(f"{test_set.name}: no test rows left to evaluate on")
    return test


def split_rows(
    targets: IntArray,
    schema: Schema,
    class_counts: IntArray,
    config: TrainConfig,
    rng: np.random.Generator,
    notify: Notify,
) -> tuple[IntArray, IntArray]:
    """The stratified training and test rows of all rows with these class ``targets``."""
    _note_single_row_classes(schema, class_counts, notify)
    n_test = holdout_count(len(targets), config.test_size)
    if n_test >= len(targets):
        raise ArgumentError(
            f"--test-size {config.test_size:g} leaves no training rows of {len(targets)}"
        )
    if n_test < 1:
        raise DataError(f"{len(targets)} rows are too few to hold out a test set")
    return stratified_split(targets, n_test, rng)


def _cross_validate(
    examples: Examples,
    schema: Schema,
    summary: DataSummary,
    class_counts: IntArray,
    config: TrainConfig,
    rng: np.random.Generator,
    progress: Progress,
) -> TrainOutcome:
    """Stratified K-fold: each fold's rows predicted by a model fitted on the others (its
    own preprocessing included), then a final model fitted on every row."""
    assert config.cv is not None
    logits = np.zeros((len(examples), len(schema.classes)))
    scores = []
    for number, held in enumerate(stratified_folds(examples.targets, config.cv, rng), start=1):
        rest = np.setdiff1d(np.arange(len(examples)), held, assume_unique=True)
        title = f"fold {number}/{config.cv}"
        fitted = fit_classifier(examples.take(rest), schema, config, rng, progress, title)
        logits[held] = predict_logits(fitted, examples.take(held))
        fold = evaluate_logits(logits[held], examples.targets[held])
        scores.append(
            FoldScore(
                number, len(held), fold.accuracy, fold.loss, fitted.converged, len(fitted.history)
            )
        )
    final = fit_classifier(examples, schema, config, rng, progress, "final model, every row")
    return TrainOutcome(
        schema,
        summary,
        class_counts.tolist(),
        resolved_settings(config, final),
        final,
        evaluate_logits(logits, examples.targets),
        preview(examples, logits),
        len(examples),
        scores,
    )


def _check_folds(folds: int, schema: Schema, class_counts: IntArray) -> None:
    """Every class needs a row in every fold: more folds than a class has rows is a
    usage error."""
    smallest = int(class_counts.argmin())
    if folds > class_counts[smallest]:
        raise ArgumentError(
            f"--cv {folds} is more folds than class {schema.classes[smallest]!r} has "
            f"rows ({class_counts[smallest]})"
        )


def fit_classifier(
    examples: Examples,
    schema: Schema,
    config: TrainConfig,
    rng: np.random.Generator,
    progress: Progress = no_progress,
    title: str = "training",
) -> Fitted:
    """Fit the preprocessing and the network on ``examples``; with early stopping, a
    stratified validation part of them decides when to stop."""
    solver = config.resolved_solver(len(examples))
    patience = config.resolved_patience(solver)
    n_validation = holdout_count(len(examples), config.validation_split) if patience else 0
    if 0 < n_validation < len(examples):
        fit_rows, validation_rows = stratified_split(examples.targets, n_validation, rng)
    else:
        fit_rows, validation_rows = np.arange(len(examples)), np.arange(0)
    preprocessor = fit_preprocessor(
        schema.numeric, examples.numbers, schema.categorical, examples.texts, config.standardize
    )
    features, _ = preprocessor.transform(examples.numbers, examples.texts)
    targets = examples.targets
    data = Dataset(
        features[fit_rows],
        targets[fit_rows],
        features[validation_rows],
        targets[validation_rows],
        features[:0],
        targets[:0],
    )
    sizes = (preprocessor.n_features, *config.hidden, len(schema.classes))
    problem = size_problem(sizes)
    if problem is not None:  # the input layer's width comes from the data
        raise DataError(problem)
    # Softmax regression starts at zero, as scikit-learn's does; an MLP needs random weights.
    model = MLP.initialized(sizes, rng) if config.hidden else MLP(sizes)
    settings = FitSettings(
        solver=solver,
        max_epochs=config.max_epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        l2=config.resolved_l2(len(fit_rows)),
        patience=patience,
    )
    per_class = class_weights(config, np.bincount(data.y_train, minlength=len(schema.classes)))
    weights = None if per_class is None else per_class[data.y_train]
    unit = "iteration" if solver == "lbfgs" else "epoch"
    with progress(title, config.max_epochs, unit) as on_epoch, fitting_threads():
        result = fit(model, settings, data, rng, sample_weight=weights, on_epoch=on_epoch)
    return Fitted(
        preprocessor,
        model,
        settings,
        result.history,
        result.best_epoch,
        len(fit_rows),
        len(validation_rows),
        result.converged,
    )


def class_weights(config: TrainConfig, counts: IntArray) -> FloatArray | None:
    """Each class's row weight from the training rows' class ``counts``: scikit-learn's
    ``class_weight="balanced"``, class k weighs ``n / (K n_k)``; ``None``: all 1."""
    if config.class_weight != "balanced":
        return None
    return np.asarray(counts.sum() / (len(counts) * np.maximum(counts, 1)))


def predict_logits(fitted: Fitted, examples: Examples) -> FloatArray:
    """The logits of ``examples`` under a fitted classifier, shape ``(n, n_classes)``."""
    features, _ = fitted.preprocessor.transform(examples.numbers, examples.texts)
    return fitted.model.logits(features)


def resolved_settings(config: TrainConfig, fitted: Fitted) -> dict[str, object]:
    """The configuration with every ``auto`` value as the final fit used it."""
    used = fitted.settings
    return {
        **config._asdict(),
        "solver": used.solver,
        "l2": used.l2,
        "patience": used.patience,
        "converged": fitted.converged,
        "iterations": len(fitted.history),
    }


def warn_unconverged(outcome: TrainOutcome, config: TrainConfig, warn: Notify) -> None:
    folds = None if outcome.folds is None else [fold.converged for fold in outcome.folds]
    fitted = outcome.fitted
    warning = convergence_warning(
        fitted.settings.solver, config.max_epochs, fitted.converged, folds, config.standardize
    )
    if warning is not None:
        warn(warning)


def preview(examples: Examples, logits: FloatArray) -> Preview:
    """The first rows by input line, with their classes and predicted probabilities."""
    first = np.argsort(examples.line_numbers, kind="stable")[:PREVIEW_ROWS]
    return Preview(examples.line_numbers[first], examples.targets[first], softmax(logits[first]))


def _note_single_row_classes(schema: Schema, counts: IntArray, notify: Notify) -> None:
    lonely = [
        label for label, count in zip(schema.classes, counts.tolist(), strict=True) if count == 1
    ]
    if lonely:
        notify(
            f"class {', '.join(map(repr, lonely))} has a single row: it is trained on, never tested"
        )


def train_and_report(
    data: BinaryIO | Sequence[str],
    source: str,
    config: TrainConfig,
    report: Report,
    *,
    delimiter: str | None = None,
    test_set: TestSet | None = None,
    notify: Notify = lambda note: None,
    show_progress: bool = False,
    starting: Callable[[], None] = lambda: None,
    warn: Notify = lambda warning: None,
) -> TrainOutcome:
    """Train on ``data`` (a stream, or the paths of shards read as one table; named
    ``source`` in the report), then save, plot and report; ``starting`` is called when
    the data has passed every check and fitting begins, and a fit that did not converge
    is told to ``warn``."""
    progress = terminal_progress(report.color) if show_progress else no_progress
    if isinstance(data, Sequence):
        from softmax_cli.io.formats.table_shards import read_joined_table

        table = read_joined_table(data, delimiter)
    else:
        table = read_table(data, delimiter)
    outcome, trained_on = _run(table, config, delimiter, test_set, notify, progress, starting)
    warn_unconverged(outcome, config, warn)
    report_outcome(outcome, report, source, trained_on)
    return outcome
