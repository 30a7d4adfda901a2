"""The predict use case: a saved model's class probabilities for every row of features."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.modelfile import load_model
from softmax_cli.io.rows import RowRule
from softmax_cli.io.sources import open_rows
from softmax_cli.views import TableView
from softmax_cli.workflows.stream import stream_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray
    from softmax_cli.io.rows import SkipReport
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.stream import OutputSpec


def predict_rows(
    model_path: str, spec: InputSpec, output: OutputSpec, stdout: BinaryIO
) -> SkipReport:
    """Write each row's class probabilities and predicted class; ``spec.labels``, when
    given, rename the model's classes. Return what was skipped."""
    saved = load_model(model_path)
    labels = list(spec.labels) if spec.labels else saved.labels
    if len(labels) != saved.model.n_classes:
        raise ArgumentError(f"{len(labels)} labels given for {saved.model.n_classes} classes")
    rule = RowRule(_non_finite_rows, "", _first_non_finite)
    source = open_rows(spec._replace(labels=None), rule)
    if source.n_columns is not None and source.n_columns != saved.model.n_features:
        raise DataError(
            f"the model takes {saved.model.n_features} features, the input has {source.n_columns}"
        )
    stream_rows(
        source,
        saved.model.predict_proba,
        output,
        stdout,
        argmax="predicted",
        unit_interval=True,
        view=TableView(mark_best=True, show_inputs=False),
        labels=labels,
    )
    return source.skipped


def _non_finite_rows(values: FloatArray) -> BoolArray:
    return np.asarray(~np.isfinite(values).all(axis=1))


def _first_non_finite(row: FloatArray) -> tuple[str, int | None]:
    column = int(np.argmin(np.isfinite(row)))
    return f"feature {row[column]:g} is not finite", column + 1
