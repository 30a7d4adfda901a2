"""Parsing ahead in a worker thread: the same results in the same order, errors in turn."""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from softmax_cli.io.streaming.ahead import ahead, reads_never_wait


def square(n: int) -> int:
    return n * n


@pytest.mark.parametrize("overlap", [True, False])
def test_results_come_in_order(overlap: bool) -> None:
    assert list(ahead(range(5), square, overlap)) == [(n, n * n) for n in range(5)]
    assert list(ahead(range(10, 30), abs, overlap)) == [(n, n) for n in range(10, 30)]


@pytest.mark.parametrize("overlap", [True, False])
@pytest.mark.parametrize("bad", [3, 5])  # worked on by this thread, by the worker
def test_an_error_comes_after_the_items_before_it(overlap: bool, bad: int) -> None:
    def square(n: int) -> int:
        if n == bad:
            raise ValueError(f"bad {n}")
        return n * n

    seen = []
    with pytest.raises(ValueError, match=f"bad {bad}"):
        for item, _ in ahead(range(10), square, overlap):
            seen.append(item)
    assert seen == list(range(bad))


def test_at_most_three_items_are_in_flight_and_the_worker_stops() -> None:
    taken = []

    def items() -> Iterator[int]:
        for n in range(100):
            taken.append(n)
            yield n

    results = ahead(items(), square, True)
    assert next(results) == (0, 0)
    assert taken == [0, 1, 2]
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


def test_the_switch_interval_is_restored() -> None:
    before = sys.getswitchinterval()
    assert list(ahead(range(3), square, True)) == [(0, 0), (1, 1), (2, 4)]
    assert sys.getswitchinterval() == before
