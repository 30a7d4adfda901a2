"""Row commands over shards: one output file per shard in ``--output-dir``.

Each shard is read and written by the very function the command runs on one file, so
its output file is byte for byte what ``softmax CMD --input SHARD > FILE`` writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from softmax_cli.errors import ArgumentError
from softmax_cli.io.shards.concatenated import shard_stream, skipped_in_all
from softmax_cli.io.shards.paths import is_url, shard_stem
from softmax_cli.io.streaming.rows import SkipReport

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.cluster.engine import Engine


class RowCall(NamedTuple):
    """A row command's workflow function with its other arguments:
    ``function(*before, spec, *after, stdout, **keywords)``. It returns what
    ``--skip-invalid`` skipped, or a result that carries it as ``skipped``
    (``skipped_by``)."""

    function: Callable[..., Any]
    before: tuple[Any, ...] = ()
    after: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}  # noqa: RUF012 - never changed

    def __call__(self, spec: InputSpec, stdout: BinaryIO) -> Any:
        return self.function(*self.before, spec, *self.after, stdout, **self.keywords)


def skipped_by(result: Any) -> SkipReport:
    """What a ``RowCall``'s ``result`` says ``--skip-invalid`` skipped."""
    return result if isinstance(result, SkipReport) else result.skipped


EXTENSIONS = {"csv": ".csv", "tsv": ".tsv", "json": ".jsonl", "npy": ".npy"}


class ShardJob(NamedTuple):
    """Shard ``path`` of the input, read as ``spec`` says, run through ``command`` into
    the file ``output``."""

    path: str
    spec: InputSpec
    command: RowCall
    output: str


def output_paths(shards: Sequence[str], output_dir: str, fmt: str) -> list[str]:
    """``DIR/STEM.EXT`` for every shard: its stem and the format's extension.

    Raises ``ArgumentError`` (exit 2) for two shards with the same stem, for a table
    format, and for a folder that is not there."""
    if fmt not in EXTENSIONS:
        raise ArgumentError(f"--output-dir writes files: use --format {'/'.join(EXTENSIONS)}")
    if not is_url(output_dir) and not os.path.isdir(output_dir):
        raise ArgumentError(f"--output-dir {output_dir!r} is not a folder")
    separator = "" if output_dir.endswith("/") else "/"
    shard_of: dict[str, str] = {}
    outputs = []
    for shard in shards:
        stem = shard_stem(shard)
        if stem in shard_of:
            raise ArgumentError(f"{shard_of[stem]} and {shard} would both write {stem}: rename one")
        shard_of[stem] = shard
        outputs.append(f"{output_dir}{separator}{stem}{EXTENSIONS[fmt]}")
    for shard, output in zip(shards, outputs, strict=True):
        if _same_file(shard, output):
            raise ArgumentError(
                f"--output-dir would write {output} over the input shard {shard}: give "
                "another folder"
            )
    return outputs


def _same_file(shard: str, output: str) -> bool:
    """``output`` is the local file ``shard`` (writing it would lose the input)."""
    if is_url(shard) or is_url(output):
        return False
    try:
        return os.path.samefile(os.path.expanduser(shard), output)
    except (OSError, ValueError):  # one of them is not there, or no name (a NUL in it)
        return False


def write_per_shard(
    engine: Engine, spec: InputSpec, commands: Sequence[RowCall], outputs: Sequence[str]
) -> SkipReport:
    """Run ``commands[i]`` on shard i of ``spec`` into ``outputs[i]``, on ``engine``;
    return the rows skipped in all shards."""
    results = shard_results(engine, spec, commands, outputs)
    return skipped_in_all([skipped_by(result) for result in results], spec.shards)


def shard_results(
    engine: Engine, spec: InputSpec, commands: Sequence[RowCall], outputs: Sequence[str]
) -> list[Any]:
    """Run ``commands[i]`` on shard i of ``spec`` into ``outputs[i]``, on ``engine``;
    return what each returned, in shard order."""
    quiet = spec._replace(stream=None, quiet=True)  # workers draw no bars, print no notes
    jobs = [
        ShardJob(path, quiet, command, output)
        for path, command, output in zip(spec.shards, commands, outputs, strict=True)
    ]
    return engine.map(run_shard_job, jobs)


def run_shard_job(job: ShardJob) -> Any:
    """One shard's output file, written whole or not at all (a worker's task); what the
    command returned."""
    with shard_stream(job.path) as stream, writing(job.output) as out:
        return job.command(job.spec._replace(stream=stream, shards=(job.path,)), out)


def writing(path: str):  # type: ignore[no-untyped-def]
    """A binary stream writing the file at ``path``: a local one replaced whole, a URL
    through fsspec."""
    if is_url(path):
        import fsspec

        return fsspec.open(path, "wb")
    from softmax_cli.io.named_file import replacing

    return replacing(path)
