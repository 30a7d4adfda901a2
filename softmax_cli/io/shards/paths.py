"""Shard paths: ``--input`` values (paths, quoted globs, fsspec URLs) expanded into the
sorted list of files they name, and each opened for reading.

A local path is opened with ``open``; a URL (``s3://...``, ``file://...``) goes through
fsspec, which Dask installs, so that workers on other machines read the same names.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import BinaryIO

from softmax_cli.errors import ArgumentError, SoftmaxError

GLOB_CHARACTERS = frozenset("*?[")


def is_url(path: str) -> bool:
    """``path`` names a file through an fsspec protocol (``s3://bucket/key``)."""
    return "://" in path


def is_glob(path: str) -> bool:
    return any(character in GLOB_CHARACTERS for character in path)


def expand_shards(patterns: Sequence[str]) -> list[str]:
    """The files ``patterns`` name, in sorted name order within each pattern and in the
    order the patterns were given: a glob is expanded (hidden files left out, as a shell
    does), a plain path is kept as it is (opening it says whether it exists).

    Raises ``ArgumentError`` (exit 2) for a glob that matches no file, and for a file
    named twice (its rows would count twice)."""
    shards: list[str] = []
    for pattern in patterns:
        if not is_glob(pattern):
            shards.append(pattern)
            continue
        matches = _url_glob(pattern) if is_url(pattern) else _local_glob(pattern)
        if not matches:
            raise ArgumentError(f"no file matches {pattern!r}")
        shards.extend(matches)
    seen: dict[str, str] = {}
    for shard in shards:
        # ./a.csv and a.csv (or a link to it) are one file: its rows would count twice
        key = shard if is_url(shard) else _real_path(shard)
        if key in seen:
            twice = repr(shard) if seen[key] == shard else f"{seen[key]!r} and {shard!r} name it"
            raise ArgumentError(f"a file is given twice ({twice}): each shard is read once")
        seen[key] = shard
    return shards


def _real_path(path: str) -> str:
    try:
        return os.path.realpath(os.path.expanduser(path))
    except ValueError:  # a NUL in the name
        raise ArgumentError(f"{path!r} is not a file name") from None


def targets_per_shard(shards: Sequence[str], targets: str) -> list[str]:
    """The targets file of each shard: ``targets`` (a path, or a glob expanded by
    ``expand_shards``) must name one file per shard, paired in sorted order.

    Raises ``ArgumentError`` (exit 2) when the counts differ."""
    try:
        files = expand_shards([targets])
    except ArgumentError as exc:
        raise ArgumentError(f"--targets: {exc}") from None
    if len(files) != len(shards):
        inputs = "one input" if len(shards) == 1 else f"{len(shards)} input shards"
        raise ArgumentError(
            f"--targets names {len(files)} file{'s' * (len(files) != 1)} for {inputs}: "
            "give one targets file per shard (a quoted glob), paired in sorted name order"
        )
    return files


def _local_glob(pattern: str) -> list[str]:
    expanded = os.path.expanduser(pattern)
    return sorted(path for path in glob.glob(expanded) if not os.path.isdir(path))


def _url_glob(pattern: str) -> list[str]:
    fsspec = _fsspec(pattern)
    protocol = pattern.split("://", 1)[0]
    try:
        filesystem, _, _ = fsspec.get_fs_token_paths(pattern)
        found = filesystem.glob(pattern.split("://", 1)[1], detail=True)
    except (OSError, ValueError, ImportError) as exc:
        raise ArgumentError(f"cannot list {pattern!r}: {exc}") from None
    # as a local glob: files only, and no hidden ones (.part files, .DS_Store)
    matches = sorted(
        name
        for name, info in found.items()
        if info.get("type") != "directory" and not name.rsplit("/", 1)[-1].startswith(".")
    )
    return [f"{protocol}://{match}" for match in matches]


def open_shard(path: str) -> BinaryIO:
    """``path`` opened for reading bytes: a local file, or through fsspec for a URL.

    Raises ``SoftmaxError`` (exit 1) naming the file when it cannot be opened."""
    try:
        if not is_url(path):
            return open(os.path.expanduser(path), "rb")
        return _fsspec(path).open(path, "rb").open()  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SoftmaxError(f"cannot read {path}: {reason}") from None


def shard_stem(path: str) -> str:
    """The shard's file name without folder and extension: ``logits/007.npy`` is ``007``."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    stem, dot, _ = base.rpartition(".")
    return stem if dot and stem else base


def _fsspec(path: str):  # type: ignore[no-untyped-def]
    try:
        import fsspec
    except ImportError:
        raise ArgumentError(
            f"{path!r} is a URL: reading one needs fsspec (pip install 'softmax-tool[dask]')"
        ) from None
    return fsspec
