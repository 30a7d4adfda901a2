"""``--targets FILE`` for ``xent`` and ``calibrate``: each row's true class from a file of
its own, for CSV or ``.npy`` rows from a file or stdin; its errors and exit codes; real
pipes; and fuzzed target files, which end in an exit code, never a traceback."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
import scipy.special
from helpers import SCRIPT, clean_env
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_cli.core.calculator.calibration import calibrate

CLASSES = ("dog", "cat", "boat", "airplane", "fish")
ROWS = 300


def over_confident(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Logits twice too sharp for targets drawn from softmax(logits / 2)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, size=(ROWS, len(CLASSES)))
    probs = scipy.special.softmax(logits, axis=1)
    targets = (probs.cumsum(axis=1) > rng.random((ROWS, 1))).argmax(axis=1)
    return logits * 2.0, targets


LOGITS, TARGETS = over_confident()


def run(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """The CLI in-process with binary stdin; (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner().invoke(cli, args, input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def csv_bytes(logits: np.ndarray, header: bool = True) -> bytes:
    lines = [",".join(map(repr, row)) for row in logits.tolist()]
    return (
        ("\n".join([",".join(CLASSES), *lines]) if header else "\n".join(lines)) + "\n"
    ).encode()


def target_file(tmp_path: Path, kind: str, targets: np.ndarray = TARGETS) -> Path:
    """The targets as one kind of file: an .npy of a dtype, or text."""
    if kind.startswith("npy-"):
        path = tmp_path / "targets.npy"
        np.save(path, targets.astype(kind.removeprefix("npy-")))
    elif kind == "indices":
        path = tmp_path / "targets.txt"
        path.write_text("".join(f"{t}\n" for t in targets))
    elif kind == "labels":
        path = tmp_path / "targets.txt"
        path.write_text("".join(f"{CLASSES[t]}\n" for t in targets))
    else:  # mixed, with blank and comment lines, as a person writes a file
        path = tmp_path / "targets.txt"
        lines = ["# one target per row"]
        for i, t in enumerate(targets):
            lines += ["", "# next ten"] if i % 10 == 0 else []
            lines.append(CLASSES[t] if i % 2 else f"  {t} ")
        path.write_text("\n".join(lines))  # and no newline at the end
    return path


def logits_args(tmp_path: Path, kind: str) -> tuple[list[str], bytes]:
    """The rows as CSV or .npy (float32 for one of them), from a file or stdin."""
    form, where = kind.split("-")
    data = csv_bytes(LOGITS) if form == "csv" else npy_bytes(LOGITS.astype(form))
    if where == "stdin":
        return [], data
    path = tmp_path / "logits.in"
    path.write_bytes(data)
    return ["-i", str(path)], b""


def as_read(kind: str) -> np.ndarray:
    """The logits as the command sees them: float32 values computed in float64."""
    return LOGITS.astype(np.float32).astype(np.float64) if "float32" in kind else LOGITS


TARGET_KINDS = ["npy-uint8", "npy-int16", "npy-int64", "npy-uint64", "indices", "labels", "mixed"]
LOGITS_KINDS = ["csv-file", "csv-stdin", "float64-file", "float64-stdin", "float32-file"]


@pytest.mark.parametrize("targets", TARGET_KINDS)
@pytest.mark.parametrize("logits", LOGITS_KINDS)
def test_xent_mean_and_accuracy(tmp_path: Path, targets: str, logits: str) -> None:
    args, stdin = logits_args(tmp_path, logits)
    if "csv" not in logits:
        args += ["--labels", ",".join(CLASSES)]  # an array has no header to name them
    path = target_file(tmp_path, targets)
    code, out, err = run(
        ["xent", *args, "--targets", str(path), "-f", "json", "--reduction", "mean"], stdin
    )
    assert code == 0, err
    x = as_read(logits)
    losses = -scipy.special.log_softmax(x, axis=1)[np.arange(ROWS), TARGETS]
    report = json.loads(out)
    assert report["loss"] == pytest.approx(float(np.mean(losses)), rel=1e-12)
    assert (report["rows"], report["accuracy"]) == (ROWS, float(np.mean(x.argmax(1) == TARGETS)))
    assert report["perplexity"] == pytest.approx(math.exp(np.mean(losses)), rel=1e-12)


def test_xent_rows_carry_their_targets_and_labels(tmp_path: Path) -> None:
    path = target_file(tmp_path, "labels")
    args = ["xent", "--targets", str(path), "-f", "csv", "-p", "6", "--labels", ",".join(CLASSES)]
    code, out, err = run(args, npy_bytes(LOGITS[:3]))
    assert code == 65, "three rows, 300 targets"
    assert "has 300 targets but the logits have 3 rows" in err
    path = target_file(tmp_path, "labels", TARGETS[:3])
    code, out, err = run(args, npy_bytes(LOGITS[:3]))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "loss,target_prob,target,predicted"
    log_probs = scipy.special.log_softmax(LOGITS[:3], axis=1)
    for line, row, t in zip(lines[1:], log_probs, TARGETS[:3], strict=True):
        loss, _, target, predicted = line.split(",")
        assert float(loss) == pytest.approx(-row[t], abs=1e-6)
        assert (target, predicted) == (CLASSES[t], CLASSES[int(np.argmax(row))])


def oracle_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        log_probs = scipy.special.log_softmax(logits / math.exp(log_t), axis=1)
        return float(-np.mean(log_probs[np.arange(len(targets)), targets]))

    found = scipy.optimize.minimize_scalar(
        nll, bounds=(math.log(1e-3), math.log(1e3)), method="bounded", options={"xatol": 1e-10}
    )
    return math.exp(found.x)


@pytest.mark.parametrize("targets", ["npy-uint8", "npy-int16", "indices", "labels", "mixed"])
@pytest.mark.parametrize("logits", LOGITS_KINDS)
def test_calibrate_fits_the_temperature(tmp_path: Path, targets: str, logits: str) -> None:
    args, stdin = logits_args(tmp_path, logits)
    if "csv" not in logits:
        args += ["--labels", ",".join(CLASSES)]
    path = target_file(tmp_path, targets)
    code, out, err = run(["calibrate", *args, "--targets", str(path), "-f", "json"], stdin)
    assert code == 0, err
    report = json.loads(out)
    x = as_read(logits)
    expected = calibrate(x, TARGETS)
    assert report["temperature"] == pytest.approx(expected.temperature, rel=1e-9)
    assert report["temperature"] == pytest.approx(oracle_temperature(x, TARGETS), rel=1e-6)
    assert report["after"]["nll"] == pytest.approx(expected.after.nll, rel=1e-12)
    assert report["rows"] == ROWS


@pytest.mark.parametrize("command", ["xent", "calibrate"])
@pytest.mark.parametrize("logits", ["csv", "npy"])
def test_a_skipped_row_takes_its_target_with_it(tmp_path: Path, command: str, logits: str) -> None:
    # Rows 2 and 4 are bad; the targets are matched by row, not by line.
    if logits == "csv":
        stdin = b"a,b\n# note\n0,3\nnan,0\n\n3,0\n1,x\n0,2\n2,0\n"
    else:
        values = [[0, 3], [np.nan, 0], [3, 0], [np.inf, 0], [0, 2], [2, 0]]
        stdin = npy_bytes(np.array(values, dtype=np.float64))
    path = tmp_path / "t.txt"
    path.write_text("1\n0\n0\n0\n0\n1\n")
    expected = calibrate(np.array([[0.0, 3], [3, 0], [0, 2], [2, 0]]), np.array([1, 0, 0, 1]))
    if command == "xent":
        code, out, err = run(["xent", "--targets", str(path), "--skip-invalid", "-f", "csv"], stdin)
        assert code == 0, err
        rows = [line.split(",") for line in out.splitlines()[1:]]
        names = ["a", "b"] if logits == "csv" else ["0", "1"]  # a header names the classes
        assert [row[2] for row in rows] == [names[t] for t in (1, 0, 0, 1)]
        assert [row[3] for row in rows] == [names[t] for t in (1, 0, 1, 0)]
    else:
        code, out, err = run(["calibrate", "--targets", str(path), "--skip-invalid"], stdin)
        assert code == 0, err
        assert json.loads(out)["temperature"] == pytest.approx(expected.temperature, rel=1e-9)
    where = "lines 4, 7" if logits == "csv" else "rows 2, 4"
    assert f"warning: skipped 2 invalid rows ({where})" in err


def npy_like(dtype: str, shape: object, data: bytes, fortran: bool) -> bytes:
    header = repr({"descr": dtype, "fortran_order": fortran, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def lying_npy(count: int, really: int) -> bytes:
    """An int64 array whose header announces ``count`` entries but holds ``really``."""
    return npy_like("<i8", (count,), bytes(8 * really), fortran=False)


OUT_OF_RANGE = "target index {} is out of range: 5 classes, 0-4"
HORSE = "target 'horse' is not a class label (dog, cat, boat, airplane, fish) or index (0-4)"
LEAVE_OUT = "--targets gives every row's target: leave out "
ERRORS = [
    (
        "t.npy",
        np.zeros(ROWS - 1, np.int8),
        [],
        65,
        "{} has 299 targets but the logits have 300 rows",
    ),
    ("t.txt", b"0\n" * (ROWS + 1), [], 65, "{} has 301 targets but the logits have 300 rows"),
    ("t.txt", b"0\n" * (ROWS - 1), [], 65, "{} has 299 targets but the logits have 300 rows"),
    ("t.npy", np.full(ROWS, 5, np.uint8), [], 65, "{}, row 1: " + OUT_OF_RANGE.format(5)),
    (
        "t.npy",
        np.r_[np.zeros(9), -1, np.zeros(ROWS - 10)].astype(np.int32),
        [],
        65,
        "{}, row 10: " + OUT_OF_RANGE.format(-1),
    ),
    ("t.txt", b"0\n\n7\n", [], 65, "{}, line 3: " + OUT_OF_RANGE.format(7)),
    ("t.txt", b"-2\n", [], 65, "{}, line 1: " + OUT_OF_RANGE.format(-2)),
    ("t.txt", b"dog\nhorse\n", [], 65, "{}, line 2: " + HORSE),
    (
        "t.npy",
        np.zeros(ROWS, np.float64),
        [],
        65,
        "{}: the .npy array holds float64 values; an integer array is needed",
    ),
    (
        "t.npy",
        lying_npy(10**6, ROWS),
        [],
        65,
        "{}: the .npy header announces 1000000 targets (8000000 bytes) "
        "but the file holds 2400 bytes of data",
    ),
    ("t.txt", b"0\n", ["--target", "1"], 2, LEAVE_OUT + "--target"),
    ("t.txt", b"0\n", ["--target-column", "1"], 2, LEAVE_OUT + "--target-column"),
]


@pytest.mark.parametrize("command", ["xent", "calibrate"])
@pytest.mark.parametrize(("name", "content", "args", "code", "message"), ERRORS)
def test_errors(
    tmp_path: Path,
    command: str,
    name: str,
    content: bytes | np.ndarray,
    args: list[str],
    code: int,
    message: str,
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.save(path, content)
    logits = tmp_path / "logits.npy"
    np.save(logits, LOGITS)
    for source in (["-i", str(logits), "--labels", ",".join(CLASSES)], []):
        stdin = b"" if source else csv_bytes(LOGITS)
        got, _, err = run([command, "-f", "json", *source, "--targets", str(path), *args], stdin)
        assert got == code, err
        assert message.format(f"--targets {path}") in err
        assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1
        if code == 2:
            assert err.endswith(f" {command} --help')\n")  # a usage error, with the hint


@pytest.mark.parametrize("command", ["xent", "calibrate"])
def test_a_missing_targets_file_is_clicks_usage_error(tmp_path: Path, command: str) -> None:
    code, _, err = run([command, "--targets", str(tmp_path / "none.npy")], csv_bytes(LOGITS))
    assert code == 2
    assert "Invalid value for '--targets'" in err and "does not exist" in err


def test_values_as_arguments_take_target_not_targets(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("0\n")
    code, _, err = run(["xent", "--targets", str(path), "1", "2"])
    assert code == 2
    assert "error: --targets pairs with rows from --input or stdin" in err


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """A pipeline in bash with the installed ``softmax`` first on the PATH."""
    assert SCRIPT is not None
    env = clean_env()
    env["PATH"] = f"{Path(SCRIPT).parent}:{env.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=120,
    )


def test_real_pipes(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", LOGITS.astype(np.float32))
    np.save(tmp_path / "t.npy", TARGETS.astype(np.uint16))
    (tmp_path / "t.txt").write_text("".join(f"{t}\n" for t in TARGETS))
    x = LOGITS.astype(np.float32).astype(np.float64)

    done = shell("cat x.npy | softmax xent --targets t.txt -p 10", tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert len(lines) == ROWS + 1
    losses = -scipy.special.log_softmax(x, axis=1)[np.arange(ROWS), TARGETS]
    assert [float(line.split(",")[0]) for line in lines[1:]] == pytest.approx(losses, abs=1e-9)
    assert done.stderr.decode().startswith(f"xent: {ROWS} rows, mean loss")

    done = shell("softmax calibrate -i x.npy --targets t.npy --format json", tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["temperature"] == pytest.approx(calibrate(x, TARGETS).temperature, rel=1e-9)
    assert report["temperature"] == pytest.approx(oracle_temperature(x, TARGETS), rel=1e-6)

    done = shell(
        "head -c 300 t.npy > short.npy; softmax xent -i x.npy --targets short.npy", tmp_path
    )
    assert done.returncode == 65
    assert done.stderr.decode().count("\n") == 1


def test_a_targets_file_on_a_pipe(tmp_path: Path) -> None:
    """Process substitution gives a path to a pipe: read once, in step, all the same."""
    np.save(tmp_path / "t.npy", TARGETS.astype(np.int32))
    (tmp_path / "logits.csv").write_bytes(csv_bytes(LOGITS))
    done = shell(
        "softmax xent --targets <(cat t.npy) --reduction sum -p 6 -f csv < logits.csv", tmp_path
    )
    assert done.returncode == 0, done.stderr
    losses = -scipy.special.log_softmax(LOGITS, axis=1)[np.arange(ROWS), TARGETS]
    assert float(done.stdout) == pytest.approx(float(np.sum(losses)), abs=1e-6)


def fuzz(content: bytes) -> None:
    """Run xent and calibrate with ``content`` as the targets file: success or a
    documented exit code with one line on stderr, never a traceback."""
    descriptor, name = tempfile.mkstemp()
    try:
        os.write(descriptor, content)
        os.close(descriptor)
        logits = csv_bytes(LOGITS[:4])
        for command in ("xent", "calibrate"):
            code, _, err = run([command, "-f", "json", "--targets", name], logits)
            assert code in (0, 65), err
            assert code == 0 or (err.startswith("error: ") and err.count("\n") == 1), err
    finally:
        os.unlink(name)


text_lines = st.lists(
    st.one_of(
        st.sampled_from(["0", "4", "5", "-1", "dog", "fish", "#", "", " ", "1.0", "1.5", "nan"]),
        st.text(max_size=6),
    ),
    max_size=8,
).map(lambda lines: "\n".join(lines).encode())


@settings(max_examples=60, deadline=None)
@given(st.one_of(text_lines, st.binary(max_size=40)))
def test_fuzzed_text_targets_end_in_an_exit_code(content: bytes) -> None:
    fuzz(content)


npy_files = st.builds(
    npy_like,
    st.sampled_from(["<i8", "|u1", ">i2", "<f8", "|b1", "<U3", "|O", "<i4", "xx"]),
    st.one_of(
        st.tuples(st.integers(-2, 6)),
        st.tuples(st.integers(0, 4), st.integers(0, 2)),
        st.just(()),
        st.just((10**20,)),
    ),
    st.binary(max_size=48),
    st.booleans(),
)


@settings(max_examples=80, deadline=None)
@given(st.one_of(npy_files, st.binary(max_size=60).map(lambda b: b"\x93NUMPY" + b)))
def test_fuzzed_npy_targets_end_in_an_exit_code(content: bytes) -> None:
    fuzz(content)
