"""The softmax use case: probabilities (or log-probabilities) for every row, or the
walk-through of one vector."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from softmax_cli.core.calculator import activations
from softmax_cli.errors import ArgumentError
from softmax_cli.views.tables import TableView
from softmax_cli.workflows.calculator.class_scores import MASKED_LOGITS
from softmax_cli.workflows.calculator.inputs import open_input
from softmax_cli.workflows.calculator.stream import stream_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource, SkipReport
    from softmax_cli.workflows.calculator.stream import OutputSpec


def softmax_rows(
    spec: InputSpec,
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    temperature: float = 1.0,
    log: bool = False,
    argmax: bool = False,
) -> SkipReport:
    """Write softmax(x / T) (or its logarithm) of every input row; return what was skipped."""
    source = open_input(spec, MASKED_LOGITS)

    def compute(logits: FloatArray) -> FloatArray:
        if log:
            return activations.log_softmax(logits, temperature)
        return activations.softmax(logits, temperature)

    view = TableView("log-probability" if log else "probability", log=log)
    stream_rows(
        source,
        compute,
        output,
        stdout,
        argmax="argmax" if argmax else None,
        unit_interval=not log,
        view=view,
    )
    return source.skipped


def explain_softmax(
    spec: InputSpec, output: OutputSpec, stdout: BinaryIO, temperature: float = 1.0
) -> None:
    """Write every step of softmax for the single input vector."""
    if output.fmt == "npy":
        raise ArgumentError("--explain writes a table of steps, not an array: use csv or json")
    source = open_input(spec, MASKED_LOGITS)
    steps = activations.softmax_steps(_single_row(source), temperature)
    if output.is_table:
        from softmax_cli.render.console import make_console
        from softmax_cli.render.tables import render_explanation

        console = make_console(output.color)
        render_explanation(console, steps, source.labels, output.precision, temperature)
    else:
        from softmax_cli.io.formats.reports import format_explanation

        stdout.write(format_explanation(steps, source.labels, output.fmt, output.precision))


def _single_row(source: RowSource) -> FloatArray:
    """The one row of ``source``, counting the rows without holding them."""
    first: FloatArray | None = None
    rows = 0
    for chunk in source:
        if first is None and len(chunk.values):
            first = chunk.values[0]
        rows += len(chunk.values)
    if rows != 1 or first is None:
        raise ArgumentError(f"--explain works on a single vector, the input has {rows} rows")
    return first
