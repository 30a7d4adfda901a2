"""Targets from a file of their own: both kinds of file, paired with CSV or ``.npy`` rows
by place, skipped rows dropping their targets, counts and bad targets refused."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from softmax_cli.errors import DataError
from softmax_cli.io.formats.reader import CsvReader
from softmax_cli.io.formats.target_file import TargetFile
from softmax_cli.io.formats.target_pairs import PairedRows
from softmax_cli.io.sources import InputSpec, open_rows
from softmax_cli.io.targets.parser import TargetFileSpec, TargetParser

LOGITS = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [0.5, 0.0, -1.0]])
TARGETS = [2, 0, 1, 1]
CSV = "a,b,c\n" + "".join(",".join(map(repr, row)) + "\n" for row in LOGITS.tolist())


def spec(stream: bytes, skip_invalid: bool = False, labels: tuple | None = None) -> InputSpec:
    return InputSpec((), io.BytesIO(stream), None, None, labels, skip_invalid)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def read(
    rows: bytes, targets: Path, skip_invalid: bool = False, labels: tuple | None = None
) -> tuple[list, list, list]:
    """Every row's values, line number and target, through ``open_rows``."""
    source = open_rows(spec(rows, skip_invalid, labels), None, None, TargetFileSpec(str(targets)))
    values, lines, found = [], [], []
    for chunk in source:
        assert chunk.targets is not None
        values += chunk.values.tolist()
        lines += chunk.line_numbers.tolist()
        found += chunk.targets.tolist()
    return values, lines, found


TEXT_FILES = [
    "2\n0\n1\n1\n",
    "c\na\nb\nb\n",  # labels from the header
    "# the tokens\n2\n\na\n  b  \n# end\n1",  # blank and # lines, spaces, no last newline
    "\ufeff2\r\n0\r\n1\r\n1\r\n",  # a byte-order mark and CRLF
]


@pytest.mark.parametrize("text", TEXT_FILES)
@pytest.mark.parametrize("rows", ["csv", "npy"])
def test_text_targets_with_labels_or_indices(tmp_path: Path, text: str, rows: str) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(text.encode())
    if rows == "csv":
        values, _, targets = read(CSV.encode(), path)
    else:  # an array has no header: the labels are given
        values, _, targets = read(npy_bytes(LOGITS), path, labels=("a", "b", "c"))
    assert values == LOGITS.tolist()
    assert targets == TARGETS


DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", ">i4", "<u2"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows", ["csv", "npy"])
def test_integer_arrays_of_any_dtype(tmp_path: Path, dtype: str, rows: str) -> None:
    path = tmp_path / "t.npy"
    np.save(path, np.array(TARGETS, dtype=dtype))
    data = CSV.encode() if rows == "csv" else npy_bytes(LOGITS.astype(np.float32))
    values, lines, targets = read(data, path)
    assert targets == TARGETS
    assert values == LOGITS.astype(np.float32).astype(np.float64).tolist() or rows == "csv"
    assert lines == ([2, 3, 4, 5] if rows == "csv" else [1, 2, 3, 4])


def test_a_skipped_row_drops_its_target_counting_rows_not_lines(tmp_path: Path) -> None:
    # Rows 2 and 5 are bad; blank, comment and header lines are no rows.
    csv = "a,b\n# note\n1,2\nx,1\n\n3,4\n5,6\n-inf,-inf\n7,8\n"
    path = tmp_path / "t.txt"
    path.write_text("0\n1\n0\n1\n0\n1\n")
    rule_source = open_rows(
        spec(csv.encode(), skip_invalid=True),
        None,
        None,
        TargetFileSpec(str(path)),
    )
    chunks = list(rule_source)
    assert [c.row_numbers.tolist() for c in chunks] == [[1, 3, 4, 5, 6]]  # no rule: -inf stays
    assert [t for c in chunks for t in c.targets.tolist()] == [0, 0, 1, 0, 1]
    assert rule_source.skipped.first_lines == [4]


@pytest.mark.parametrize("block_size", [1, 7, 64, 1 << 16])
def test_pairing_holds_across_blocks_of_any_size(tmp_path: Path, block_size: int) -> None:
    rng = np.random.default_rng(0)
    n = 500
    targets = rng.integers(0, 3, size=n)
    bad = set(rng.choice(n, size=40, replace=False).tolist())
    lines = ["a,b,c"]
    for i in range(n):
        if i % 50 == 0:
            lines += ["", "# a comment"]
        lines.append("1,x,3" if i in bad else f"{i},0,{-i}")
    path = tmp_path / "t.npy"
    np.save(path, targets.astype(np.int16))
    reader = CsvReader(
        io.BytesIO(("\n".join(lines) + "\n").encode()),
        skip_invalid=True,
        block_size=block_size,
        count_rows=True,
    )
    paired = PairedRows(reader, str(path), skip_invalid=True, rows_read=lambda: reader.rows_read)
    chunks = list(paired)
    kept = [i for i in range(n) if i not in bad]
    assert [int(v) for c in chunks for v in c.values[:, 0]] == kept
    assert [t for c in chunks for t in c.targets.tolist()] == targets[kept].tolist()
    assert paired.skipped.count == len(bad)


