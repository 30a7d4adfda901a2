"""NumPy ``.npy`` arrays in and out, in constant memory, never unpickled.

In: a 2-D float array is rows (one sample per row), a 1-D one a single vector. Only the
header is parsed as a whole (NumPy's own header reader, a literal evaluator); the data are
read in chunks of rows. Any other dtype or shape, an object (pickled) array among them, is
a ``DataError``, and its data are never read.

Out: a float64 C-ordered array. Its header holds the row count, so it is written first
when the count is known (values given as arguments, or ``.npy`` input), else written
with room to spare and fixed up at the end, which needs a seekable output (a file).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, BinaryIO

import numpy as np

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.streaming.rows import Chunk, RowGate, RowRule, SkipReport

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray, IntArray

MAGIC = b"\x93NUMPY"
CHUNK_BYTES = 1 << 20  # rows read at a time: about 13,000 rows of 10 float64 values
# Wide rows (a vocabulary's logits, 200 kB to 2 MB each) would make chunks of a row or
# a few, and every chunk costs some fixed work downstream: up to this many rows are read
# at a time as long as they fit in WIDE_CHUNK_BYTES, which bounds memory for any width.
WIDE_CHUNK_ROWS = 32
WIDE_CHUNK_BYTES = 8 << 20
_HEADER_ALIGNMENT = 64  # NumPy pads headers so that the data start on this boundary


class PrefixedStream:
    """A binary stream whose first bytes were already read to look at (the magic), put
    back in front of the rest."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.read(size)
        head = self._prefix if size < 0 else self._prefix[:size]
        self._prefix = self._prefix[len(head) :]
        rest = size - len(head) if size >= 0 else -1
        return head + (self._stream.read(rest) if rest else b"")

    def isatty(self) -> bool:
        return self._stream.isatty()

    def tell(self) -> int:
        return self._stream.tell() - len(self._prefix)

    def fileno(self) -> int:
        return self._stream.fileno()


def sniff(stream: BinaryIO) -> tuple[bool, BinaryIO]:
    """Whether ``stream`` holds an ``.npy`` array, and the stream to read it from, the
    bytes looked at put back (so looking again gives the same answer)."""
    head = stream.read(len(MAGIC))
    return head == MAGIC, PrefixedStream(head, stream)  # type: ignore[return-value]


