"""Input named by path: ``--input`` (and ``--targets``) take files, quoted globs and URLs;
several files are shards, read one after another or spread over a Dask cluster."""

from __future__ import annotations

import sys
from typing import BinaryIO, cast

import click

from softmax_cli.errors import ArgumentError

INPUT_HELP = (
    "CSV or .npy file(s) to read when no values are given ('-' is stdin). Repeat it or "
    "give a quoted glob ('logits/*.npy') for several shards, read in sorted name order "
    "as one input (CSV shards share a header). URLs go through fsspec."
)


def complete_paths(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of a path option taking globs: the shell's own file names."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir" if param.name == "output_dir" else "file")]


def input_files(
    ctx: click.Context, param: click.Parameter, patterns: tuple[str, ...]
) -> tuple[BinaryIO | None, tuple[str, ...]]:
    """``--input``'s values as ``(stream, shards)``: stdin and no shards for ``-``; one
    file opened (Click's message when it cannot be) with its path; several shards
    unopened (``stream`` is ``None``: each is opened when it is read)."""
    if not patterns or patterns == ("-",):
        return sys.stdin.buffer, ()
    if "-" in patterns:
        raise click.BadParameter("'-' (stdin) cannot be one of several inputs", ctx, param)
    from softmax_cli.io.shards.paths import expand_shards, is_url, open_shard

    try:
        shards = tuple(expand_shards(patterns))
    except ArgumentError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    if len(shards) > 1:
        return None, shards
    if is_url(shards[0]):
        return open_shard(shards[0]), shards
    return cast(BinaryIO, click.File("rb").convert(shards[0], param, ctx)), shards


def input_argument(
    ctx: click.Context, param: click.Parameter, pattern: str
) -> tuple[BinaryIO | None, tuple[str, ...]]:
    """An input file named as an argument (compare's BASE, OTHER): a path, a quoted glob
    or a URL, as ``(stream, shards)`` like ``input_files``; ``-`` is stdin."""
    return input_files(ctx, param, (pattern,))


def targets_files(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--targets``: a file that exists, or a quoted glob of one file per input shard
    (expanded and paired when the input is read)."""
    from softmax_cli.io.shards.paths import is_glob, is_url

    if value is None or is_glob(value) or is_url(value):
        return value
    return str(click.Path(exists=True, dir_okay=False).convert(value, param, ctx))
