"""Predicting with a ``train`` model: feature columns matched by name in a CSV with a
header, the model's own preprocessing applied, and, when the rows carry the target
column, their accuracy and log loss."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.calculator.activations import log_softmax, softmax
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats.table import TableReader
from softmax_cli.io.streaming.rows import Chunk, RowGate, SkipReport
from softmax_cli.workflows.trainer.class_labels import class_namer

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray
    from softmax_cli.core.trainer.mlp import MLP
    from softmax_cli.core.trainer.preprocessing import Preprocessor
    from softmax_cli.io.formats.modelfile import SavedModel
    from softmax_cli.io.formats.table import TableChunk
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource


class TargetScore:
    """Running accuracy and log loss over rows whose target the model knows; rows whose
    target is a class it does not know are counted apart."""

    def __init__(self) -> None:
        self.rows = 0
        self.correct = 0
        self.loss_sum = 0.0
        self.unknown = 0

    def add(self, logits: FloatArray, targets: IntArray) -> None:
        """Score rows by their logits; a target of -1 is a class the model does not know."""
        known = targets >= 0
        self.unknown += int(np.count_nonzero(~known))
        log_probs, targets = log_softmax(logits[known]), targets[known]
        rows = np.arange(len(targets))
        self.rows += len(targets)
        self.correct += int(np.count_nonzero(log_probs.argmax(axis=1) == targets))
        self.loss_sum -= float(log_probs[rows, targets].sum())

    def summary(self) -> str:
        """One line: rows, accuracy and mean log loss."""
        if not self.rows:
            return "no rows with a known target to score"
        loss = self.loss_sum / self.rows
        text = (
            f"{self.rows} rows with a target: accuracy {self.correct / self.rows:.2%} "
            f"({self.correct}/{self.rows}), log loss {loss:.4f} nats"
        )
        if self.unknown:
            text += f"; {self.unknown} more with a class the model does not know"
        return text


class TableRows:
    """A ``RowSource`` of class probabilities: CSV rows through a ``train`` model.

    Each chunk's ``values`` are the probabilities (the model already applied, so the
    caller's computation is the identity). ``unmatched`` counts, per categorical column,
    cells whose category the model never saw; ``score`` is set when the target column
    is among the input's."""

    def __init__(self, stream: BinaryIO, spec: InputSpec, saved: SavedModel) -> None:
        assert saved.preprocessor is not None
        if spec.header is False:
            raise ArgumentError("this model matches columns by name: the input needs a header")
        self.saved, self.preprocessor = saved, saved.preprocessor
        self.reader = TableReader(stream, spec.delimiter, spec.skip_invalid)
        self.gate = RowGate(spec.skip_invalid, None)
        names = self.reader.names
        absent = [name for name in self.preprocessor.columns if name not in names]
        if absent:
            raise DataError(
                f"the input lacks the model's column{'s' if len(absent) > 1 else ''} "
                f"{', '.join(map(repr, absent))} (its columns: {', '.join(names)})",
                1,
            )
        self.numeric = [names.index(column.name) for column in self.preprocessor.numeric]
        self.categorical = [names.index(column.name) for column in self.preprocessor.categorical]
        target = saved.target
        self.target = names.index(target) if target is not None and target in names else None
        self.score = TargetScore() if self.target is not None else None
        self.unmatched = [0] * len(self.categorical)
        self.labels: list[str] | None = None
        self.n_columns: int | None = saved.model.n_classes
        self.n_rows: int | None = None

    @property
    def skipped(self) -> SkipReport:
        if self.reader.skipped.count:
            return self.reader.skipped
        return self.gate.skipped

    def __iter__(self) -> Iterator[Chunk]:
        for chunk in self.reader:
            bad = _text_in(chunk, self.numeric)
            keep, error = self.gate.good_rows(bad, chunk.line_numbers, partial(self._bad, chunk))
            rows = np.arange(len(chunk))[keep]
            if len(rows):
                yield Chunk(self._probs(chunk, rows), chunk.line_numbers[rows])
            if error is not None:
                raise error

    def _bad(self, chunk: TableChunk, row: int) -> DataError:
        column = self.numeric[int(np.argmax(chunk.text[row, self.numeric]))]
        cell = chunk.texts([column])[0][row]
        name = self.reader.names[column]
        return DataError(
            f"{cell!r} is not a number, and the model takes column {name!r} as numeric",
            int(chunk.line_numbers[row]),
            column + 1,
        )

    def _probs(self, chunk: TableChunk, rows: IntArray) -> FloatArray:
        picked = rows.tolist()
        wanted = [*self.categorical, *([self.target] if self.target is not None else [])]
        cells = [[column[i] for i in picked] for column in chunk.texts(wanted)] if wanted else []
        texts = cells[: len(self.categorical)]
        numbers = chunk.numbers[np.ix_(rows, np.array(self.numeric, dtype=np.intp))]
        logits = predict_logits(self.saved, self.preprocessor, numbers, texts, self.unmatched)
        if self.score is not None:
            # Cells named as training named them: 2.0 is the class 2.
            name = class_namer(self.saved.labels)
            index = {name(label): k for k, label in enumerate(self.saved.labels)}
            targets = [index.get(name(label), -1) for label in cells[-1]]
            known = np.array([label != "" for label in cells[-1]], dtype=bool)
            self.score.add(logits[known], np.array(targets, dtype=np.intp)[known])
        return softmax(logits)


