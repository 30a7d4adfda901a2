"""The installed console script with real pipes, a real pseudo-terminal and signals."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from golden import ARTICLE_PROBS
from helpers import SCRIPT, RunScript, clean_env

ARTICLE_LINE = ",".join(f"{p:.8f}" for p in ARTICLE_PROBS).encode() + b"\n"


def test_arguments(run_script: RunScript) -> None:
    done = run_script("0.7", "1.5", "4.8")
    assert (done.returncode, done.stdout, done.stderr) == (0, ARTICLE_LINE, b"")


def test_negative_numbers_need_no_double_dash(run_script: RunScript) -> None:
    done = run_script("-1", "-2.5", "3e-2")
    assert done.returncode == 0, done.stderr
    values = np.array([float(v) for v in done.stdout.decode().split(",")])
    assert values.sum() == np.float64(1.0) or abs(values.sum() - 1) < 3e-8
    assert run_script("--format", "csv", "-1e3", "2").returncode == 0


def test_stdin_csv_with_and_without_header(run_script: RunScript) -> None:
    done = run_script(stdin=b"dog,cat,boat\n0.7,1.5,4.8\n0.7,1.5,4.8\n")
    assert done.stdout == b"dog,cat,boat\n" + ARTICLE_LINE * 2
    done = run_script(stdin=b"0.7,1.5,4.8\n" * 3)
    assert done.stdout == ARTICLE_LINE * 3


def test_large_input_streams_through(run_script: RunScript) -> None:
    rows = 50_000
    done = run_script("--argmax", stdin=b"0.7,1.5,4.8\n" * rows)
    assert done.returncode == 0
    assert done.stdout == ARTICLE_LINE.replace(b"\n", b",2\n") * rows


def test_bad_cell_stops_after_earlier_rows(run_script: RunScript) -> None:
    stdin = b"0.7,1.5,4.8\n" * 3 + b"0.7,oops,4.8\n" + b"0.7,1.5,4.8\n"
    done = run_script(stdin=stdin)
    assert done.returncode == 65
    assert done.stdout == ARTICLE_LINE * 3
    assert done.stderr == b"error: line 4, column 2: 'oops' is not a number\n"


def test_ragged_row(run_script: RunScript) -> None:
    done = run_script(stdin=b"a,b,c\n0.7,1.5,4.8\n1,2\n")
    assert done.returncode == 65
    assert done.stdout == b"a,b,c\n" + ARTICLE_LINE
    assert done.stderr == b"error: line 3, column 3: expected 3 columns, found 2\n"


def test_skip_invalid(run_script: RunScript) -> None:
    done = run_script("--skip-invalid", stdin=b"0.7,1.5,4.8\nx,1,2\n1,2\n0.7,1.5,4.8\n")
    assert done.returncode == 0
    assert done.stdout == ARTICLE_LINE * 2
    assert done.stderr == b"warning: skipped 2 invalid rows (lines 2, 3)\n"


def test_usage_errors_exit_2_without_traceback(run_script: RunScript) -> None:
    for args in (["sigmod", "1"], ["--nope"], ["1", "x"], ["-t", "0", "1"]):
        done = run_script(*args)
        assert done.returncode == 2, args
        assert b"Traceback" not in done.stderr and done.stdout == b""


def test_broken_pipe_is_quiet() -> None:
    producer = b"0.1,0.2,0.3,0.4\n" * 400_000
    with subprocess.Popen(
        [SCRIPT, "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    ) as proc:
        assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
        stdin = proc.stdin

        def produce() -> None:
            with contextlib.suppress(BrokenPipeError):
                stdin.write(producer)
                stdin.close()

        writer = threading.Thread(target=produce)
        writer.start()
        first = proc.stdout.readline()
        proc.stdout.close()  # like `head -1` exiting
        err = proc.stderr.read()
        writer.join(timeout=60)
        code = proc.wait(timeout=60)
    assert first.count(b",") == 3
    assert err == b""
    assert code in (0, 1)


def test_head_in_a_shell_pipeline() -> None:
    script = f"yes 0.7,1.5,4.8 | head -n 200000 | '{SCRIPT}' | head -1"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {script}"],
        capture_output=True,
        env=clean_env(),
        timeout=60,
    )
    assert done.stdout == ARTICLE_LINE
    assert done.stderr == b""


def test_terminal_stdin_without_values_is_a_usage_error() -> None:
    primary, secondary = pty.openpty()
    try:
        with subprocess.Popen(
            [SCRIPT],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(),
        ) as proc:
            _, err = proc.communicate(timeout=30)
            code = proc.returncode
    finally:
        os.close(secondary)
        os.close(primary)
    assert code == 2
    assert b"no input" in err and b"softmax 0.7 1.5 4.8" in err


def test_table_on_a_terminal_and_no_color(run_script: RunScript) -> None:
    primary, secondary = pty.openpty()
    env = clean_env() | {"COLUMNS": "100"}
    try:
        with subprocess.Popen(
            [SCRIPT, "0.7", "1.5", "4.8"],
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=subprocess.DEVNULL,
            env=env,
        ) as proc:
            code = proc.wait(timeout=30)
        os.close(secondary)
        out = b""
        while select.select([primary], [], [], 1)[0]:
            try:
                data = os.read(primary, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    finally:
        os.close(primary)
    assert code == 0
    assert b"most likely" in out and b"0.94925668" in out and b"\x1b[" in out
    no_color = run_script("-f", "table", "--color", "never", "1", "2")
    assert b"\x1b[" not in no_color.stdout
    forced = run_script("-f", "table", "--color", "always", "1", "2")
    assert b"\x1b[" in forced.stdout
    muted = run_script(
        "-f",
        "table",
        "--color",
        "auto",
        "1",
        "2",
        env=clean_env() | {"NO_COLOR": "1", "FORCE_COLOR": ""},
    )
    assert b"\x1b[" not in muted.stdout


def test_python_dash_m_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "softmax_cli", "0.7", "1.5", "4.8"],
        capture_output=True,
        env=clean_env(),
        timeout=60,
    )
    assert done.stdout == ARTICLE_LINE
    version = subprocess.run([SCRIPT, "--version"], capture_output=True, timeout=60)
    assert version.stdout.startswith(b"softmax, version ")


def test_interrupt_exits_130() -> None:
    with subprocess.Popen(
        [SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    ) as proc:
        assert proc.stdin is not None
        proc.stdin.write(b"1,2\n")
        proc.stdin.flush()
        time.sleep(1.5)  # let it start and block reading stdin
        proc.send_signal(2)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["0.7", "1.5", "4.8"], b""),
        (["0.7", "1.5", "4.8", "--format", "table"], b""),
        (["--format", "json"], b"1,2\n3,4\n" * 50_000),
        (["sigmoid", "1", "2"], b""),
        (["stats", "1", "2"], b""),
        (["--help"], b""),
        (["--version"], b""),
        (["completion", "bash"], b""),
    ],
)
def test_a_full_disk_is_one_line_and_exit_1(args: list[str], stdin: bytes) -> None:
    assert SCRIPT is not None
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [SCRIPT, *args],
            input=stdin,
            stdout=full,
            stderr=subprocess.PIPE,
            env=clean_env(),
            timeout=60,
        )
    assert (done.returncode, done.stderr) == (
        1,
        b"error: cannot write output: No space left on device\n",
    )


def _read_until_closed(primary: int) -> bytes:
    """Everything written to a pseudo-terminal until every writer has closed it."""
    out = b""
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the other side is closed
            return out
        if not data:
            return out
        out += data


def _slow_input(proc: subprocess.Popen[bytes]) -> None:
    """Rows trickling in for longer than the progress bar's delay: 8,000 a batch (about
    96 KB, so that blocks of input keep arriving), 30 batches, 0.1 s apart."""
    assert proc.stdin is not None
    for _ in range(30):
        proc.stdin.write(b"0.1,0.2,0.3\n" * 8_000)
        proc.stdin.flush()
        time.sleep(0.1)
    proc.stdin.close()


@pytest.mark.parametrize(("quiet", "shown"), [([], True), (["-q"], False)])
def test_progress_on_a_terminal_for_a_long_read(quiet: list[str], shown: bool) -> None:
    assert SCRIPT is not None
    primary, secondary = pty.openpty()
    seen: list[bytes] = []
    drain = threading.Thread(target=lambda: seen.append(_read_until_closed(primary)))
    try:
        with subprocess.Popen(
            [SCRIPT, "--format", "csv", *quiet],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=secondary,
            env=clean_env(),
        ) as proc:
            os.close(secondary)
            drain.start()  # read the terminal as it is written: it keeps nothing once shut
            feeder = threading.Thread(target=_slow_input, args=(proc,))
            feeder.start()
            assert proc.stdout is not None
            out = proc.stdout.read()
            feeder.join()
            code = proc.wait(timeout=60)
        drain.join(timeout=10)
    finally:
        os.close(primary)
    err = b"".join(seen)
    assert code == 0 and out.count(b"\n") == 240_000
    assert (b"rows/s" in err) is shown and (b"reading" in err) is shown
    assert b"rows/s" not in out


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    assert SCRIPT is not None
    with subprocess.Popen(
        [SCRIPT, "--format", "csv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(),
    ) as proc:
        feeder = threading.Thread(target=_slow_input, args=(proc,))
        feeder.start()
        assert proc.stderr is not None
        err = proc.stderr.read()
        feeder.join()
        assert proc.wait(timeout=60) == 0
    assert err == b""