class NpyRows:
    """Rows of an ``.npy`` array as ``Chunk`` objects, a ``RowSource`` like ``CsvReader``.

    ``n_rows`` and ``n_columns`` come from the header. A row with ``nan`` or ``+inf``
    stops the run (or, with ``skip_invalid``, is skipped), as a bad cell does in CSV;
    ``-inf`` is a masked logit. Errors name the row (1-based) and column.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        labels: Sequence[str] | None = None,
        skip_invalid: bool = False,
        row_rule: RowRule | None = None,
    ) -> None:
        self._stream = stream
        self.gate = RowGate(skip_invalid, row_rule, unit="row")
        if stream.read(len(MAGIC)) != MAGIC:
            raise DataError("not an .npy array")
        dtype, shape = read_header(stream)
        self._dtype = dtype
        self.n_rows: int | None = shape[0] if len(shape) == 2 else 1
        self.n_columns: int | None = shape[-1] if self.n_rows else None
        if self.n_columns == 0:
            raise DataError(f"the array has shape {shape}: no columns")
        self.labels = list(labels) if labels else None
        if self.labels is not None and self.n_columns and len(self.labels) != self.n_columns:
            raise DataError(
                f"{len(self.labels)} labels given but the array has {self.n_columns} columns"
            )
        if self.n_rows and self.n_columns:
            # A header's claim is checked against the file, never allocated from.
            available = bytes_left(stream)
            row_bytes = dtype.itemsize * self.n_columns
            if available is not None and available < self.n_rows * row_bytes:
                raise self._ends_early(available // row_bytes)

    def _ends_early(self, found: int) -> DataError:
        return DataError(f"the array ends after {found} rows, its header says {self.n_rows}")

    @property
    def skipped(self) -> SkipReport:
        return self.gate.skipped

    def __iter__(self) -> Iterator[Chunk]:
        if not self.n_columns or not self.n_rows:
            return
        row_bytes = self._dtype.itemsize * self.n_columns
        per_chunk = max(
            1, CHUNK_BYTES // row_bytes, min(WIDE_CHUNK_ROWS, WIDE_CHUNK_BYTES // row_bytes)
        )
        for start in range(0, self.n_rows, per_chunk):
            count = min(per_chunk, self.n_rows - start)
            data = _read_up_to(self._stream, count * row_bytes)
            if len(data) < count * row_bytes:
                raise self._ends_early(start + len(data) // row_bytes)
            values = np.frombuffer(data, dtype=self._dtype).reshape(count, self.n_columns)
            values = values.astype(np.float64)
            rows = np.arange(start + 1, start + count + 1, dtype=np.int64)
            bad_cell = partial(_bad_cell, values, rows)
            keep, error = self.gate.good_rows(_bad_values(values), rows, bad_cell)
            yield from self.gate.pass_rows(Chunk(values[keep], rows[keep]), error)


_KIND_NAMES = {"f": "a float", "iu": "an integer"}


class HeaderError(ValueError):
    """An ``.npy`` header that NumPy's reader cannot parse, or of a version it does not
    know; the message is one line."""


def header_fields(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The shape, Fortran order and dtype of an ``.npy`` header, after its magic, as
    NumPy's own header reader (a literal evaluator) parses them. Raises ``HeaderError``
    for an unknown version or a malformed header, whatever NumPy raised for it."""
    from tokenize import TokenError

    from numpy.lib import format as npy_format

    version = stream.read(2)
    if len(version) != 2:
        raise HeaderError(f"the .npy data end early: {len(version)} of 2 bytes read")
    if version == b"\x01\x00":
        read = npy_format.read_array_header_1_0
    elif version in (b"\x02\x00", b"\x03\x00"):
        read = npy_format.read_array_header_2_0
    else:
        raise HeaderError(f"not a .npy file this program knows (version {tuple(version)})")
    try:
        shape, fortran, dtype = read(stream)
    except (ValueError, EOFError, SyntaxError, TokenError) as exc:  # as NumPy's reader says
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HeaderError(f"a damaged .npy header ({reason})") from None
    return shape, fortran, dtype


def read_header(stream: BinaryIO, kinds: str = "f") -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape from an ``.npy`` header (after the magic), checked: a dtype of
    one of ``kinds`` (NumPy's kind codes: ``"f"`` float, ``"iu"`` signed or unsigned
    integer), C order (or Fortran order for a vector), one or two dimensions."""
    try:
        shape, fortran, dtype = header_fields(stream)
    except HeaderError as exc:
        raise DataError(str(exc)) from None
    if dtype.hasobject or dtype.kind not in kinds:
        kind = "object (pickled)" if dtype.hasobject else str(dtype)
        wanted = _KIND_NAMES[kinds]
        raise DataError(f"the .npy array holds {kind} values; {wanted} array is needed")
    if any(n < 0 for n in shape):
        raise DataError(f"a damaged .npy header (shape {shape} has a negative size)")
    if len(shape) not in (1, 2):
        raise DataError(
            f"the .npy array has shape {shape}; rows (2-D) or a vector (1-D) are needed"
        )
    if fortran and len(shape) == 2 and min(shape) > 1:
        raise DataError(
            "the .npy array is in Fortran order and cannot be read row by row: "
            "save np.ascontiguousarray(a) instead"
        )
    return dtype, tuple(int(n) for n in shape)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise DataError(f"the .npy data end early: {len(data)} of {size} bytes read")
    return data


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, fewer where the data end; read in pieces, so that memory
    grows with the bytes that are really there, not with a size a header claims."""
    pieces = []
    while size > 0:
        piece = stream.read(min(size, WIDE_CHUNK_BYTES))
        if not piece:
            break
        pieces.append(piece)
        size -= len(piece)
    return b"".join(pieces)