def predict_logits(
    saved: SavedModel,
    preprocessor: Preprocessor,
    numbers: FloatArray,
    texts: list[list[str]],
    unmatched: list[int],
) -> FloatArray:
    """Logits of rows of raw columns; adds the unseen categories to ``unmatched``."""
    with np.errstate(over="ignore", invalid="ignore"):  # checked by finite_logits
        features, counts = preprocessor.transform(numbers, texts)
    for index, count in enumerate(counts):
        unmatched[index] += count
    return finite_logits(saved.model, features)


def finite_logits(model: MLP, features: FloatArray) -> FloatArray:
    """The model's logits; finite ones however large (the softmax shifts by the row's
    maximum), but a model whose huge weights overflow to inf or nan on these features is
    a ``DataError``, never uniform or nan probabilities."""
    with np.errstate(over="ignore", invalid="ignore"):
        logits = model.logits(features)
    if not np.isfinite(logits).all():
        raise DataError(
            "the model's logits overflow on this input (not finite): "
            "its weights or scaling are too large for these features"
        )
    return logits


class PositionalRows:
    """Rows of numbers with no column names (values given as arguments, or an ``.npy``
    array) for a ``train`` model: its numeric columns, in its order. A wrong number of
    them raises ``wrong_count``."""

    def __init__(
        self,
        source: RowSource,
        saved: SavedModel,
        wrong_count: type[ArgumentError | DataError] = DataError,
    ) -> None:
        preprocessor = saved.preprocessor
        assert preprocessor is not None
        names = [column.name for column in preprocessor.numeric]
        if preprocessor.categorical:
            raise ArgumentError(
                "this model has categorical columns: give CSV rows with a header on stdin"
            )
        if source.n_columns is not None and source.n_columns != len(names):
            raise wrong_count(
                f"{source.n_columns} values given; the model takes {len(names)}: {', '.join(names)}"
            )
        self.source, self.saved, self.preprocessor = source, saved, preprocessor
        self.labels: list[str] | None = None
        self.n_columns: int | None = saved.model.n_classes
        self.n_rows = source.n_rows
        self.score: TargetScore | None = None
        self.unmatched: list[int] = []

    @property
    def skipped(self) -> SkipReport:
        return self.source.skipped

    def __iter__(self) -> Iterator[Chunk]:
        for chunk in self.source:
            logits = predict_logits(self.saved, self.preprocessor, chunk.values, [], [])
            yield Chunk(softmax(logits), chunk.line_numbers)


def _text_in(chunk: TableChunk, columns: list[int]) -> BoolArray:
    """Rows with a text cell among ``columns``."""
    return np.asarray(chunk.text[:, columns].any(axis=1))
