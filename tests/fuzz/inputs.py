"""Hostile input, generated: CSV text, bytes, ``.npy`` files and option values."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import strategies as st

NUMBER_TEXT = [
    "0", "1", "-1", "1.5", "-2.25", "1e3", "-1e-3", "1e308", "-1e308", "1e309", "-1e400",
    "1e-320", "4.9e-324", "0x10", "1_000", "+3", ".5", "5.", "nan", "NaN", "-nan", "inf",
    "-inf", "+inf", "Infinity", "-Infinity", "9" * 40, "1" * 400, " 2 ", "",
]  # fmt: skip
WORDS = ["x", "dog", "label", "target", "a b", "#", "-", "--", "é", "日本", "\u200b", "True"]
cells = st.one_of(
    st.sampled_from(NUMBER_TEXT),
    st.sampled_from(WORDS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=5),
)


def _quote(cell: str, quote: bool) -> str:
    return '"' + cell.replace('"', '""') + '"' if quote else cell


@st.composite
def csv_text(draw: st.DrawFn, max_rows: int = 5, max_columns: int = 4) -> bytes:
    """Delimited text: ragged or not, quoted or not, a header or not, any line ending,
    a BOM, blank and comment lines, cells that are numbers, words or anything."""
    columns = draw(st.integers(1, max_columns))
    rows = draw(
        st.lists(
            st.lists(
                st.tuples(cells, st.booleans()),
                min_size=max(1, columns - 1),
                max_size=columns + 1,
            ).map(lambda row: [_quote(cell, quoted) for cell, quoted in row]),
            max_size=max_rows,
        )
    )
    if draw(st.booleans()):
        rows.insert(0, [draw(st.sampled_from(WORDS)) for _ in range(columns)])
    delimiter = draw(st.sampled_from([",", ",", "\t", ";", " ", "  "]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    lines = [delimiter.join(row) for row in rows]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "# note", " "])))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = "\ufeff" if draw(st.integers(0, 9)) == 0 else ""
    return (bom + text).encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1"])), "replace")


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_file(
    header: str | bytes, data: bytes, version: int = 1, length: int | None = None
) -> bytes:
    """An ``.npy`` file with any header text (padded as NumPy pads it) and any data;
    ``length`` overrides the header length field."""
    raw = header.encode("latin-1", "replace") if isinstance(header, str) else header
    size = 2 if version == 1 else 4
    raw += b" " * (-(len(raw) + 7 + size) % 64) + b"\n"
    count = len(raw) if length is None else length
    return b"\x93NUMPY" + bytes([version, 0]) + count.to_bytes(size, "little") + raw + data


DTYPES = ["<f8", ">f8", "<f4", ">f4", "<f2", "<i8", ">i4", "|u1", "|b1", "<c16", "<U3", "|O",
          "|S2", "<M8[D]", "[('a', '<f8')]", "xx", "", "<f8 "]  # fmt: skip
huge = st.sampled_from([2**31, 2**60, 2**63 - 1, 10**12, 10**20])
dimension = st.one_of(st.integers(0, 5), st.integers(-3, -1), huge)


@st.composite
def npy_files(draw: st.DrawFn) -> bytes:
    """A valid magic string, then a header that may lie: any dtype, fortran order, shape
    (negative, huge, many axes), a wrong header length, data that ends early or runs on."""
    shape = tuple(draw(st.lists(dimension, max_size=3)))
    descr = draw(st.sampled_from(DTYPES))
    fortran = draw(st.sampled_from([False, True, "False", 1, None]))
    header = repr({"descr": descr, "fortran_order": fortran, "shape": shape})
    header = draw(
        st.one_of(
            st.just(header),
            st.just(header[: draw(st.integers(0, len(header)))]),
            st.just(header.replace("shape", draw(st.sampled_from(["shap", "Shape", "size"])))),
            st.text(max_size=60),
        )
    )
    data = draw(
        st.one_of(
            st.binary(max_size=80),
            st.just(np.arange(12, dtype="<f8").tobytes()),
            st.just(np.linspace(-3, 3, 6, dtype=">f8").tobytes()),
        )
    )
    version = draw(st.sampled_from([1, 1, 2, 3, 0]))
    length = draw(st.one_of(st.none(), st.integers(0, 200), st.just(65535)))
    return npy_file(header, data, version, length)


def _filled(shape: tuple[int, ...], fill: float, dtype: str) -> bytes:
    with np.errstate(all="ignore"):  # nan or 1e308 as an integer or a half: whatever comes
        return npy_bytes(np.full(shape, fill).astype(dtype))


valid_npy = st.builds(
    _filled,
    st.sampled_from([(0,), (3,), (2, 3), (3, 1), (1, 0), (0, 3), (2, 2, 2), ()]),
    st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e308, -np.inf, np.inf, np.nan]),
    st.sampled_from(["<f8", ">f8", "<f4", "<f2", "<i8", "|u1"]),
)


def _float_text(value: float) -> str:
    return repr(value)


floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(_float_text),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "+inf", "1e309", "1e-400", "0", "-0", "1e300"]),
)
ints = st.one_of(
    st.integers(-5, 20).map(str),
    st.sampled_from([str(2**31), str(2**63), str(10**12), str(-(10**12)), "1e3", "0x10", "1.5"]),
)
strings = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", ",", ",,", "a,a", "a,b,c", "1,2", "0", "-1", "x" * 300, "\r", "\x00"]),
)
option_values = st.one_of(floats, ints, strings)
