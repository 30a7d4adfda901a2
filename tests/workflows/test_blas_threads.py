"""Fits run with one BLAS thread unless the user's environment says otherwise."""

from __future__ import annotations

import numpy  # noqa: F401 - loads the BLAS library that fits use
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from softmax_cli.workflows.trainer.blas_threads import THREAD_VARIABLES, fitting_threads


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.fixture
def no_thread_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_thread_variables")
def test_a_fit_uses_one_blas_thread_and_then_gives_them_back() -> None:
    with threadpool_limits(2, user_api="blas"):  # as on any multi-core machine
        before = blas_threads()
        assert before == [2] * len(before) != [], "NumPy's BLAS is not visible"
        with fitting_threads():
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == before


@pytest.mark.usefixtures("no_thread_variables")
@pytest.mark.parametrize("name", THREAD_VARIABLES)
def test_a_thread_count_the_user_set_is_left_alone(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = blas_threads()
    monkeypatch.setenv(name, "2")
    with fitting_threads():
        assert blas_threads() == before
