"""calibrate over shards: each shard read once on a worker, then a map-reduce per T.

The fit sees the rows only through sums over them (``core.calibration_sums``). So each
shard is read once, where it lands, through the checks calibrate makes on one input,
into its shifted scores, which stay in that worker's memory (``Engine.load``). Every
temperature the fit tries is then one small task per shard, ``nll_sums`` of its scores,
and the client adds the shards' ``NllSums`` with ``plus``; the metrics before and after
likewise with ``MetricSums.plus``. The scores are those the single-process run holds,
so T and the report are its own, to rounding. A worker lost mid-fit is Dask's to
handle: it reads the lost shards again from their files.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from softmax_cli.core.calculator.calibration import calibrate_by
from softmax_cli.core.calculator.calibration_sums import (
    NO_ROWS,
    MetricSums,
    NllSums,
    Scores,
    metric_sums,
    nll_sums,
    shifted_scores,
)
from softmax_cli.workflows.calculator.calibrate import collect_rows, write_report
from softmax_cli.workflows.calculator.calibration_input import check_enough_rows
from softmax_cli.workflows.cluster.engine import Running
from softmax_cli.workflows.cluster.targeted_shards import (
    ShardFacts,
    TargetedShard,
    facts_of,
    joined,
    reading,
    targeted_shards,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from softmax_cli.core.calculator.calibration import Calibration
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import SkipReport
    from softmax_cli.workflows.calculator.loss_input import LossConfig
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.cluster.engine import Engine, EngineSpec


class LoadedShard(NamedTuple):
    """A shard's ``scores`` (``None`` when it has no rows to fit on), kept on the worker
    that read it, its number of ``rows`` and its ``facts``."""

    scores: Scores | None
    rows: int
    facts: ShardFacts


def calibrate_shards(
    engine_spec: EngineSpec,
    spec: InputSpec,
    config: LossConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    *,
    target: str | None,
    target_column: str | None,
    targets: str | None,
    n_bins: int,
    plot: str | None,
) -> tuple[Calibration, SkipReport]:
    """Fit T on every shard of ``spec`` on the engine ``engine_spec`` names, and write
    the report (and the ``plot``) here, as calibrate does; return the result and what
    was skipped."""
    jobs = targeted_shards(spec, config, target, target_column, targets)
    with Running(engine_spec) as engine:
        result, skipped = calibrate_on(engine, jobs, n_bins)
    write_report(result, config, output, stdout, plot)
    return result, skipped


def calibrate_on(
    engine: Engine, jobs: Sequence[TargetedShard], n_bins: int
) -> tuple[Calibration, SkipReport]:
    """Load every shard once on ``engine``, fit T and measure before and after from the
    shards' sums; the loaded scores are released at the end."""
    handles = engine.load(load_shard, jobs)
    try:
        shards = engine.map(shard_size, handles)
        skipped = joined(jobs, [facts for _, facts in shards])
        check_enough_rows(sum(rows for rows, _ in shards), skipped)

        def evaluate(temperature: float) -> NllSums:
            return reduce(NllSums.plus, engine.map(shard_nll, handles, temperature), NO_ROWS)

        def metrics_at(temperature: float) -> MetricSums:
            parts = engine.map(shard_metrics, handles, temperature, n_bins)
            return reduce(MetricSums.plus, parts, MetricSums.empty(n_bins))

        return calibrate_by(evaluate, metrics_at), skipped
    finally:
        engine.release(handles)


def load_shard(job: TargetedShard) -> LoadedShard:
    """A shard's rows as the in-memory fit holds them: log-probabilities per class,
    shifted by each row's maximum (a worker's task; its result stays there)."""
    with reading(job) as rows:
        log_probs, classes = collect_rows(
            rows.source, job.config, rows.fixed_target, job.spec.skip_invalid
        )
    scores = shifted_scores(log_probs, classes, copy=False) if len(classes) else None
    return LoadedShard(scores, len(classes), facts_of(rows))


def shard_size(shard: LoadedShard) -> tuple[int, ShardFacts]:
    """A loaded shard's rows and facts, without its scores (a worker's task)."""
    return shard.rows, shard.facts


def shard_nll(shard: LoadedShard, temperature: float) -> NllSums:
    """The NLL's sums over a loaded shard at ``temperature`` (a worker's task)."""
    return NO_ROWS if shard.scores is None else nll_sums(shard.scores, temperature)


def shard_metrics(shard: LoadedShard, temperature: float, n_bins: int) -> MetricSums:
    """The metrics' sums over a loaded shard at ``temperature`` (a worker's task)."""
    if shard.scores is None:
        return MetricSums.empty(n_bins)
    return metric_sums(shard.scores, temperature, n_bins)
