"""The sigmoid use case: the logistic function of every value, or beside softmax."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.core.calculator import activations
from softmax_cli.io.streaming.rows import RowRule
from softmax_cli.views.tables import TableView, class_names
from softmax_cli.workflows.calculator.inputs import open_input
from softmax_cli.workflows.calculator.stream import stream_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import SkipReport
    from softmax_cli.workflows.calculator.stream import OutputSpec


def sigmoid_rows(
    spec: InputSpec, output: OutputSpec, stdout: BinaryIO, *, log: bool = False
) -> SkipReport:
    """Write sigmoid (or log-sigmoid) of every value; return what was skipped."""
    source = open_input(spec)
    compute = activations.log_sigmoid if log else activations.sigmoid
    view = TableView("log-sigmoid" if log else "sigmoid", mark_best=False, log=log)
    stream_rows(source, compute, output, stdout, unit_interval=not log, view=view)
    return source.skipped


def compare_rows(spec: InputSpec, output: OutputSpec, stdout: BinaryIO) -> SkipReport:
    """Write sigmoid and softmax of every row side by side, with both sums."""
    rule = RowRule(activations.fully_masked_rows, "every logit is -inf: softmax is undefined")
    source = open_input(spec, rule)

    def compute(logits: FloatArray) -> FloatArray:
        sigmoids, probs = activations.sigmoid(logits), activations.softmax(logits)
        sums = np.column_stack([sigmoids.sum(axis=1), probs.sum(axis=1)])
        return np.hstack([sigmoids, probs, sums])

    # An empty input has no columns to name: no header, like every filter on no input.
    names = comparison_columns(source.labels, source.n_columns) if source.n_columns else None
    view = TableView("sigmoid and softmax", mark_best=False, comparison=True)
    stream_rows(source, compute, output, stdout, view=view, columns=names)
    return source.skipped


def comparison_columns(labels: list[str] | None, width: int) -> list[str]:
    """``sigmoid_<class>...``, ``softmax_<class>...``, then both sums."""
    classes = class_names(labels, width)
    return [
        *(f"sigmoid_{name}" for name in classes),
        *(f"softmax_{name}" for name in classes),
        "sigmoid_sum",
        "softmax_sum",
    ]
