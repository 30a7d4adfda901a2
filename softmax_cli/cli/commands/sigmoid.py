"""The ``sigmoid`` command: the logistic function of every value."""

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
)


@click.command("sigmoid", cls=NumbersCommand)
@input_options
@output_options
@click.option("--log", "log", is_flag=True, help="Print log-sigmoid, computed stably.")
@click.option("--compare", is_flag=True, help="Show softmax beside sigmoid, with both sums.")
@row_engine_options
def sigmoid_command(log: bool, compare: bool, **kwargs: Any) -> None:
    """Apply the logistic function 1 / (1 + exp(-x)) to every value.

    Each value is scored on its own, so a row's sigmoids need not sum to 1 (unlike
    softmax). Input and output work as for the softmax command. --compare adds softmax
    beside it: in machine formats as extra columns sigmoid_<class>..., softmax_<class>...,
    sigmoid_sum, softmax_sum (with a header line).

    \b
    Examples:
      softmax sigmoid -40 0 40
      softmax sigmoid --compare 0.7 1.5 4.8
      cut -d, -f2 scores.csv | softmax sigmoid --format json
    """
    from softmax_cli.workflows.calculator import sigmoid

    plan = row_plan(kwargs)
    spec, output = plan.spec, plan.output
    if plan.outputs is not None:
        from softmax_cli.workflows.cluster.row_outputs import RowCall

        call = (
            RowCall(sigmoid.compare_rows, (), (output,))
            if compare
            else RowCall(sigmoid.sigmoid_rows, (), (output,), {"log": log})
        )
        run_per_shard(plan, lambda _: call)
        return
    if compare:
        skipped = sigmoid.compare_rows(spec, output, stdout_bytes())
    else:
        skipped = sigmoid.sigmoid_rows(spec, output, stdout_bytes(), log=log)
    report_skipped(skipped)
