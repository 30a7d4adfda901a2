"""The ``stats`` command: how sure each distribution is."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import row_engine_options, row_plan, run_per_shard
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    base_option,
    input_options,
    output_options,
    probs_option,
    renormalize_option,
    report_skipped,
    stdout_bytes,
    temperature_option,
)


@click.command("stats", cls=NumbersCommand)
@input_options
@output_options
@temperature_option
@probs_option
@renormalize_option
@base_option
@click.option(
    "-k",
    "--top-k",
    "top",
    type=click.IntRange(min=1),
    metavar="K",
    help="Add the K most probable classes, each with its probability.",
)
@row_engine_options
def stats_command(
    temperature: float,
    probs: bool,
    renormalize: bool,
    base: str,
    top: int | None,
    **kwargs: Any,
) -> None:
    """How sure each row is: entropy, perplexity, margin, top-k.

    Reads logits (or probabilities with --probs) as softmax does: one vector as
    arguments, or CSV rows on stdin or from --input. Writes per row the entropy
    -sum p ln p (in bits with --base 2), the perplexity exp(entropy in nats), the
    largest probability, the margin between the top two and the most probable
    class (argmax). A table on a terminal, with the means under it; CSV in a pipe,
    streamed in constant memory.

    \b
    Examples:
      softmax stats 0.7 1.5 4.8
      softmax stats --probs -k 2 --labels a,b,c 0.5,0.3,0.2
      cat logits.csv | softmax stats --format csv | head
    """
    from softmax_cli.workflows.calculator.class_scores import ScoreInput
    from softmax_cli.workflows.calculator.stats import StatsConfig, stats_rows

    plan = row_plan(kwargs)
    spec, output = plan.spec, plan.output
    config = StatsConfig(ScoreInput(probs, renormalize, temperature), base, top or 0)
    if plan.outputs is not None:
        from softmax_cli.workflows.cluster.row_outputs import RowCall

        run_per_shard(plan, lambda _: RowCall(stats_rows, (), (config, output)))
        return
    report_skipped(stats_rows(spec, config, output, stdout_bytes()))
