"""A Dask cluster for the cluster tests: a LocalCluster of 2 worker processes, started
once per test session; commands reach it with ``--scheduler ADDRESS``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[object]:
    """The running ``LocalCluster`` (``.scheduler_address``, ``.workers``)."""
    distributed = pytest.importorskip("distributed")
    from softmax_cli.workflows.cluster.engine import local_cluster

    with local_cluster(distributed, 2) as cluster:  # what --workers 2 starts
        yield cluster


@pytest.fixture
def scheduler(dask_cluster: object) -> str:
    """The address to give ``--scheduler``."""
    return str(dask_cluster.scheduler_address)  # type: ignore[attr-defined]
