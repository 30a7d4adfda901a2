"""compare's shard pairs: the i-th BASE shard with the i-th OTHER shard and the i-th
targets file; different counts are usage errors naming both."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from softmax_cli.errors import ArgumentError
from softmax_cli.io.sources import InputSpec
from softmax_cli.workflows.comparison.pairs import ShardPair, shard_pairs


def spec(*shards: str, stream: io.BytesIO | None = None) -> InputSpec:
    return InputSpec((), stream, None, None, None, False, False, tuple(shards))


def test_one_file_each_is_one_pair_as_given() -> None:
    base, other = spec("a.npy", stream=io.BytesIO()), spec(stream=io.BytesIO())
    assert shard_pairs(base, other, "t.npy") == [ShardPair(base, other, "t.npy")]


def test_shards_pair_by_position_with_their_targets(tmp_path: Path) -> None:
    for name in ("t2.npy", "t1.npy", "t3.npy"):
        (tmp_path / name).touch()
    pairs = shard_pairs(spec("b1", "b2", "b3"), spec("o1", "o2", "o3"), str(tmp_path / "t*.npy"))
    assert [(p.base.shards, p.other.shards) for p in pairs] == [
        (("b1",), ("o1",)),
        (("b2",), ("o2",)),
        (("b3",), ("o3",)),
    ]
    assert [p.targets for p in pairs] == [str(tmp_path / f"t{i}.npy") for i in (1, 2, 3)]
    assert all(p.base.stream is None and p.other.stream is None for p in pairs)


def test_shards_without_targets() -> None:
    assert [p.targets for p in shard_pairs(spec("b1", "b2"), spec("o1", "o2"), None)] == [
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("base", "other", "message"),
    [
        (spec("b1", "b2", "b3"), spec("o1", "o2"), "BASE names 3 files but OTHER names 2 files"),
        (spec(stream=io.BytesIO()), spec("o1", "o2"), "BASE names 1 file but OTHER names 2"),
        (spec("b1", "b2"), spec("o1", stream=io.BytesIO()), "BASE names 2 files but OTHER names 1"),
    ],
)
def test_counts_that_differ_name_both(base: InputSpec, other: InputSpec, message: str) -> None:
    with pytest.raises(ArgumentError, match=message) as raised:
        shard_pairs(base, other, None)
    assert raised.value.exit_code == 2


def test_targets_one_per_base_shard(tmp_path: Path) -> None:
    (tmp_path / "t1.npy").touch()
    with pytest.raises(ArgumentError, match="--targets names 1 file for 2 input shards"):
        shard_pairs(spec("b1", "b2"), spec("o1", "o2"), str(tmp_path / "t*.npy"))


def test_one_shard_from_a_glob_takes_its_targets_glob(tmp_path: Path) -> None:
    (tmp_path / "t1.npy").touch()
    base, other = spec("b1", stream=io.BytesIO()), spec("o1", stream=io.BytesIO())
    (pair,) = shard_pairs(base, other, str(tmp_path / "t*.npy"))
    assert pair.targets == str(tmp_path / "t1.npy")


def test_unopened_pair_is_read_by_name_quietly() -> None:
    pair = ShardPair(spec("b1", stream=io.BytesIO()), spec("o1", stream=io.BytesIO()), None)
    opened = pair.unopened()
    assert opened.base.stream is None and opened.base.shards == ("b1",) and opened.base.quiet
    assert opened.other.stream is None and opened.other.shards == ("o1",) and opened.other.quiet
