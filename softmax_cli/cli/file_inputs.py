"""Input files named as arguments (compare's BASE and OTHER) rather than ``--input``:
how they are read, and the ``InputSpec`` of each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

# The very decorators of input_options, so that BASE and OTHER read CSV as --input does.
from softmax_cli.cli.options import F, _apply, _input_decorators

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec


def file_format_options(command: F) -> F:
    """How input files named as arguments are read (compare): the CSV delimiter, a
    header, class labels, and ``-q``; no values, ``--input`` or ``--skip-invalid``."""
    decorators = _input_decorators(
        header_help="Treat the first row as class labels (default: when it is not numeric).",
        labels_help="Class names, one per column (overrides a header row).",
    )
    delimiter, header, labels, _skip, quiet = decorators[2:]
    return _apply(command, [delimiter, header, labels, quiet])


def file_spec(
    kwargs: dict[str, Any], stream: BinaryIO | None, shards: tuple[str, ...] = ()
) -> InputSpec:
    """An ``InputSpec`` for a file named as an argument, from ``file_format_options``'
    values (left in ``kwargs``, for the next file): ``stream`` open, or ``None`` for
    several ``shards`` (the paths it names; none for stdin)."""
    from softmax_cli.io.sources import InputSpec

    return InputSpec(
        values=(),
        stream=stream,
        delimiter=kwargs["delimiter"],
        header=kwargs["header"],
        labels=kwargs["labels"],
        skip_invalid=False,
        quiet=kwargs["quiet"],
        shards=shards,
    )