def bytes_left(stream: BinaryIO) -> int | None:
    """How many bytes a regular file holds after the current position; ``None`` for a
    pipe, whose length is known only once read."""
    import os
    import stat

    try:
        info = os.fstat(stream.fileno())
        position = stream.tell()
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_size - position if stat.S_ISREG(info.st_mode) else None


def _bad_values(values: FloatArray) -> BoolArray:
    """Rows with a ``nan`` or ``+inf``: no logit or feature may be either."""
    if np.isfinite(values).all():  # the common case, 10x faster to tell than to reduce
        return np.zeros(len(values), dtype=bool)
    return np.asarray(np.any(np.isnan(values) | np.isposinf(values), axis=1))


def _bad_cell(values: FloatArray, rows: IntArray, row: int) -> DataError:
    bad = np.isnan(values[row]) | np.isposinf(values[row])
    column = int(np.argmax(bad))
    value = values[row, column]
    reason = "nan is not allowed" if np.isnan(value) else "+inf is not allowed (only -inf)"
    return DataError(reason, int(rows[row]), column + 1, unit="row")


def npy_header(n_rows: int, n_columns: int, width: int = 0) -> bytes:
    """A version 1.0 header for a C-ordered float64 array of that shape, padded with
    spaces to ``width`` bytes (at least a multiple of 64)."""
    body = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n_rows}, {n_columns}), }}"
    size = len(MAGIC) + 4 + len(body) + 1
    total = max(width, -(-size // _HEADER_ALIGNMENT) * _HEADER_ALIGNMENT)
    padded = body + " " * (total - size) + "\n"
    return MAGIC + b"\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode("latin1")


RESERVED_ROWS = 10**15  # a header sized for this many rows can be rewritten in place


class NpyWriter:
    """Writes rows of float64 as one ``.npy`` array.

    On a seekable output (a file) the header is written with room for any row count and
    rewritten with the real count at the end, so the array stays whole even when rows
    are skipped or the input stops early. Elsewhere (a pipe) the count must be known
    up front: ``n_rows``."""

    def __init__(self, stream: BinaryIO, n_rows: int | None) -> None:
        self.seekable = _seekable(stream)
        if n_rows is None and not self.seekable:
            raise ArgumentError(
                "--format npy needs the row count before the first row: with CSV input, "
                "write to a file (> out.npy) rather than a pipe, or give .npy input"
            )
        self.stream = stream
        self.n_rows = n_rows
        self.written = 0
        self.n_columns: int | None = None
        self._start = stream.tell() if self.seekable else 0
        self._width = 0

    def rows(self, values: FloatArray) -> None:
        if self.n_columns is None:
            self._begin(values.shape[1])
        self.stream.write(np.ascontiguousarray(values, dtype="<f8").tobytes())
        self.written += len(values)

    def _begin(self, n_columns: int) -> None:
        self.n_columns = n_columns
        rows = RESERVED_ROWS if self.seekable else self.n_rows
        assert rows is not None
        self._width = len(npy_header(rows, n_columns))
        self.stream.write(npy_header(rows, n_columns, self._width))

    def close(self, n_columns: int = 0) -> None:
        """Finish the array: a header for an empty one, or the final row count."""
        if self.n_columns is None:
            self._begin(n_columns)
        if self.seekable:
            end = self.stream.tell()
            self.stream.seek(self._start)
            self.stream.write(npy_header(self.written, self.n_columns or 0, self._width))
            self.stream.seek(end)
        elif self.written != self.n_rows:
            raise DataError(
                f"the .npy header announced {self.n_rows} rows but {self.written} were "
                "written (rows were skipped): write to a file, which can be fixed up"
            )


def _seekable(stream: BinaryIO) -> bool:
    """A file we can go back in to rewrite the header: not a pipe, nor a file opened to
    append (>>), where every write lands at the end whatever the position."""
    try:
        if not stream.seekable():
            return False
    except (OSError, ValueError, AttributeError):
        return False
    import fcntl
    import os

    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # in memory: seekable, never appending
        return True
    return not fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_APPEND
