"""Each row's true class from a file of its own (``--targets FILE``), read in blocks.

Two kinds, told apart by their first bytes, as row input is: a 1-D ``.npy`` array of any
integer dtype, whose entries are 0-based class indices; or text with one class label or
0-based index per line (a label first, as in a target column), blank and ``#`` lines
skipped. Either is read a block at a time, so memory stays bounded however many targets
there are; an ``.npy`` header's count is checked against the file's size before anything
is read from it.

A target that is no class is not an error here: its block marks it and holds the message
(naming its line, or its 1-based row in an array), for whoever pairs it with a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.errors import DataError
from softmax_cli.io.formats import npy
from softmax_cli.io.shards.paths import open_shard
from softmax_cli.io.streaming.blocks import BLOCK_SIZE, NOT_UTF8, line_blocks, numbered_lines
from softmax_cli.io.targets.parser import TargetParser
from softmax_cli.io.text.cells import parse_numeric_block

if TYPE_CHECKING:
    from typing import Any

    import numpy.typing as npt

    from softmax_cli.arraytypes import BoolArray, IntArray

NPY_BLOCK_BYTES = 1 << 20  # targets read at a time from an array: 131,072 int64 values
BAD = -1  # the class index of a target that is no class


class TargetBlock(NamedTuple):
    """Consecutive targets: ``indices``, shape ``(n,)``, each a class index or ``BAD``;
    ``places``, where each one is in the file (its line, or its 1-based row in an array);
    and ``problems``, a message for each ``BAD`` one, by its position in the block."""

    indices: IntArray
    places: IntArray
    problems: dict[int, str]


class TargetFile:
    """The targets in the file at ``path``: ``count`` (known up front for an array, else
    ``None``), ``unit`` (what ``places`` count: ``"line"`` or ``"row"``), and ``blocks()``.
    Targets become class indices through ``parser``. Use it as a context manager."""

    def __init__(self, path: str, parser: TargetParser) -> None:
        self.path = path
        self.parser = parser
        self._file: BinaryIO = open_shard(path)  # a URL too, as the input; closed by __exit__
        try:
            is_array, self._stream = npy.sniff(self._file)
            self.unit = "row" if is_array else "line"
            self.count: int | None = None
            if is_array:
                self._dtype, self.count = self._read_header()
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> TargetFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def name(self) -> str:
        """How messages name the file."""
        return f"--targets {self.path}"

    def blocks(self) -> Iterator[TargetBlock]:
        """The targets in order, a block at a time."""
        return self._array_blocks() if self.count is not None else self._text_blocks()

    def _read_header(self) -> tuple[np.dtype, int]:
        """The dtype and count of a 1-D integer array, checked against the file's size."""
        self._stream.read(len(npy.MAGIC))
        try:
            dtype, shape = npy.read_header(self._stream, kinds="iu")
        except DataError as exc:
            raise DataError(f"{self.name()}: {exc}") from None
        if len(shape) != 1:
            raise DataError(
                f"{self.name()}: the .npy array has shape {shape}; "
                "a 1-D array of class indices is needed"
            )
        count = shape[0]
        available = npy.bytes_left(self._file)
        if available is not None and count * dtype.itemsize > available:
            raise DataError(
                f"{self.name()}: the .npy header announces {count} targets "
                f"({count * dtype.itemsize} bytes) but the file holds {available} bytes of data"
            )
        return dtype, count

    def _array_blocks(self) -> Iterator[TargetBlock]:
        assert self.count is not None
        per_block = max(1, NPY_BLOCK_BYTES // self._dtype.itemsize)
        for start in range(0, self.count, per_block):
            size = min(per_block, self.count - start) * self._dtype.itemsize
            data = self._stream.read(size)
            if len(data) != size:
                found = start + len(data) // self._dtype.itemsize
                raise DataError(
                    f"{self.name()}: the .npy data end early, after {found} of {self.count} targets"
                )
            values = np.frombuffer(data, dtype=self._dtype)
            indices, bad = _class_indices(values, self.parser)
            problems = {
                int(i): self.parser.describe(str(int(values[i]))) for i in np.flatnonzero(bad)
            }
            places = np.arange(start + 1, start + len(values) + 1, dtype=np.int64)
            yield TargetBlock(indices, places, problems)

    def _text_blocks(self) -> Iterator[TargetBlock]:
        for start, block in line_blocks(self._stream, BLOCK_SIZE):
            numbers = None
            if self.parser.numbers_are_indices:
                numbers = parse_numeric_block(block, ",", 1)  # None unless every line is one
            if numbers is not None:
                indices, bad = _class_indices(numbers[:, 0], self.parser)
                places = np.arange(start, start + len(indices), dtype=np.int64)
                problems = {
                    int(i): self.parser.describe(_cell(float(numbers[i, 0])))
                    for i in np.flatnonzero(bad)
                }
            else:
                indices, places, problems = self._parse_lines(numbered_lines(start, block))
            if len(indices):
                yield TargetBlock(indices, places, problems)

    def _parse_lines(
        self, numbered: list[tuple[int, str | None]]
    ) -> tuple[IntArray, IntArray, dict[int, str]]:
        """Line by line: a label, else an index; each one that is neither a problem."""
        indices = np.full(len(numbered), BAD, dtype=np.intp)
        problems = {}
        for position, (_, text) in enumerate(numbered):
            if text is None:
                problems[position] = NOT_UTF8
                continue
            try:
                indices[position] = self.parser.parse(text)
            except ValueError as exc:
                problems[position] = str(exc)
        places = np.array([line for line, _ in numbered], dtype=np.int64)
        return indices, places, problems


def _class_indices(values: npt.NDArray[Any], parser: TargetParser) -> tuple[IntArray, BoolArray]:
    """Integer or float values as class indices (``BAD`` where they are none), and the
    mask of the bad ones."""
    if values.dtype.kind == "f":
        good = ~parser.find_bad(values)
    elif values.dtype.kind == "u":
        good = values < np.uint64(parser.n_classes)  # no cast: a uint64 may exceed int64
    else:
        good = (values >= 0) & (values.astype(np.int64) < parser.n_classes)
    indices = np.where(good, values, 0).astype(np.intp)
    indices[~good] = BAD
    return indices, ~good


def _cell(value: float) -> str:
    """A number read from a text line, as the user probably typed it."""
    return str(int(value)) if value.is_integer() else repr(value)
