"""Where the engine cannot run: no Dask, a scheduler that is not there or not Dask, a
bad address; and the one test that starts its own clusters (--workers 1 and 2)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import clean_env, invoke_cli, one_line, refused_address


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    rng = np.random.default_rng(8)
    for index in range(3):
        np.save(tmp_path / f"{index}.npy", rng.normal(size=(6, 5)))
    (tmp_path / "out").mkdir()
    return tmp_path


WITHOUT_DASK = """
import sys
sys.modules["distributed"] = None  # what 'import distributed' meets without the extra
from softmax_cli.cli.main import main
sys.argv = ["softmax", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("engine", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:1"]])
def test_without_the_dask_extra_the_engine_is_a_usage_error(shards: Path, engine: list[str]):
    args = ["-i", f"{shards}/*.npy", "--output-dir", str(shards / "out"), *engine]
    done = subprocess.run([sys.executable, "-c", WITHOUT_DASK, *args], capture_output=True,
                          env=clean_env(), timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        f"error: {engine[0]} needs Dask, which is not installed: pip install 'softmax-tool[dask]'\n"
    )


def test_a_refused_scheduler_fails_at_once(shards: Path, run_script) -> None:
    pytest.importorskip("distributed")
    address = refused_address()
    done = run_script("softmax", "-i", f"{shards}/*.npy", "--output-dir", str(shards / "out"),
                      "--scheduler", address)  # fmt: skip
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        f"error: cannot reach the Dask scheduler at {address}: Connection refused\n"
    )


@pytest.mark.parametrize("address", ["nonsense", "tcp://host-without-port"])
def test_an_address_dask_cannot_parse_is_a_usage_error(shards: Path, run_script, address: str):
    pytest.importorskip("distributed")
    done = run_script("stats", "-i", f"{shards}/*.npy", "--output-dir", str(shards / "out"),
                      "--scheduler", address)  # fmt: skip
    assert done.returncode == 2
    assert one_line(done.stderr).startswith(f"error: --scheduler {address!r} is not a Dask address")


@pytest.fixture
def web_server() -> Iterator[str]:
    """An address where an HTTP server answers (a dashboard's port given by mistake)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
                with contextlib.suppress(OSError):
                    connection.recv(1024)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def test_a_server_that_is_not_dask_is_one_line(shards: Path, run_script, web_server: str):
    pytest.importorskip("distributed")
    done = run_script("softmax", "-i", f"{shards}/*.npy", "--output-dir", str(shards / "out"),
                      "--scheduler", web_server)  # fmt: skip
    assert done.returncode == 1
    assert one_line(done.stderr).startswith(
        f"error: cannot reach the Dask scheduler at {web_server}"
    )


@pytest.fixture
def dashboard_port_taken() -> Iterator[None]:
    """Dask's default dashboard port held, as by another cluster on the machine."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # held already: by another cluster
    yield
    holder.close()


def test_sample_draws_do_not_depend_on_the_number_of_workers(
    shards: Path, run_script, dashboard_port_taken: None
) -> None:
    """The only test that starts clusters of its own (about 2 s each). With Dask's port
    8787 taken, --workers starts without a warning (the environment makes warnings
    errors)."""
    pytest.importorskip("distributed")
    outputs = {}
    for workers in ("1", "2"):
        out = shards / f"out{workers}"
        out.mkdir()
        done = run_script("sample", "-i", f"{shards}/*.npy", "--seed", "4294967295", "-n", "3",
                          "--output-dir", str(out), "--workers", workers)  # fmt: skip
        assert done.returncode == 0 and done.stderr == b"", done.stderr
        outputs[workers] = {path.name: path.read_bytes() for path in out.iterdir()}
    assert outputs["1"] == outputs["2"] and len(outputs["1"]) == 3
    for index in range(3):  # seed (SEED + i) mod 2**32: 4294967295, then 0, then 1
        seed = str((4294967295 + index) % 2**32)
        alone = run_script("sample", "-i", str(shards / f"{index}.npy"), "--seed", seed, "-n", "3",
                           "-f", "csv")  # fmt: skip
        assert outputs["1"][f"{index}.csv"] == alone.stdout


def test_a_scheduler_without_workers_is_one_line_not_a_hang(
    shards: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks given to a scheduler with no worker would wait forever: after a wait for a
    worker to join, exit 1 saying what is missing."""
    distributed = pytest.importorskip("distributed")
    from softmax_cli.workflows.cluster import engine
    from softmax_cli.workflows.cluster.engine import local_cluster

    monkeypatch.setattr(engine, "WORKER_WAIT", 0.5)
    with local_cluster(distributed, 0) as empty:
        args = ["softmax", "-i", f"{shards}/*.npy", "--output-dir", str(shards / "out")]
        code, out, err = invoke_cli([*args, "--scheduler", empty.scheduler_address])
    assert (code, out) == (1, "")
    assert err == (
        f"error: the Dask scheduler at {empty.scheduler_address} has no worker (waited 0.5 s): "
        "start one with 'dask worker ADDRESS'\n"
    )
    assert not list((shards / "out").iterdir())


def test_workers_of_another_version_are_one_line(
    shards: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster whose workers run another softmax-tool is refused before any task."""
    import softmax_cli

    monkeypatch.setattr(softmax_cli, "__version__", "0.0.1")
    args = ["softmax", "-i", f"{shards}/*.npy", "--output-dir", str(shards / "out")]
    code, out, err = invoke_cli([*args, "--scheduler", scheduler])
    from importlib.metadata import version

    assert (code, out) == (1, "")
    assert err == (
        f"error: the workers of the Dask scheduler at {scheduler} run softmax-tool "
        f"{version('softmax-tool')}, this is 0.0.1: install softmax-tool==0.0.1 on them\n"
    )
