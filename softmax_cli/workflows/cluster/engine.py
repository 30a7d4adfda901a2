"""Where shard tasks run: here, one after another, or on a Dask cluster.

Both engines take the same task functions (module-level, so that Dask can send them by
name to workers that import this package) and return results in shard order. A task
that raises a ``SoftmaxError`` stops the run with that error, as it would in one process.
Dask retries a task whose worker was lost, and recomputes data a lost worker held from
the task that loaded it, so the run ends with the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from softmax_cli.errors import ArgumentError, SoftmaxError

INSTALL_HINT = "pip install 'softmax-tool[dask]'"

Task = Callable[..., Any]


class EngineSpec(NamedTuple):
    """What the engine options said: ``workers`` processes of a local cluster, or the
    ``scheduler`` address of a running one; neither: this process."""

    workers: int | None = None
    scheduler: str | None = None

    @property
    def on_cluster(self) -> bool:
        return self.workers is not None or self.scheduler is not None


class Engine(Protocol):
    """Runs ``task(item, *arguments)`` for every item; results in the items' order.

    ``load`` keeps each result where it was made (a worker's memory on a cluster) and
    returns handles to pass as items to ``map``: data read once, used at every step."""

    def map(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]: ...

    def load(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]: ...

    def release(self, handles: list[Any]) -> None: ...


class InProcess:
    """The engine without a cluster: each task in turn, here."""

    def map(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]:
        return [task(item, *arguments) for item in items]

    load = map

    def release(self, handles: list[Any]) -> None:
        handles.clear()


class OnCluster:
    """The engine of a ``dask.distributed`` client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]:
        futures = self._submit(task, items, arguments)
        _raise_first_error(futures)
        return list(self.client.gather(futures))

    def load(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]:
        futures = self._submit(task, items, arguments)
        _raise_first_error(futures)  # each result stays on its worker: no gather
        return futures

    def release(self, handles: list[Any]) -> None:
        self.client.cancel(handles)
        handles.clear()

    def _submit(self, task: Task, items: Sequence[Any], arguments: tuple[Any, ...]) -> list[Any]:
        # pure=False: a task reads files, which may change between runs.
        return [self.client.submit(task, item, *arguments, pure=False) for item in items]


def _raise_first_error(futures: list[Any]) -> None:
    """Wait for ``futures``; a task that failed stops the run with its error, the first
    shard's in order (not whichever Dask saw first), as one process would."""
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error


class Running:
    """A context manager: the engine ``spec`` asks for, and its cluster shut down after."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self._closers: list[Callable[[], Any]] = []

    def __enter__(self) -> Engine:
        if not self.spec.on_cluster:
            return InProcess()
        distributed = _import_distributed(self.spec)
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if self.spec.scheduler is not None:
            client = _connect(distributed, self.spec.scheduler)
        else:
            cluster = distributed.LocalCluster(
                n_workers=self.spec.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # and its HTTP server on any free port: on 8787, taken by another cluster,
                # it would warn
                scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
                silence_logs=logging.CRITICAL,
            )
            self._closers.append(cluster.close)
            client = distributed.Client(cluster)
        self._closers.insert(0, client.close)
        return OnCluster(client)

    def __exit__(self, *exc_info: object) -> None:
        for close in self._closers:
            close()


def _import_distributed(spec: EngineSpec) -> Any:
    option = "--workers" if spec.workers is not None else "--scheduler"
    try:
        import distributed
    except ImportError:
        raise ArgumentError(
            f"{option} needs Dask, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SoftmaxError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
