"""The ``sigmoid`` command: the logistic function of every value."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    input_options,
    input_spec,
    output_options,
    output_spec,
    report_skipped,
    stdout_bytes,
)


@click.command("sigmoid", cls=NumbersCommand)
@input_options
@output_options
@click.option("--log", "log", is_flag=True, help="Print log-sigmoid, computed stably.")
@click.option("--compare", is_flag=True, help="Show softmax beside sigmoid, with both sums.")
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

    spec, output = input_spec(kwargs), output_spec(kwargs)
    if compare:
        skipped = sigmoid.compare_rows(spec, output, stdout_bytes())
    else:
        skipped = sigmoid.sigmoid_rows(spec, output, stdout_bytes(), log=log)
    report_skipped(skipped)
