"""The ``sample`` command: draw classes with temperature, top-k, top-p and min-p."""

from __future__ import annotations

from typing import Any

import click

from softmax_cli.cli.engine_options import row_engine_options, row_plan, run_per_shard
from softmax_cli.cli.group import NumbersCommand
from softmax_cli.cli.options import (
    chosen_seed,
    input_options,
    output_options,
    probs_option,
    renormalize_option,
    report_skipped,
    stdout_bytes,
    temperature_option,
)
from softmax_cli.cli.ranges import MAX_DRAWS_PER_ROW, FloatRange

ZERO_TO_ONE = FloatRange(0, 1, min_open=True)  # (0, 1]


@click.command("sample", cls=NumbersCommand)
@input_options
@output_options
@temperature_option
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    metavar="K",
    help="Keep the K most probable classes (ties: lower index).",
)
@click.option(
    "--top-p",
    type=ZERO_TO_ONE,
    metavar="P",
    help="Keep the fewest most probable classes whose sum reaches P.",
)
@click.option(
    "--min-p", type=ZERO_TO_ONE, metavar="P", help="Keep the classes with p >= P * max p."
)
@click.option(
    "-n",
    "--num-samples",
    "n_draws",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Draws per row: any number for values given as arguments (written as they are "
    f"drawn), at most {MAX_DRAWS_PER_ROW:,} for rows read from input (each draw is a column).",
)
@click.option(
    "--with-prob", is_flag=True, help="Add each drawn class's probability after filtering."
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    help="The same seed gives the same draws. [default: random, printed]",
)
@probs_option
@renormalize_option
@row_engine_options
def sample_command(
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    min_p: float | None,
    n_draws: int,
    with_prob: bool,
    seed: int | None,
    probs: bool,
    renormalize: bool,
    **kwargs: Any,
) -> None:
    """Draw classes from softmax(z / T) with top-k, top-p and min-p.

    Reads logits (or probabilities with --probs) as softmax does. Applies, in this
    order, the temperature, top-k, top-p and min-p, each to what the one before kept,
    renormalised; then draws. Values given as arguments print one drawn class per
    line (-n lines); CSV rows give one output row per input row, with a sample
    column (sample_1 ... sample_N for -n N). Without --seed a seed is chosen and
    printed on stderr. With --output-dir, shard i (0-based, in sorted name order)
    draws with seed (SEED + i) mod 2^32: the file that sample --seed of that value
    writes for the shard alone, however many workers run.

    \b
    Examples:
      softmax sample --seed 1 -n 5 --labels a,b,c 0.7 1.5 4.8
      softmax sample -t 0.7 --top-k 40 --top-p 0.95 --seed 7 2 1 0.5 0 -1
      cat logits.csv | softmax sample --min-p 0.1 --with-prob --seed 3 | head
    """
    from softmax_cli.core.calculator.sampling import Filters
    from softmax_cli.workflows.calculator.class_scores import ScoreInput
    from softmax_cli.workflows.calculator.sample import SampleConfig, sample_rows, shard_seed

    plan = row_plan(kwargs)
    spec, output = plan.spec, plan.output
    if n_draws > MAX_DRAWS_PER_ROW and not spec.from_arguments:
        raise click.BadParameter(
            f"{n_draws} draws per row read from input is more than the {MAX_DRAWS_PER_ROW} "
            "allowed (each is a column; values given as arguments take any number)",
            param_hint="'-n' / '--num-samples'",
        )
    scores = ScoreInput(probs, renormalize, temperature)
    config = SampleConfig(scores, Filters(top_k, top_p, min_p), n_draws, with_prob)
    if plan.outputs is not None:
        from functools import partial

        from softmax_cli.workflows.cluster.row_outputs import RowCall

        first = chosen_seed(seed, spec.quiet)

        def shard_call(index: int) -> RowCall:
            return RowCall(
                sample_rows, (), (config, partial(int, shard_seed(first, index)), output)
            )

        run_per_shard(plan, shard_call)
        return
    skipped = sample_rows(
        spec, config, lambda: chosen_seed(seed, spec.quiet), output, stdout_bytes()
    )
    report_skipped(skipped)