def write(tmp_path: Path, name: str, content: bytes | np.ndarray) -> Path:
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
    else:
        path.write_bytes(content)
    return path


def lying_header(count: int, really: int) -> bytes:
    """An int64 array whose header announces ``count`` entries and holds ``really``."""
    header = repr({"descr": "<i8", "fortran_order": False, "shape": (count,)}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(8 * really)


@pytest.mark.parametrize(
    ("name", "content", "rows", "message"),
    [
        ("t.txt", b"0\n1\n2\n", "csv", "--targets {} has 3 targets but the logits have 4 rows"),
        ("t.txt", b"0\n1\n2\n", "npy", "--targets {} has 3 targets but the logits have 4 rows"),
        ("t.npy", np.zeros(3, np.int8), "npy", "--targets {} has 3 targets but the logits have 4"),
        ("t.npy", np.zeros(3, np.int8), "csv", "--targets {} has 3 targets but the logits have 4"),
        ("t.txt", b"0\n1\n2\n0\n1\n", "csv", "--targets {} has 5 targets but the logits have 4"),
        ("t.npy", np.zeros(5, np.int8), "csv", "--targets {} has 5 targets but the logits have 4"),
        ("t.npy", np.zeros(5, np.int8), "npy", "--targets {} has 5 targets but the logits have 4"),
        ("t.txt", b"0\n1\n3\n0\n", "csv", "--targets {}, line 3: target index 3 is out of range"),
        ("t.npy", np.array([0, 1, 2, 3], np.uint8), "npy", "--targets {}, row 4: target index 3"),
        ("t.npy", np.array([0, -1, 2, 0], np.int16), "csv", "row 2: target index -1 is out of"),
        ("t.txt", b"0\n-1\n", "csv", "--targets {}, line 2: target index -1 is out of range"),
        ("t.txt", b"a\n\nhorse\n", "csv", "line 3: target 'horse' is not a class label (a, b, c)"),
        ("t.txt", b"0\n\xff\n1\n1\n", "csv", "--targets {}, line 2: not valid UTF-8 text"),
        ("t.npy", np.zeros(4, np.float64), "csv", "holds float64 values; an integer array"),
        ("t.npy", np.zeros(4, np.bool_), "csv", "holds bool values; an integer array is needed"),
        ("t.npy", np.zeros((4, 1), np.int64), "csv", "shape (4, 1); a 1-D array of class"),
        (
            "t.npy",
            lying_header(1000, 4),
            "csv",
            "announces 1000 targets (8000 bytes) but the file holds 32 bytes",
        ),
    ],
)
def test_errors_name_the_file_and_the_place(
    tmp_path: Path, name: str, content: bytes | np.ndarray, rows: str, message: str
) -> None:
    path = write(tmp_path, name, content)
    data = CSV.encode() if rows == "csv" else npy_bytes(LOGITS)
    with pytest.raises(DataError) as raised:
        read(data, path)
    assert message.format(path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_counts_known_up_front_are_compared_before_any_row(tmp_path: Path) -> None:
    path = write(tmp_path, "t.npy", np.zeros(3, np.int8))
    source = open_rows(spec(npy_bytes(LOGITS)), None, None, TargetFileSpec(str(path)))
    rows = iter(source)
    with pytest.raises(DataError, match="has 3 targets but the logits have 4 rows"):
        next(rows)


def test_rows_before_the_targets_run_out_are_handed_on(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", b"0\n1\n")
    source = open_rows(spec(CSV.encode()), None, None, TargetFileSpec(str(path)))
    seen = []
    with pytest.raises(DataError, match="has 2 targets but the logits have 4 rows"):
        for chunk in source:
            seen += chunk.targets.tolist()
    assert seen == [0, 1]


def test_a_bad_row_after_the_targets_run_out_makes_the_count_a_lower_bound(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "t.txt", b"0\n")
    source = open_rows(spec(b"a,b\n1,2\n3,4\n5,x\n"), None, None, TargetFileSpec(str(path)))
    with pytest.raises(DataError, match=r"has 1 target but the logits have more rows than that"):
        list(source)


def test_binary_targets_are_0_or_1(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", b"1\n0\n2\n")
    source = open_rows(spec(b"0.5\n-1\n2\n"), None, None, TargetFileSpec(str(path), binary=True))
    with pytest.raises(DataError, match=r"line 3: binary target must be 0 or 1, got '2'"):
        list(source)


def test_a_target_file_is_closed_after_its_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "t.npy", np.zeros(2, np.float32))
    with pytest.raises(DataError, match="float32"):
        TargetFile(str(path), TargetParser(None, 3))


@pytest.mark.parametrize(
    ("n_labels", "expected"),
    [
        (3, "target 'x' is not a class label (c0, c1, c2) or index (0-2)"),
        (10, "(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9) or index (0-9)"),
        (50257, "(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ... 50257 labels) or index (0-50256)"),
    ],
)
def test_a_vocabulary_of_labels_is_not_listed_in_full(n_labels: int, expected: str) -> None:
    labels = [f"c{k}" for k in range(n_labels)]
    with pytest.raises(ValueError) as raised:
        TargetParser(labels, n_labels).parse("x")
    assert expected in str(raised.value)
