"""``.npy`` arrays in and out: chunked reading, refused dtypes and shapes, headers."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.formats import npy
from softmax_cli.io.formats.writer import OutputSink


def npy_bytes(array: np.ndarray, **options: object) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def rows_of(data: bytes, **options: object) -> npy.NpyRows:
    is_array, stream = npy.sniff(io.BytesIO(data))
    assert is_array
    return npy.NpyRows(stream, **options)  # type: ignore[arg-type]


def read_all(data: bytes, **options: object) -> np.ndarray:
    chunks = [chunk.values for chunk in rows_of(data, **options)]
    return np.concatenate(chunks) if chunks else np.zeros((0, 0))


@pytest.mark.parametrize("dtype", ["<f8", ">f8", "<f4", "<f2"])
def test_rows_come_back_in_chunks_as_float64(dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(npy, "CHUNK_BYTES", 1000)  # many chunks
    array = np.random.default_rng(0).normal(size=(257, 7)).astype(dtype)
    reader = rows_of(npy_bytes(array))
    assert (reader.n_rows, reader.n_columns) == (257, 7)
    chunks = list(reader)
    assert len(chunks) > 3
    np.testing.assert_array_equal(np.concatenate([c.values for c in chunks]), array)
    assert np.concatenate([c.line_numbers for c in chunks]).tolist() == list(range(1, 258))


@pytest.mark.parametrize(
    ("n_columns", "sizes"),
    [(300, [4, 4, 4, 4, 4, 1]), (1200, [1] * 21), (10, [21])],  # 2,400 / 9,600 / 80 bytes
)
def test_wide_rows_are_read_several_at_a_time_within_a_byte_bound(
    n_columns: int, sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(npy, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(npy, "WIDE_CHUNK_BYTES", 10_000)
    array = np.random.default_rng(1).normal(size=(21, n_columns))
    chunks = list(rows_of(npy_bytes(array)))
    assert [len(chunk.values) for chunk in chunks] == sizes
    np.testing.assert_array_equal(np.concatenate([c.values for c in chunks]), array)


def test_a_vector_is_one_row_and_minus_inf_is_a_masked_logit() -> None:
    values = read_all(npy_bytes(np.array([0.7, -np.inf, 4.8])))
    np.testing.assert_array_equal(values, [[0.7, -np.inf, 4.8]])


def test_an_empty_array_has_no_rows() -> None:
    reader = rows_of(npy_bytes(np.zeros((0, 3))))
    assert reader.n_columns is None and list(reader) == []


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.arange(6).reshape(2, 3), "holds int64 values"),
        (np.array(["a", "b"]), "holds <U1 values"),
        (np.zeros((2, 2, 2)), r"shape \(2, 2, 2\)"),
        (np.zeros((2, 0)), "no columns"),
        (np.asfortranarray(np.ones((3, 2))), "Fortran order"),
        (np.zeros(3, dtype=[("a", "<f8")]), "holds"),
    ],
)
def test_other_arrays_are_refused(array: np.ndarray, message: str) -> None:
    with pytest.raises(DataError, match=message):
        rows_of(npy_bytes(array))


class Payload:
    """Unpickling this would leave a file behind."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.path, "pwned"))


def test_a_pickled_object_array_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    array = np.array([Payload(marker)], dtype=object)
    data = npy_bytes(array, allow_pickle=True)
    pickle.loads(pickle.dumps(Payload(tmp_path / "check")))  # the payload really works
    assert (tmp_path / "check").exists()
    with pytest.raises(DataError, match=r"object \(pickled\) values"):
        list(rows_of(data))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (npy_bytes(np.ones((4, 2)))[:-8], "the array ends after 3 rows, its header says 4"),
        (npy.MAGIC + b"\x09\x00", "not a .npy file this program knows"),
        (npy.MAGIC + b"\x01\x00\x10\x00{'descr': 1,    \n", "a damaged .npy header"),
    ],
)
def test_damaged_files(data: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        list(rows_of(data))


def test_bad_values_name_row_and_column_after_the_good_rows() -> None:
    array = np.array([[1.0, 2.0], [3.0, np.nan], [np.inf, 1.0]])
    chunks = iter(rows_of(npy_bytes(array)))
    np.testing.assert_array_equal(next(chunks).values, [[1.0, 2.0]])
    with pytest.raises(DataError, match="row 2, column 2: nan is not allowed"):
        next(chunks)
    reader = rows_of(npy_bytes(array), skip_invalid=True)
    np.testing.assert_array_equal(np.concatenate([c.values for c in reader]), [[1.0, 2.0]])
    assert reader.skipped.summary() == "skipped 2 invalid rows (rows 2, 3)"


def test_labels_must_match_the_columns() -> None:
    with pytest.raises(DataError, match="3 labels given but the array has 2 columns"):
        rows_of(npy_bytes(np.ones((1, 2))), labels=["a", "b", "c"])


def test_csv_is_read_from_the_start_after_a_look() -> None:
    is_array, stream = npy.sniff(io.BytesIO(b"1,2\n3,4\n"))
    assert not is_array
    assert stream.read(3) + stream.read() == b"1,2\n3,4\n"


class Pipe(io.BytesIO):
    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("n_rows", [None, 5])
def test_written_arrays_load_back(n_rows: int | None) -> None:
    array = np.random.default_rng(1).normal(size=(5, 3))
    out = io.BytesIO()
    with OutputSink(out, "npy", 8, n_rows) as sink:
        sink.rows(array[:2], None)
        sink.rows(array[2:], None)
    np.testing.assert_array_equal(np.load(io.BytesIO(out.getvalue())), array)
    assert len(npy.npy_header(5, 3)) % 64 == 0


def test_into_a_pipe_the_count_is_needed_up_front() -> None:
    with pytest.raises(ArgumentError, match="needs the row count before the first row"):
        OutputSink(Pipe(), "npy", 8, None)
    pipe = Pipe()
    with OutputSink(pipe, "npy", 8, 2) as sink:
        sink.rows(np.ones((2, 2)), None)
    np.testing.assert_array_equal(np.load(io.BytesIO(pipe.getvalue())), np.ones((2, 2)))
    with (
        pytest.raises(DataError, match="announced 3 rows but 2 were written"),
        OutputSink(Pipe(), "npy", 8, 3) as sink,
    ):
        sink.rows(np.ones((2, 2)), None)


def test_a_file_keeps_a_whole_array_when_the_input_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "out.npy"
    with path.open("wb") as out, pytest.raises(DataError), OutputSink(out, "npy", 8) as sink:
        sink.rows(np.ones((3, 2)), None)
        raise DataError("line 4: bad")
    np.testing.assert_array_equal(np.load(path), np.ones((3, 2)))


def test_a_file_opened_to_append_counts_as_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "out.npy"
    with path.open("ab") as out, pytest.raises(ArgumentError):
        OutputSink(out, "npy", 8)
