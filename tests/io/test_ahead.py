"""Parsing ahead in a worker thread: the same results in the same order, errors in turn."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from softmax_cli.io.ahead import ahead, reads_never_wait


def slow_square(n: int) -> int:
    if n == 5:
        raise ValueError("five")
    return n * n


@pytest.mark.parametrize("overlap", [True, False])
def test_results_come_in_order(overlap: bool) -> None:
    assert list(ahead(range(5), slow_square, overlap)) == [(n, n * n) for n in range(5)]


@pytest.mark.parametrize("overlap", [True, False])
def test_an_error_comes_after_the_items_before_it(overlap: bool) -> None:
    seen = []
    with pytest.raises(ValueError, match="five"):
        for item, _ in ahead(range(10), slow_square, overlap):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_at_most_two_items_are_taken_ahead_and_the_worker_stops() -> None:
    taken = []

    def items() -> Iterator[int]:
        for n in range(100):
            taken.append(n)
            yield n

    results = ahead(items(), slow_square, True)
    assert next(results) == (0, 0)
    assert taken == [0, 1]
    results.close()
    for thread in threading.enumerate():
        if thread.name == "parse-ahead":
            thread.join(timeout=5)
            assert not thread.is_alive()


def test_files_and_memory_are_read_ahead_but_not_pipes(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(b"1,2\n")
    with path.open("rb") as handle:
        assert reads_never_wait(handle)
    assert reads_never_wait(io.BytesIO(b"1,2\n"))
    read, write = os.pipe()
    with os.fdopen(read, "rb") as pipe, os.fdopen(write, "wb"):
        assert not reads_never_wait(pipe)
