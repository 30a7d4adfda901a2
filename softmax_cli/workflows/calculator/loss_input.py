"""Rows with a target class, as xent and calibrate read them: what the loss options say,
the check each row must pass, and each row's log-probabilities per class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.calculator import losses
from softmax_cli.core.calculator.activations import log_softmax
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.streaming.rows import RowRule
from softmax_cli.views.tables import class_names
from softmax_cli.workflows.calculator.class_scores import MASKED_LOGITS, distribution_rule
from softmax_cli.workflows.calculator.inputs import open_input

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import Chunk, RowSource


class LossConfig(NamedTuple):
    """What the loss options said.

    ``probs``: rows are probabilities, not logits; ``binary``: one value per row for
    class 1 (sigmoid); ``weights`` has one entry per class (two when binary); ``clip``
    bounds probabilities to ``[clip, 1 - clip]``; ``base`` is ``"e"`` (nats) or ``"2"``.
    """

    probs: bool = False
    binary: bool = False
    label_smoothing: float = 0.0
    weights: tuple[float, ...] | None = None
    clip: float | None = None
    renormalize: bool = False
    base: str = "e"

    @property
    def unit(self) -> str:
        return "bits" if self.base == "2" else "nats"

    def n_classes(self, n_columns: int) -> int:
        return 2 if self.binary else n_columns

    def class_names(self, labels: Sequence[str] | None, n_columns: int) -> list[str]:
        return ["0", "1"] if self.binary else class_names(labels, n_columns)


def row_rule(config: LossConfig) -> RowRule | None:
    """The check each input row must pass: valid probabilities, or not every logit -inf."""
    if config.probs and config.binary:
        return RowRule(_outside_unit_interval, "", _describe_binary_probability)
    if config.probs:
        return distribution_rule(config.renormalize)
    if config.binary:
        return None
    return MASKED_LOGITS


def _outside_unit_interval(values: FloatArray) -> BoolArray:
    return np.asarray(np.any((values < 0) | (values > 1), axis=1))


def _describe_binary_probability(row: FloatArray) -> tuple[str, int | None]:
    return f"probability {row[0]:g} is outside [0, 1]", 1


def class_log_probs(values: FloatArray, config: LossConfig) -> FloatArray:
    """Log-probabilities per class, shape ``(n_rows, n_classes)``, from one chunk of input."""
    if config.binary:
        column = values[:, 0]
        if config.probs:
            return losses.binary_log_probs_from_probs(column, config.clip)
        return losses.binary_log_probs(column)
    if config.probs:
        return losses.log_probs_from_probs(values, config.clip, config.renormalize)
    return log_softmax(values)


def chunk_targets(chunk: Chunk, fixed_target: int | None) -> IntArray:
    """Each row's target class: from the chunk's target column, else ``fixed_target``."""
    if chunk.targets is not None:
        return chunk.targets
    assert fixed_target is not None
    return np.full(len(chunk.values), fixed_target, dtype=np.intp)


class TargetedRows(NamedTuple):
    """The opened input: its ``source`` of rows, and ``fixed_target``, the class index
    every row is scored against when the targets are not in a column."""

    source: RowSource
    fixed_target: int | None


def open_targeted_rows(
    spec: InputSpec,
    config: LossConfig,
    target: str | None,
    target_column: str | None,
    targets: str | None = None,
) -> TargetedRows:
    """Open rows and their targets: ``target`` (an index or label) for every row, else the
    file at ``targets`` (one per row), else a CSV column (``target_column``, by default a
    header column named target, label, class or y).

    Options that cannot go together are usage errors before any input is read; the
    input's columns are then checked against ``--binary`` and ``--weights``."""
    from softmax_cli.io.targets.parser import TargetFileSpec, TargetSpec

    check_options(spec, config, target, target_column, targets)
    target_spec = file_spec = None
    if targets is not None:
        file_spec = TargetFileSpec(targets, config.binary)
    elif target is None:
        target_spec = TargetSpec(target_column, config.binary)
    source = open_input(spec, row_rule(config), target_spec, file_spec, as_logits=not config.probs)
    fixed_target = None
    if source.n_columns is not None:
        fixed_target = _check_classes(source, config, target, spec.from_arguments)
    return TargetedRows(source, fixed_target)


def check_options(
    spec: InputSpec,
    config: LossConfig,
    target: str | None,
    target_column: str | None,
    targets: str | None = None,
) -> None:
    """Options that cannot go together, or are missing, before any input is read."""
    if (config.clip is not None or config.renormalize) and not config.probs:
        raise ArgumentError("--clip and --renormalize apply to --probs input only")
    if config.binary and spec.labels:
        raise ArgumentError("--labels does not apply with --binary: its classes are 0 and 1")
    if targets is not None and (target is not None or target_column is not None):
        raise ArgumentError("give one of --target, --target-column and --targets")
    if targets is not None and spec.from_arguments:
        raise ArgumentError(
            "--targets pairs with rows from --input or stdin; with values give --target"
        )
    if target is not None and target_column is not None:
        raise ArgumentError("give --target or --target-column, not both")
    if spec.from_arguments and target_column is not None:
        raise ArgumentError("--target-column is for CSV input; with values give --target")
    if spec.from_arguments and target is None:
        raise ArgumentError("which class is true? give --target IDX|LABEL")


def _check_classes(
    source: RowSource, config: LossConfig, target: str | None, from_arguments: bool
) -> int | None:
    """Check the input's columns against --binary and --weights, and resolve --target to a
    class index (``None`` when the targets are in a column). A mismatch is a usage error
    for values given as arguments and a data error for CSV input."""
    from softmax_cli.io.targets.parser import TargetParser

    assert source.n_columns is not None
    mismatch = ArgumentError if from_arguments else DataError
    if config.binary and source.n_columns != 1:
        raise mismatch(f"--binary takes one value per row, the input has {source.n_columns}")
    n_classes = config.n_classes(source.n_columns)
    if config.weights is not None and len(config.weights) != n_classes:
        raise mismatch(f"{len(config.weights)} weights given for {n_classes} classes")
    if target is None:
        return None
    try:
        return TargetParser(source.labels, n_classes, config.binary).parse(target)
    except ValueError as exc:
        raise ArgumentError(f"--target: {exc}") from None
