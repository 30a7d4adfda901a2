"""The ``softmax`` command, also what runs when the first argument is not a command."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import row_engine_options, row_plan, run_per_shard
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    input_options,
    output_options,
    report_skipped,
    stdout_bytes,
    temperature_option,
)


@click.command("softmax", cls=NumbersCommand)
@input_options
@output_options
@temperature_option
@click.option("--log", "log", is_flag=True, help="Print log-softmax, computed stably.")
@click.option("--explain", is_flag=True, help="Show every step for a single vector.")
@click.option("--argmax", is_flag=True, help="Add the predicted class to machine formats.")
@row_engine_options
def softmax_command(
    temperature: float, log: bool, explain: bool, argmax: bool, **kwargs: Any
) -> None:
    """Turn logits into probabilities: exp(x_i) / sum_j exp(x_j).

    Values come as arguments (one vector, space- or comma-separated; negative
    numbers need no '--'), or as CSV rows on stdin or from --input, one sample
    per row. A non-numeric first row is a header of class labels. Blank lines
    and lines starting with '#' are skipped. Results are a table on a terminal,
    CSV in a pipe, streamed in constant memory.

    \b
    Examples:
      softmax 0.7 1.5 4.8
      softmax -t 0.5 --labels a,b,c -1 -2.5 3e-2
      softmax --explain 0.7 1.5 4.8
      cat logits.csv | softmax --argmax | head
    """
    from softmax_cli.workflows.calculator import softmax

    plan = row_plan(kwargs)
    spec, output = plan.spec, plan.output
    if plan.outputs is not None:
        from softmax_cli.workflows.cluster.row_outputs import RowCall

        keywords = {"temperature": temperature, "log": log, "argmax": argmax}
        run_per_shard(plan, lambda _: RowCall(softmax.softmax_rows, (), (output,), keywords))
        return
    if explain:
        softmax.explain_softmax(spec, output, stdout_bytes(), temperature)
        return
    skipped = softmax.softmax_rows(
        spec, output, stdout_bytes(), temperature=temperature, log=log, argmax=argmax
    )
    report_skipped(skipped)
