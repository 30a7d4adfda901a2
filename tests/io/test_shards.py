"""Shards: which files a pattern names, in which order, and how several read as one."""

from __future__ import annotations

import gc
import io
import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.shards.concatenated import ShardedRows
from softmax_cli.io.shards.paths import expand_shards, shard_stem, targets_per_shard
from softmax_cli.io.sources import InputSpec, open_rows
from softmax_cli.io.streaming.rows import SkipReport


def files(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text("1,2\n")


def test_a_glob_is_sorted_without_hidden_files_or_folders(tmp_path: Path) -> None:
    files(tmp_path, "b.csv", "a.csv", "10.csv", ".part.csv")
    (tmp_path / "dir.csv").mkdir()
    found = expand_shards([str(tmp_path / "*.csv")])
    assert found == [str(tmp_path / name) for name in ("10.csv", "a.csv", "b.csv")]


def test_a_file_url_glob_is_sorted_without_hidden_files_or_folders(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    files(tmp_path, "b.csv", "a.csv", ".part.csv")
    (tmp_path / "dir.csv").mkdir()
    found = expand_shards([f"file://{tmp_path}/*.csv"])
    assert found == [f"file://{tmp_path}/a.csv", f"file://{tmp_path}/b.csv"]


def test_patterns_keep_their_order_and_a_plain_path_is_kept(tmp_path: Path) -> None:
    files(tmp_path, "a.csv", "b.csv")
    pattern, missing = str(tmp_path / "*.csv"), str(tmp_path / "later.csv")
    assert expand_shards([missing, pattern]) == [missing, *sorted(expand_shards([pattern]))]


@pytest.mark.parametrize("pattern", ["*.none", "[x].csv"])
def test_a_glob_matching_nothing_is_a_usage_error(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(ArgumentError, match="no file matches"):
        expand_shards([str(tmp_path / pattern)])


def test_a_file_named_twice_is_refused_however_it_is_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files(tmp_path, "a.csv")
    monkeypatch.chdir(tmp_path)
    os.symlink("a.csv", "link.csv")
    for twice in (["a.csv", "a.csv"], ["a.csv", "./a.csv"], ["*.csv"], ["a.csv", "link.csv"]):
        with pytest.raises(ArgumentError, match="given twice"):
            expand_shards(twice)


def test_targets_pair_one_file_per_shard(tmp_path: Path) -> None:
    files(tmp_path, "t0.txt", "t1.txt")
    glob = str(tmp_path / "t*.txt")
    assert targets_per_shard(["x", "y"], glob) == expand_shards([glob])
    with pytest.raises(ArgumentError, match="names 2 files for 3 input shards"):
        targets_per_shard(["x", "y", "z"], glob)
    with pytest.raises(ArgumentError, match="names 2 files for one input"):
        targets_per_shard(["x"], glob)
    with pytest.raises(ArgumentError, match=r"^--targets: no file matches"):
        targets_per_shard(["x"], str(tmp_path / "none*"))


@pytest.mark.parametrize(
    ("path", "stem"),
    [("logits/007.npy", "007"), ("s3://b/k/a.b.csv", "a.b"), (".hidden", ".hidden"), ("x", "x")],
)
def test_shard_stem(path: str, stem: str) -> None:
    assert shard_stem(path) == stem


def spec_of(paths: list[str], skip_invalid: bool = False) -> InputSpec:
    return InputSpec((), None, None, None, None, skip_invalid, shards=tuple(paths))


def read_all(paths: list[str], skip_invalid: bool = False) -> tuple[np.ndarray, object]:
    source = open_rows(spec_of(paths, skip_invalid))
    chunks = [chunk.values for chunk in source]
    return np.concatenate(chunks), source


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("a,b\n1,2\n", "a,c\n1,2\n", "header a,c where {0} has header a,b"),
        ("1,2\n", "a,b\n1,2\n", "header a,b where {0} has no header"),
        ("a,b\n1,2\n", "1,2\n", "no header where {0} has header a,b"),
        ("1,2\n", "1,2,3\n", "3 columns where {0} has 2"),
    ],
)
def test_a_shard_with_other_columns_is_named(
    tmp_path: Path, first: str, second: str, message: str
) -> None:
    (tmp_path / "0.csv").write_text(first)
    (tmp_path / "1.csv").write_text(second)
    paths = [str(tmp_path / "0.csv"), str(tmp_path / "1.csv")]
    with pytest.raises(DataError) as caught:
        read_all(paths)
    assert str(caught.value) == (
        f"{paths[1]}: {message.format(paths[0])}: every shard needs the same columns"
    )


def test_npy_shards_of_other_widths_are_named(tmp_path: Path) -> None:
    np.save(tmp_path / "0.npy", np.zeros((2, 3)))
    np.save(tmp_path / "1.npy", np.zeros((2, 4)))
    paths = [str(tmp_path / "0.npy"), str(tmp_path / "1.npy")]
    with pytest.raises(DataError, match=f"^{paths[1]}: 4 columns where {paths[0]} has 3"):
        read_all(paths)


def test_a_bad_cell_is_named_by_shard_line_and_column(tmp_path: Path) -> None:
    for index, text in enumerate(["1,2\n", "3,4\n", "5,6\n7,x\n"]):
        (tmp_path / f"{index}.csv").write_text(text)
    paths = [str(tmp_path / f"{index}.csv") for index in range(3)]
    with pytest.raises(DataError, match=f"^{paths[2]}: line 2, column 2: 'x' is not a number"):
        read_all(paths)


def test_skipped_rows_are_summed_and_named_by_shard(tmp_path: Path) -> None:
    for index, text in enumerate(["1,2\nx,2\n", "3,4\n", "5,6\ny,1\n1,z\n"]):
        (tmp_path / f"{index}.csv").write_text(text)
    paths = [str(tmp_path / f"{index}.csv") for index in range(3)]
    values, source = read_all(paths, skip_invalid=True)
    assert values.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert source.skipped.summary() == (  # type: ignore[attr-defined]
        f"skipped 3 invalid rows ({paths[0]}: lines 2; {paths[2]}: lines 2, 3)"
    )


def test_a_skip_report_of_one_file_names_no_file() -> None:
    report = SkipReport()
    for line in (4, 9):
        report.add(line)
    total = SkipReport()
    total.extend(report)
    assert total.summary() == "skipped 2 invalid rows (lines 4, 9)"
    assert str(total.nothing_left()) == "no valid rows; 2 skipped, first at line 4"
    named = SkipReport()
    named.extend(report, "b.csv")
    assert str(named.nothing_left()) == "no valid rows; 2 skipped, first at line 4 of b.csv"


@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(1, 30),
    columns=st.integers(1, 5),
    cuts=st.lists(st.integers(0, 30), max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_npy_shards_read_as_the_concatenated_array(
    tmp_path_factory: pytest.TempPathFactory, rows: int, columns: int, cuts: list[int], seed: int
) -> None:
    folder = tmp_path_factory.mktemp("shards")
    array = np.random.default_rng(seed).normal(size=(rows, columns))
    edges = sorted({0, rows, *(min(cut, rows) for cut in cuts)})
    paths = []
    for index, (start, stop) in enumerate(itertools.pairwise(edges)):
        paths.append(str(folder / f"{index:02d}.npy"))
        np.save(paths[-1], array[start:stop])
    values, _ = read_all(paths)
    np.testing.assert_array_equal(values, array)


def test_one_shard_reads_as_its_stream(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("p,q\n1,2\n")
    source = open_rows(spec_of([str(tmp_path / "a.csv")])._replace(stream=io.BytesIO(b"1,2\n")))
    assert not isinstance(source, ShardedRows)


def test_a_source_dropped_unread_closes_its_first_shard(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("1,2\n")
    source = open_rows(spec_of([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]))
    first = source._streams[0]  # type: ignore[attr-defined]
    del source  # no ResourceWarning (an error under -W error)
    gc.collect()
    assert first.closed


def test_npy_shards_state_their_rows_up_front(tmp_path: Path) -> None:
    """Every array shard's header is read first: the total row count is known before the
    first row, as it is for one array."""
    for index, rows in enumerate((4, 0, 7)):
        np.save(tmp_path / f"{index}.npy", np.ones((rows, 3)))
    spec = InputSpec((), None, None, None, None, False, shards=tuple(
        str(tmp_path / f"{index}.npy") for index in range(3)))  # fmt: skip
    assert open_rows(spec).n_rows == 11


def test_npy_shards_stream_as_npy_into_a_pipe(tmp_path: Path, run_script) -> None:
    """``-f npy`` into a pipe needs the row count up front: .npy shards have it."""
    rng = np.random.default_rng(3)
    parts = [rng.normal(size=(rows, 5)) for rows in (3, 6, 2)]
    for index, part in enumerate(parts):
        np.save(tmp_path / f"{index}.npy", part)
    done = run_script("softmax", "-i", str(tmp_path / "*.npy"), "-f", "npy")
    assert done.returncode == 0, done.stderr
    alone = run_script("softmax", "-f", "npy", stdin=_npy_bytes(np.concatenate(parts)))
    assert done.stdout == alone.stdout


def _npy_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values)
    return buffer.getvalue()


@pytest.mark.parametrize("command", [["train", "{glob}", "-q"], ["stats", "-i", "{glob}"]])
def test_a_shard_that_cannot_be_opened_is_named_once(
    tmp_path: Path, run_script, command: list[str]
) -> None:
    (tmp_path / "a.csv").write_text("x,target\n1,0\n2,1\n3,0\n")
    (tmp_path / "b.csv").symlink_to(tmp_path / "gone.csv")  # listed by the glob, not there
    args = [argument.format(glob=tmp_path / "*.csv") for argument in command]
    done = run_script(*args)
    assert done.returncode == 1
    missing = tmp_path / "b.csv"
    assert done.stderr == f"error: cannot read {missing}: No such file or directory\n".encode()
