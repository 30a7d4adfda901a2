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

DISTRIBUTION = "softmax-tool"
INSTALL_HINT = f"pip install '{DISTRIBUTION}[dask]'"

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
        return list(self.client.gather(futures))

    def load(self, task: Task, items: Sequence[Any], *arguments: Any) -> list[Any]:
        futures = self._submit(task, items, arguments)
        self.client.gather(futures)  # a shard that cannot be read stops the run here
        return futures

    def release(self, handles: list[Any]) -> None:
        self.client.cancel(handles)
        handles.clear()

    def _submit(self, task: Task, items: Sequence[Any], arguments: tuple[Any, ...]) -> list[Any]:
        # pure=False: a task reads files, which may change between runs.
        return [self.client.submit(task, item, *arguments, pure=False) for item in items]


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
            try:
                _wait_for_a_worker(client, self.spec.scheduler)
                _check_worker_versions(client, self.spec.scheduler)
            except SoftmaxError:
                client.close()
                raise
        else:
            cluster = _start_local(distributed, self.spec.workers)
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


def local_cluster(distributed: Any, workers: int | None) -> Any:
    """A ``LocalCluster`` of ``workers`` single-threaded processes, quiet. Its scheduler
    serves HTTP on a free port of this machine only, never on Dask's 8787, which another
    cluster may hold (Dask would warn, and move)."""
    return distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    )


def _start_local(distributed: Any, workers: int | None) -> Any:
    try:
        return local_cluster(distributed, workers)
    except (OSError, RuntimeError, TimeoutError) as exc:  # Dask wraps what stopped it
        raise SoftmaxError(f"cannot start a local Dask cluster: {_one_line(exc)}") from None


CONNECT_TIMEOUT = "10s"


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``. Raises ``ArgumentError`` (exit 2) for
    an address Dask cannot parse, and ``SoftmaxError`` (exit 1) when nothing answers
    there: at once when the connection is refused, else after ``CONNECT_TIMEOUT``."""
    try:
        scheme, location = distributed.comm.parse_address(address)
        if scheme in {"tcp", "tls"}:
            host, port = distributed.comm.parse_host_port(location)
    except ValueError as exc:
        raise ArgumentError(
            f"--scheduler {address!r} is not a Dask address (tcp://host:8786): {exc}"
        ) from None
    if scheme in {"tcp", "tls"}:
        _refused_at_once(address, host, port)
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - whatever answers there is not a scheduler
        # (a web server's reply read as a frame length raises MemoryError, say)
        reason = _one_line(exc) if isinstance(exc, OSError | TimeoutError) else "no Dask answer"
        raise SoftmaxError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


WORKER_WAIT = 30.0  # seconds a scheduler has to gain its first worker


def _wait_for_a_worker(client: Any, address: str) -> None:
    """A scheduler with no worker would hold every task forever: wait ``WORKER_WAIT``
    seconds for one (a cluster that is starting), then say so (exit 1)."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise SoftmaxError(
            f"the Dask scheduler at {address} has no worker (waited {WORKER_WAIT:g} s): "
            "start one with 'dask worker ADDRESS'"
        ) from None


def _check_worker_versions(client: Any, address: str) -> None:
    """Workers of another softmax-tool (or none) would fail on the first task, or worse,
    compute something else: say which version they need before any task is sent."""
    import importlib.metadata

    from softmax_cli import __version__

    workers = f"the workers of the Dask scheduler at {address}"
    needed = f"install softmax-tool=={__version__} on them"
    try:
        versions = client.run(importlib.metadata.version, DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SoftmaxError(f"{workers} do not have softmax-tool: {needed}") from None
    other = sorted({str(version) for version in versions.values() if version != __version__})
    if other:
        raise SoftmaxError(
            f"{workers} run softmax-tool {', '.join(other)}, this is {__version__}: {needed}"
        )


def _refused_at_once(address: str, host: str, port: int) -> None:
    """Dask retries a refused connection until its timeout: with nothing listening,
    say so now."""
    import socket

    try:
        socket.create_connection((host, port), timeout=10).close()
    except ConnectionRefusedError as exc:
        raise SoftmaxError(
            f"cannot reach the Dask scheduler at {address}: {exc.strerror}"
        ) from None
    except OSError:
        pass  # an unknown host or a slow network: Dask's own attempt says what it is


def _one_line(exc: BaseException) -> str:
    """Dask's message on one line (some run over several)."""
    return " ".join(str(exc).split())
