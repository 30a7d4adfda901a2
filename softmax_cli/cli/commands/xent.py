"""The ``xent`` command: cross-entropy of logits or probabilities against targets."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import reduction_plan, row_engine_options
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    base_option,
    check_target_options,
    input_options,
    output_options,
    probability_options,
    report_skipped,
    stdout_bytes,
    target_options,
)
from softmax_cli.cli.ranges import FloatRange


def _parse_weights(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, ...] | None:
    """``--weights 1,2,0.5`` → ``(1.0, 2.0, 0.5)``: finite, non-negative, not all zero."""
    if value is None:
        return None
    weights = []
    for index, cell in enumerate(value.split(","), start=1):
        try:
            weight = float(cell)
        except ValueError:
            raise click.BadParameter(f"weight {index}: {cell.strip()!r} is not a number") from None
        if not 0 <= weight < float("inf"):
            raise click.BadParameter(f"weight {index}: must be finite and >= 0, got {cell.strip()}")
        weights.append(weight)
    if not any(weights):
        raise click.BadParameter("at least one weight must be positive")
    return tuple(weights)


@click.command("xent", cls=NumbersCommand)
@input_options
@output_options
@target_options
@click.option(
    "--label-smoothing",
    type=FloatRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    metavar="E",
    help="Target mass 1-E on the true class plus E/K spread over all K classes (PyTorch).",
)
@click.option(
    "--weights",
    callback=_parse_weights,
    metavar="W1,W2,...",
    help="Per-class weights; the mean then divides by the sum of the targets' weights.",
)
@probability_options
@base_option
@click.option(
    "--reduction",
    type=click.Choice(["none", "mean", "sum", "perplexity"]),
    default="none",
    show_default=True,
    help="Per-row losses, or one number: their (weighted) mean or sum, or the perplexity, "
    "exp of the mean in nats.",
)
@row_engine_options
def xent_command(
    target: str | None,
    target_column: str | None,
    targets_file: str | None,
    probs: bool,
    binary: bool,
    label_smoothing: float,
    weights: tuple[float, ...] | None,
    clip: float | None,
    renormalize: bool,
    base: str,
    reduction: str,
    **kwargs: Any,
) -> None:
    """Cross-entropy: -log p(target), with p = softmax(logits).

    Give one vector as arguments with --target, or CSV rows whose target class is in a
    column (--target-column; by default a header column named target, label, class or y), or rows
    (CSV or .npy) whose targets are in a file of their own, one per row in order
    (--targets: a 1-D integer .npy, or one label or index per line). Target cells and
    --target are class labels or 0-based indices. Output per row: loss, target_prob,
    target, predicted; in machine formats a summary (rows, mean loss, perplexity,
    accuracy) goes to stderr. --reduction mean|sum|perplexity prints one number instead,
    on a terminal too; the perplexity is exp of the (weighted) mean loss in nats, whatever
    --base. Several input files (a quoted glob) are one input; with --workers or
    --scheduler the reduction is summed over them on a Dask cluster, and per-row losses
    go to a file per input file in --output-dir.

    \b
    Examples:
      softmax xent --target airplane --labels dog,cat,boat,airplane -3.44 1.16 -0.81 3.91
      softmax xent --binary --target 1 2.5
      softmax xent --probs --target 0 0.9,0.05,0.05
      cat scored.csv | softmax xent --target-column label --reduction mean
      softmax xent -i logits.npy --targets tokens.npy --reduction perplexity
    """
    check_target_options(target, target_column, targets_file)
    from softmax_cli.workflows.calculator.loss_input import LossConfig
    from softmax_cli.workflows.calculator.xent import cross_entropy_rows

    plan = reduction_plan(kwargs, reduction)
    spec, output = plan.spec, plan.output
    config = LossConfig(probs, binary, label_smoothing, weights, clip, renormalize, base)
    targeting = {"target": target, "target_column": target_column, "targets": targets_file}
    if plan.outputs is not None:
        from softmax_cli.workflows.cluster.xent import scores_per_shard

        result = scores_per_shard(plan.engine, spec, config, output, plan.outputs, **targeting)
    elif plan.engine.on_cluster:
        from softmax_cli.workflows.cluster.xent import reduce_shards

        result = reduce_shards(
            plan.engine, spec, config, output, stdout_bytes(), **targeting, reduction=reduction
        )
    else:
        result = cross_entropy_rows(
            spec, config, output, stdout_bytes(), **targeting, reduction=reduction
        )
    totals = result.totals
    if totals.rows and not spec.quiet and not output.is_table:
        click.echo(f"xent: {totals.summary(config.unit, output.precision)}", err=True)
    warning = totals.warning(probs)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    report_skipped(result.skipped)
