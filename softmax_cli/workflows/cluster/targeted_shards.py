"""Shards of rows with targets, as xent and calibrate read them on a cluster: each shard
opened on a worker by the reader the command uses on one file, with the shard's own
``--targets`` file, its errors named after it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from softmax_cli.io.shards.concatenated import (
    check_same_columns,
    shard_stream,
    skipped_in_all,
)
from softmax_cli.io.shards.paths import targets_per_shard
from softmax_cli.workflows.calculator.loss_input import (
    LossConfig,
    TargetedRows,
    check_options,
    open_targeted_rows,
)

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import SkipReport


class TargetedShard(NamedTuple):
    """Shard ``path`` of an input, read as ``spec`` says (quiet, not yet opened), scored
    as ``config`` says against ``target``, a CSV column or this shard's ``targets`` file."""

    path: str
    spec: InputSpec
    config: LossConfig
    target: str | None
    target_column: str | None
    targets: str | None


def targeted_shards(
    spec: InputSpec,
    config: LossConfig,
    target: str | None,
    target_column: str | None,
    targets: str | None,
) -> list[TargetedShard]:
    """A job per shard of ``spec``; a ``targets`` glob names one file per shard. Options
    that cannot go together are usage errors here, before any worker reads a row."""
    check_options(spec, config, target, target_column, targets)
    own: Sequence[str | None] = [None] * len(spec.shards)
    if targets is not None:
        own = targets_per_shard(spec.shards, targets)
    quiet = spec._replace(stream=None, quiet=True)  # workers draw no bars, print no notes
    return [
        TargetedShard(path, quiet, config, target, target_column, shard_targets)
        for path, shard_targets in zip(spec.shards, own, strict=True)
    ]


@contextmanager
def reading(job: TargetedShard) -> Iterator[TargetedRows]:
    """The shard's rows and targets, open while the block runs; an error says the
    shard's name before its line and column."""
    with shard_stream(job.path) as stream:
        spec = job.spec._replace(stream=stream, shards=(job.path,))
        yield open_targeted_rows(spec, job.config, job.target, job.target_column, job.targets)


class ShardFacts(NamedTuple):
    """What the client needs to know of a shard it did not read: its header ``labels``,
    its width (``n_columns``, ``None`` when empty) and the rows it ``skipped``."""

    labels: list[str] | None
    n_columns: int | None
    skipped: SkipReport


def facts_of(rows: TargetedRows) -> ShardFacts:
    """The facts of a shard read to its end."""
    source = rows.source
    return ShardFacts(source.labels, source.n_columns, source.skipped)


def joined(jobs: Sequence[TargetedShard], facts: Sequence[ShardFacts]) -> SkipReport:
    """Check that the shards have the same columns, as one input must; return the rows
    skipped in all of them."""
    paths = [job.path for job in jobs]
    check_same_columns(paths, [f.labels for f in facts], [f.n_columns for f in facts])
    return skipped_in_all([f.skipped for f in facts], paths)
