"""Results that are one report rather than rows, for scripts: the softmax walk-through,
calibrate's metrics, and the runs of ``train-blobs`` and ``train``.

Wall times are left out of the trainers' reports, so the same seed on the same data gives
the same bytes. JSON has no infinity: an infinite value is written as null.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.io.formats.writer import delimiter_for, format_numbers, json_number
from softmax_cli.io.text.text_columns import format_header
from softmax_cli.views.tables import class_names

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.core.calculator.activations import SoftmaxSteps
    from softmax_cli.core.calculator.calibration import Calibration, ReliabilityBins
    from softmax_cli.core.trainer.experiment import BlobsConfig
    from softmax_cli.core.trainer.metrics import Evaluation
    from softmax_cli.core.trainer.outcome import TrainOutcome
    from softmax_cli.core.trainer.training import EpochStats, TrainingResult


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def history_records(
    history: Sequence[EpochStats], with_objective: bool = True
) -> list[dict[str, object]]:
    """One object per epoch, without its wall time: ``loss`` is the log loss, and
    ``objective`` (left out for a fit without a penalty, ``train-blobs``) is what the
    solver minimised, the log loss plus the L2 penalty."""
    left_out = {"seconds"} if with_objective else {"seconds", "objective"}
    return [
        {key: value for key, value in stats._asdict().items() if key not in left_out}
        for stats in history
    ]


def format_training_json(config: BlobsConfig, seed: int, result: TrainingResult) -> bytes:
    """``train-blobs``: the configuration, the seed, the per-epoch history and the test
    metrics."""
    body = {
        "config": config._asdict(),
        "seed": seed,
        "history": history_records(result.history, with_objective=False),
        "test": {"loss": result.test_loss, "accuracy": result.test_accuracy},
    }
    return (json.dumps(body) + "\n").encode()


def evaluation_record(
    evaluation: Evaluation, classes: Sequence[str], rows: int
) -> dict[str, object]:
    """Accuracy, log loss, macro-F1, per-class scores and the confusion matrix."""
    scores = evaluation.scores
    return {
        "rows": rows,
        "accuracy": _number(evaluation.accuracy),
        "loss": _number(evaluation.loss),
        "macro_f1": _number(evaluation.macro_f1),
        "classes": [
            {
                "label": label,
                "precision": float(scores.precision[k]),
                "recall": float(scores.recall[k]),
                "f1": float(scores.f1[k]),
                "support": int(scores.support[k]),
            }
            for k, label in enumerate(classes)
        ],
        "confusion": evaluation.matrix.tolist(),
    }


def format_train_json(outcome: TrainOutcome) -> bytes:
    """``train``: the data, the configuration as used, the split, the history and the
    evaluation (plus the folds with ``--cv``)."""
    schema, summary, fitted = outcome.schema, outcome.summary, outcome.fitted
    body: dict[str, object] = {
        "data": {
            "rows_read": summary.rows_read,
            "dropped_without_target": summary.dropped_without_target,
            "dropped_with_missing": summary.dropped_with_missing,
            "missing_kept": summary.missing_kept,
            "target": schema.target,
            "classes": dict(zip(schema.classes, outcome.class_counts, strict=True)),
            "numeric": schema.numeric,
            "categorical": {c.name: list(c.categories) for c in fitted.preprocessor.categorical},
            "features": fitted.preprocessor.n_features,
        },
        "config": outcome.settings,
        "split": {
            "train": fitted.train_rows,
            "validation": fitted.validation_rows,
            "test": 0 if outcome.folds else outcome.test_rows,
        },
        "history": history_records(fitted.history),
        "best_epoch": fitted.best_epoch,
        "test": evaluation_record(outcome.evaluation, schema.classes, outcome.test_rows),
    }
    if outcome.folds is not None:
        accuracies = [fold.accuracy for fold in outcome.folds]
        losses = [fold.loss for fold in outcome.folds]
        body["cv"] = {
            "folds": [{**fold._asdict(), "loss": _number(fold.loss)} for fold in outcome.folds],
            "accuracy": {"mean": _mean(accuracies), "std": _std(accuracies)},
            "loss": {"mean": _number(_mean(losses)), "std": _number(_std(losses))},
        }
    return (json.dumps(body) + "\n").encode()


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _std(values: Sequence[float]) -> float:
    """The population standard deviation (NumPy's default, ``ddof=0``)."""
    mean = _mean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def format_explanation(
    steps: SoftmaxSteps, labels: Sequence[str] | None, fmt: str, precision: int
) -> bytes:
    """The softmax walk-through in a machine format: one row per class with its logit,
    scaled logit, shifted logit, exp and probability (JSON: one object, plus the sum)."""
    names = class_names(labels, len(steps.probs))
    columns = {
        "logit": steps.logits,
        "scaled": steps.scaled,
        "shifted": steps.shifted,
        "exp": steps.exps,
        "probability": steps.probs,
    }
    if fmt == "json":
        body = {
            "classes": names,
            **{key: [json_number(v) for v in column.tolist()] for key, column in columns.items()},
            "sum_exps": steps.sum_exps,
        }
        return (json.dumps(body, allow_nan=False) + "\n").encode()
    delimiter = delimiter_for(fmt)
    values = np.column_stack(list(columns.values()))
    return format_header(["class", *columns], delimiter) + _named_rows(
        names, values, precision, delimiter
    )


def _named_rows(names: Sequence[str], values: FloatArray, precision: int, delimiter: str) -> bytes:
    """One line per name: the name (quoted as CSV needs), then that row of ``values``."""
    numbers = format_numbers(values, precision, delimiter)
    return b"".join(
        format_header([name], delimiter).rstrip(b"\n") + delimiter.encode() + line
        for name, line in zip(names, numbers.splitlines(keepends=True), strict=True)
    )


def format_calibration(result: Calibration, fmt: str, precision: int) -> bytes:
    """calibrate's result in a machine format. JSON: one object with the temperature, the
    bound it reached (or null), rows, bins, the metrics before and after, and both
    reliability tables (null means in empty bins). CSV/TSV: rows metric,before,after,
    the temperature first."""
    if fmt == "json":
        body = {
            "temperature": result.temperature,
            "bound": result.fit.bound,
            "rows": result.rows,
            "bins": result.n_bins,
            "before": result.before.scalars(),
            "after": result.after.scalars(),
            "reliability": {
                "before": _bins_json(result.before.bins),
                "after": _bins_json(result.after.bins),
            },
        }
        return (json.dumps(body, allow_nan=False) + "\n").encode()
    delimiter = delimiter_for(fmt)
    before, after = result.before.scalars(), result.after.scalars()
    names = ["temperature", *before]
    values = np.array(
        [[1.0, result.temperature], *zip(before.values(), after.values(), strict=True)]
    )
    return format_header(["metric", "before", "after"], delimiter) + _named_rows(
        names, values, precision, delimiter
    )


def _bins_json(bins: ReliabilityBins) -> list[dict[str, float | int | None]]:
    return [
        {
            "lower": lower,
            "upper": upper,
            "count": count,
            "confidence": None if math.isnan(confidence) else confidence,
            "accuracy": None if math.isnan(accuracy) else accuracy,
        }
        for lower, upper, count, confidence, accuracy in bins.rows()
    ]
