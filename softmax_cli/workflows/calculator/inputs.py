"""Opening the rows a command reads, with a progress bar on stderr for long inputs.

The bar appears only when stderr is a terminal, the input is a stream (not values given
as arguments), ``-q`` was not given, and reading has taken more than about a second. It
shows the bytes read of a file whose size is known (else the rows read) and the rows
per second; it is gone when reading ends. Nothing of it goes to stdout.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from softmax_cli.io.sources import open_rows
from softmax_cli.workflows.calculator.class_scores import SUM_TOLERANCE

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import Chunk, RowRule, RowSource, SkipReport
    from softmax_cli.io.targets.parser import TargetFileSpec, TargetSpec

SHOW_AFTER = 1.0  # seconds of reading before the bar appears


PROBABILITIES_NOTE = (
    "note: the inputs look like probabilities (every value in [0, 1], every row summing "
    "to 1), but they are read as logits; --probs reads them as probabilities\n"
)


def open_input(
    spec: InputSpec,
    rule: RowRule | None = None,
    target: TargetSpec | None = None,
    targets_file: TargetFileSpec | None = None,
    *,
    as_logits: bool = False,
) -> RowSource:
    """``io.sources.open_rows``, watched by a progress bar when one is wanted. With
    ``as_logits`` (a command that has ``--probs``, run without it), a first block of
    rows that are already distributions gets a note on stderr (unless ``-q``): a second
    softmax of them is seldom what was meant. The results are not changed."""
    source = watched(open_rows(spec, rule, target, targets_file), spec)
    return ProbabilitiesNoted(source) if as_logits and not spec.quiet else source


class PassingRows:
    """A ``RowSource`` that hands on the rows of ``source``, and what it knows of them;
    a subclass does something on the way."""

    def __init__(self, source: RowSource) -> None:
        self.source = source
        self.labels = source.labels
        self.n_columns = source.n_columns
        self.n_rows = source.n_rows

    @property
    def skipped(self) -> SkipReport:
        return self.source.skipped

    def __iter__(self) -> Iterator[Chunk]:
        return iter(self.source)


class ProbabilitiesNoted(PassingRows):
    """A ``RowSource`` that notes on stderr, once, when its first block looks like
    probabilities (``core.calculator.activations.looks_like_probabilities``)."""

    def __iter__(self) -> Iterator[Chunk]:
        from softmax_cli.core.calculator.activations import looks_like_probabilities

        chunks = iter(self.source)
        for chunk in chunks:
            if looks_like_probabilities(chunk.values, SUM_TOLERANCE):
                sys.stderr.write(PROBABILITIES_NOTE)
                sys.stderr.flush()
            yield chunk
            break
        yield from chunks


def watched(source: RowSource, spec: InputSpec) -> RowSource:
    """``source`` as it is, or with its reading shown on stderr (see the module); with
    ``--skip-invalid``, checked for having had a good row."""
    if not (spec.quiet or spec.from_arguments or not sys.stderr.isatty()):
        source = Watched(source, spec.stream)
    return SomeRowsLeft(source) if spec.skip_invalid else source


class SomeRowsLeft(PassingRows):
    """A ``RowSource`` whose end, when ``--skip-invalid`` skipped every row, is a data
    error: no good row is no result. An input with no rows at all is still fine."""

    def __iter__(self) -> Iterator[Chunk]:
        rows = 0
        for chunk in self.source:
            rows += len(chunk.values)
            yield chunk
        if not rows and self.skipped.count:
            raise self.skipped.nothing_left()


class Watched(PassingRows):
    """A ``RowSource`` whose chunks pass through a progress display on stderr."""

    def __init__(self, source: RowSource, stream: BinaryIO | None) -> None:
        super().__init__(source)
        self.stream = stream

    def __iter__(self) -> Iterator[Chunk]:
        began = time.monotonic()
        display = None
        rows = 0
        try:
            for chunk in self.source:
                rows += len(chunk.values)
                if display is None and time.monotonic() - began > SHOW_AFTER:
                    from softmax_cli.render.progress import ReadProgress

                    display = ReadProgress(_file_size(self.stream), began)
                if display is not None:
                    display.update(_position(self.stream), rows)
                yield chunk
        finally:
            if display is not None:
                display.stop()


def _file_size(stream: BinaryIO | None) -> int | None:
    """The size of a regular file behind ``stream``, else ``None`` (a pipe)."""
    if stream is None:
        return None
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) and info.st_size else None


def _position(stream: BinaryIO | None) -> int | None:
    if stream is None:
        return None
    try:
        return stream.tell()
    except (OSError, ValueError, AttributeError):
        return None
