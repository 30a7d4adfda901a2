"""Options that take a comma-separated list of names: ``--labels``, ``train --drop``."""

from __future__ import annotations

import click

from softmax_cli.io.text.names import first_duplicate


def split_labels(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    """``--labels dog,cat,boat`` → ``("dog", "cat", "boat")``: non-empty and unique
    (a name given twice would make two classes one, in JSON and in any lookup)."""
    if value is None:
        return None
    labels = tuple(label.strip() for label in value.split(","))
    if not all(labels):
        raise click.BadParameter("labels must be non-empty names separated by commas")
    duplicate = first_duplicate(labels)
    if duplicate is not None:
        earlier, repeat = duplicate
        raise click.BadParameter(
            f"{labels[repeat]!r} is given twice (names {earlier + 1} and {repeat + 1})"
        )
    return labels
