"""BASE and OTHER as pairs of shards: several files on each side are paired by their
sorted position (``io.shards.paths.expand_shards`` sorted them), each pair with its own
``--targets`` file; one file on each side (or stdin) is one pair, read as given."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from softmax_cli.errors import ArgumentError
from softmax_cli.io.shards.paths import targets_per_shard

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec


class ShardPair(NamedTuple):
    """Rows of ``base`` compared with the same rows of ``other``, the true classes in the
    file ``targets`` (or none)."""

    base: InputSpec
    other: InputSpec
    targets: str | None

    def unopened(self) -> ShardPair:
        """The pair as a worker opens it: by path, quietly (no open stream to send)."""
        return self._replace(base=_unopened(self.base), other=_unopened(self.other))


def shard_pairs(base: InputSpec, other: InputSpec, targets: str | None) -> list[ShardPair]:
    """The pairs to compare, in order. The i-th BASE shard goes with the i-th OTHER
    shard and the i-th file of a ``--targets`` glob.

    Raises ``ArgumentError`` (exit 2) when the sides name different numbers of files
    (stdin counts as one), and when ``--targets`` names a different number than BASE."""
    n_base, n_other = len(base.shards) or 1, len(other.shards) or 1
    if n_base != n_other:
        raise ArgumentError(
            f"BASE names {_files(n_base)} but OTHER names {_files(n_other)}: give as many "
            "OTHER shards as BASE shards, paired in sorted name order"
        )
    files: list[str | None] = [targets] * n_base
    if targets is not None and base.shards:
        files = list(targets_per_shard(base.shards, targets))
    if n_base == 1:
        return [ShardPair(base, other, files[0])]
    return [
        ShardPair(_shard(base, b), _shard(other, o), t)
        for b, o, t in zip(base.shards, other.shards, files, strict=True)
    ]


def _files(count: int) -> str:
    return f"{count} file{'s' * (count != 1)}"


def _shard(spec: InputSpec, path: str) -> InputSpec:
    """``spec`` for its shard at ``path`` alone, opened when it is read."""
    return spec._replace(stream=None, shards=(path,))


def _unopened(spec: InputSpec) -> InputSpec:
    return spec._replace(stream=None, quiet=True)
