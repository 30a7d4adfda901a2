"""A Dask cluster for the cluster tests: a LocalCluster of 2 worker processes, started
once per test session; commands reach it with ``--scheduler ADDRESS``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[object]:
    """The running ``LocalCluster`` (``.scheduler_address``, ``.workers``)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        # None still binds port 8787 (a warning when it is taken); ":0": any free port.
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    ) as cluster:
        yield cluster


@pytest.fixture
def scheduler(dask_cluster: object) -> str:
    """The address to give ``--scheduler``."""
    return str(dask_cluster.scheduler_address)  # type: ignore[attr-defined]
