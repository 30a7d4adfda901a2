"""The predict use case: a saved model's class probabilities for every row of features."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, cast

import numpy as np

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.modelfile import load_model
from softmax_cli.io.sources import open_rows
from softmax_cli.io.streaming.rows import RowRule, SkipReport
from softmax_cli.views.tables import TableView
from softmax_cli.workflows.calculator.inputs import open_input, watched
from softmax_cli.workflows.calculator.stream import stream_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray
    from softmax_cli.io.formats.modelfile import SavedModel
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.trainer.predict_table import PositionalRows, TableRows


class Predicted(NamedTuple):
    """What a prediction run reports besides its output: skipped rows, and notes for
    stderr (unseen categories, and the accuracy when the rows carry their target)."""

    skipped: SkipReport
    notes: list[str]


def predict_rows(
    model_path: str, spec: InputSpec, output: OutputSpec, stdout: BinaryIO
) -> Predicted:
    """Write each row's class probabilities and predicted class; ``spec.labels``, when
    given, rename the model's classes."""
    saved = load_model(model_path)
    labels = list(spec.labels) if spec.labels else saved.labels
    if len(labels) != saved.model.n_classes:
        raise ArgumentError(f"{len(labels)} labels given for {saved.model.n_classes} classes")
    if saved.preprocessor is not None:
        return _predict_with_preprocessing(saved, labels, spec, output, stdout)
    source = open_input(spec._replace(labels=None), FINITE_FEATURES)
    if source.n_columns is not None and source.n_columns != saved.model.n_features:
        raise wrong_count(spec)(
            f"the model takes {saved.model.n_features} features, the input has {source.n_columns}"
        )
    from softmax_cli.core.calculator.activations import softmax
    from softmax_cli.workflows.trainer.predict_table import finite_logits

    def compute(features: FloatArray) -> FloatArray:
        return softmax(finite_logits(saved.model, features))

    _write_predictions(source, compute, labels, output, stdout)
    return Predicted(source.skipped, [])


def _write_predictions(
    source: RowSource,
    compute: Callable[[FloatArray], FloatArray],
    labels: list[str],
    output: OutputSpec,
    stdout: BinaryIO,
) -> None:
    """Each row's class probabilities (``compute`` of its values) and predicted class."""
    stream_rows(
        source,
        compute,
        output,
        stdout,
        argmax="predicted",
        unit_interval=True,
        view=TableView(mark_best=True, show_inputs=False),
        labels=labels,
    )


def _predict_with_preprocessing(
    saved: SavedModel, labels: list[str], spec: InputSpec, output: OutputSpec, stdout: BinaryIO
) -> Predicted:
    """A ``train`` model: columns by name, its preprocessing, and its target scored."""
    from softmax_cli.workflows.trainer.predict_table import PositionalRows

    features = spec._replace(labels=None)
    if spec.from_arguments:
        rows: TableRows | PositionalRows = PositionalRows(
            open_rows(features, FINITE_FEATURES), saved, ArgumentError
        )
        source = watched(rows, spec)
    elif spec.stream is None:
        from softmax_cli.io.shards.concatenated import ShardedRows

        opened: list[TableRows | PositionalRows] = []

        def open_shard(index: int, stream: BinaryIO) -> RowSource:
            shard = _feature_rows(features._replace(stream=stream), saved)
            if opened:  # every shard adds to the first one's score and counts
                shard.score, shard.unmatched = opened[0].score, opened[0].unmatched
            opened.append(shard)
            return cast("RowSource", shard)

        source = watched(ShardedRows(spec.shards, open_shard), spec)
        rows = opened[0]
    else:
        if spec.stream.isatty():
            raise ArgumentError("no input: pipe CSV rows with a header, or give the values")
        rows = _feature_rows(features, saved)
        source = watched(rows, spec)
    _write_predictions(source, lambda probs: probs, labels, output, stdout)  # probabilities
    preprocessor = saved.preprocessor
    assert preprocessor is not None
    notes = [
        f"{count} {'cell' if count == 1 else 'cells'} of column {column.name!r} had a "
        "category the model never saw: its one-hot columns are all 0"
        for column, count in zip(preprocessor.categorical, rows.unmatched, strict=True)
        if count
    ]
    score = rows.score
    if score is not None and output.is_table and score.rows + score.unknown:
        from softmax_cli.render.console import make_console, print_summary

        print_summary(make_console(output.color), score.summary())
    elif score is not None:
        notes.append(score.summary())
    return Predicted(source.skipped, notes)


def _feature_rows(features: InputSpec, saved: SavedModel) -> TableRows | PositionalRows:
    """Rows of features read from ``features.stream`` through a ``train`` model: an
    ``.npy`` array by position, CSV columns by name."""
    from softmax_cli.io.formats import npy
    from softmax_cli.workflows.trainer.predict_table import PositionalRows, TableRows

    assert features.stream is not None
    is_array, stream = npy.sniff(features.stream)
    if is_array:
        rows = open_rows(features._replace(stream=stream), FINITE_FEATURES)
        return PositionalRows(rows, saved, DataError)
    return TableRows(stream, features._replace(stream=stream), saved)


def wrong_count(spec: InputSpec) -> type[ArgumentError | DataError]:
    """The error for a wrong number of feature values, whatever the model: a usage error
    (exit 2) for values given as arguments, a data error (exit 65) for rows read."""
    return ArgumentError if spec.from_arguments else DataError


def _non_finite_rows(values: FloatArray) -> BoolArray:
    """Rows with a feature that is not a finite number (-inf is one in a logit file)."""
    return np.asarray(~np.isfinite(values).all(axis=1))


def _first_non_finite(row: FloatArray) -> tuple[str, int | None]:
    column = int(np.argmin(np.isfinite(row)))
    return f"feature {row[column]:g} is not finite", column + 1


FINITE_FEATURES = RowRule(_non_finite_rows, "", _first_non_finite)
