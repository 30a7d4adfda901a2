"""Malloc tuning for streams: done once on glibc, silently nothing anywhere else."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from softmax_cli.io.streaming import memory
from softmax_cli.io.streaming.memory import keep_temporaries_in_heap


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    keep_temporaries_in_heap.cache_clear()
    yield
    keep_temporaries_in_heap.cache_clear()


def test_set_on_glibc() -> None:
    on_glibc = sys.platform.startswith("linux") and "glibc" in (
        os.confstr("CS_GNU_LIBC_VERSION") or ""
    )
    assert keep_temporaries_in_heap() is on_glibc
    assert keep_temporaries_in_heap() is on_glibc  # once: cached


def test_other_platforms_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert keep_temporaries_in_heap() is False


def test_another_c_library_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_glibc(name: str) -> str:
        raise ValueError(name)

    monkeypatch.setattr(memory.sys, "platform", "linux")
    monkeypatch.setattr(memory.os, "confstr", no_glibc)
    assert keep_temporaries_in_heap() is False
