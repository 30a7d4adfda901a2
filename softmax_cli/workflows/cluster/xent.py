"""xent over shards: a map-reduce on an engine (a Dask cluster, or this process).

Each shard is scored on a worker by the code xent runs on one file, and reduced there to
its ``LossTotals``; the client adds them up in shard order (``LossTotals.plus``) and
writes the reduction as xent writes it. The sums are the single-process run's, added
in another order: the same result to rounding. Per-row scores (``--reduction none``)
are a row command: one file per shard, each the bytes xent writes for that shard alone.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from softmax_cli.io.shards.concatenated import skipped_in_all
from softmax_cli.workflows.calculator.xent import (
    LossResult,
    LossTotals,
    cross_entropy_rows,
    scored_chunks,
    write_reduced,
)
from softmax_cli.workflows.cluster.engine import Running
from softmax_cli.workflows.cluster.row_outputs import RowCall, shard_results
from softmax_cli.workflows.cluster.targeted_shards import (
    ShardFacts,
    TargetedShard,
    facts_of,
    joined,
    reading,
    targeted_shards,
)

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.calculator.loss_input import LossConfig
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.cluster.engine import EngineSpec


class ShardTotals(NamedTuple):
    """One shard's ``totals`` and ``facts``."""

    totals: LossTotals
    facts: ShardFacts


def reduce_shards(
    engine_spec: EngineSpec,
    spec: InputSpec,
    config: LossConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    target: str | None,
    target_column: str | None,
    targets: str | None,
    reduction: str,
) -> LossResult:
    """The ``reduction`` (``mean``, ``sum`` or ``perplexity``) of the losses of every
    shard of ``spec``, written as xent writes it; return the totals, for the summary,
    and what was skipped."""
    jobs = targeted_shards(spec, config, target, target_column, targets)
    with Running(engine_spec) as engine:
        parts = engine.map(shard_totals, jobs)
    skipped = joined(jobs, [part.facts for part in parts])
    totals = reduce(LossTotals.plus, (part.totals for part in parts))
    if totals.rows:
        write_reduced(totals, output, stdout, reduction)
    return LossResult(totals, skipped)


def shard_totals(job: TargetedShard) -> ShardTotals:
    """The totals of one shard's losses (a worker's task)."""
    totals = LossTotals(job.config.weights, job.config.base)
    with reading(job) as rows:
        if rows.source.n_columns is not None:
            for scored in scored_chunks(rows.source, job.config, rows.fixed_target):
                totals.add(scored)
    return ShardTotals(totals, facts_of(rows))


def scores_per_shard(
    engine_spec: EngineSpec,
    spec: InputSpec,
    config: LossConfig,
    output: OutputSpec,
    outputs: list[str],
    *,
    target: str | None,
    target_column: str | None,
    targets: str | None,
) -> LossResult:
    """Every shard's per-row scores into its file of ``outputs``; return the totals over
    all shards, for the summary, and what was skipped."""
    jobs = targeted_shards(spec, config, target, target_column, targets)
    commands = [
        RowCall(
            cross_entropy_rows,
            (),
            (config, output),
            {"target": target, "target_column": target_column, "targets": job.targets},
        )
        for job in jobs
    ]
    with Running(engine_spec) as engine:
        results: list[LossResult] = shard_results(engine, spec, commands, outputs)
    totals = reduce(LossTotals.plus, (result.totals for result in results))
    skipped = skipped_in_all([result.skipped for result in results], spec.shards)
    return LossResult(totals, skipped)
