"""``compare`` over shard pairs on an engine (a Dask cluster, or this process): each
pair is compared on a worker by the very code of the in-process run
(``comparison.compare.compare_pairs``), which returns its tally (the sums, and every
row's KL and Δp); the client adds the tallies in shard order and makes the report, so
that it is the single-process run's to rounding. With ``--rows`` each pair's rows go
to their own file, named after the BASE shard, as ``compare --rows`` writes them for
that pair alone."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, NamedTuple

from softmax_cli.core.comparison.tally import Tally, combined
from softmax_cli.workflows.cluster.engine import Running
from softmax_cli.workflows.cluster.row_outputs import output_paths, writing
from softmax_cli.workflows.comparison.compare import (
    CompareConfig,
    Comparison,
    compare_pairs,
    comparison,
)
from softmax_cli.workflows.comparison.pairs import ShardPair, shard_pairs

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.cluster.engine import EngineSpec


class PairJob(NamedTuple):
    """One pair's task: compare ``pair``; with ``config.rows``, write its rows in
    ``output``'s format into the file ``path``."""

    pair: ShardPair
    config: CompareConfig
    output: OutputSpec
    path: str | None = None


def compare_shards(
    engine: EngineSpec,
    base: InputSpec,
    other: InputSpec,
    config: CompareConfig,
    output: OutputSpec,
    output_dir: str | None,
) -> Comparison:
    """Compare the pairs of ``base`` and ``other`` on ``engine``, a task per pair; with
    ``config.rows`` the rows of each go into ``output_dir``. Return the report."""
    pairs = shard_pairs(base, other, config.targets)
    if engine.on_cluster:
        pairs = [pair.unopened() for pair in pairs]
    paths: list[str | None] = [None] * len(pairs)
    if config.rows:
        assert output_dir is not None
        paths = list(output_paths(base.shards, output_dir, output.fmt))
    jobs = [PairJob(pair, config, output, path) for pair, path in zip(pairs, paths, strict=True)]
    with Running(engine) as running:
        tallies = running.map(compare_pair, jobs)
    return comparison(combined(tallies), config, None)


def compare_pair(job: PairJob) -> Tally:
    """A worker's task: the pair's tally, its rows written first when asked for."""
    if job.path is None:
        counted, _ = compare_pairs([job.pair], job.config, job.output, io.BytesIO())
        return counted
    with writing(job.path) as out:
        counted, _ = compare_pairs([job.pair], job.config, job.output, out)
    return counted
