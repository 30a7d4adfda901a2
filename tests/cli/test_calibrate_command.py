"""The ``calibrate`` command: every option and format, the JSON shape, xent's input rules
and errors, and real pipes from ``softmax`` into it."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.special
from helpers import SCRIPT, clean_env, invoke_cli

from softmax_cli.core.calculator.calibration import DEFAULT_BINS, calibrate

ROWS = 600
CLASSES = ("a", "b", "c")
METRICS = ["nll", "accuracy", "brier", "ece", "mce"]


def invoke(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    return invoke_cli(["calibrate", *args], stdin)


def over_confident(seed: int = 0, rows: int = ROWS) -> tuple[np.ndarray, np.ndarray]:
    """Logits three times too sharp for targets drawn from softmax(logits / 3)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 1.5, size=(rows, len(CLASSES)))
    probs = scipy.special.softmax(logits, axis=1)
    targets = (probs.cumsum(axis=1) > rng.random((rows, 1))).argmax(axis=1)
    return logits * 3.0, targets


def csv_text(values: np.ndarray, targets: np.ndarray, names: bool = True) -> str:
    """A header a,b,c,label, rows of values at full precision, targets as labels."""
    lines = [",".join(repr(v) for v in row) for row in values.tolist()]
    if names:
        return "a,b,c,label\n" + "".join(
            f"{line},{CLASSES[t]}\n" for line, t in zip(lines, targets, strict=True)
        )
    return "".join(f"{line},{t}\n" for line, t in zip(lines, targets, strict=True))


LOGITS, TARGETS = over_confident()
STDIN = csv_text(LOGITS, TARGETS)
EXPECTED = calibrate(LOGITS, TARGETS)


def calibrate_json(args: list[str], stdin: str = STDIN) -> dict:
    code, out, err = invoke(["-f", "json", *args], stdin)
    assert code == 0, err
    return json.loads(out)


def test_json_shape_exactly() -> None:
    report = calibrate_json([])
    assert list(report) == [
        "temperature",
        "bound",
        "rows",
        "bins",
        "before",
        "after",
        "reliability",
    ]
    assert report["temperature"] == pytest.approx(EXPECTED.temperature, rel=1e-12)
    assert (report["bound"], report["rows"], report["bins"]) == (None, ROWS, 15)
    for when in ("before", "after"):
        assert list(report[when]) == METRICS
        expected = getattr(EXPECTED, when)
        for name in METRICS:
            assert report[when][name] == pytest.approx(getattr(expected, name), rel=1e-12)
        bins = report["reliability"][when]
        assert len(bins) == 15
        assert all(list(b) == ["lower", "upper", "count", "confidence", "accuracy"] for b in bins)
        assert [b["lower"] for b in bins] == [m / 15 for m in range(15)]
        assert [b["upper"] for b in bins] == [(m + 1) / 15 for m in range(15)]
        assert sum(b["count"] for b in bins) == ROWS
        for b in bins:
            if b["count"] == 0:
                assert b["confidence"] is None and b["accuracy"] is None
            else:
                assert b["lower"] < b["confidence"] <= b["upper"]
    assert list(report["reliability"]) == ["before", "after"]
    assert report["before"]["accuracy"] == report["after"]["accuracy"]


def test_auto_format_is_json_off_a_terminal_with_a_summary_on_stderr() -> None:
    code, out, err = invoke([], STDIN)
    assert code == 0
    assert json.loads(out)["rows"] == ROWS
    t, before, after = EXPECTED.temperature, EXPECTED.before, EXPECTED.after
    assert err == (
        f"calibrate: {ROWS} rows, T = {t:.8f}, NLL {before.nll:.8f} -> {after.nll:.8f} nats, "
        f"ECE {before.ece:.8f} -> {after.ece:.8f}\n"
    )
    assert invoke(["-q"], STDIN)[2] == ""


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_are_metric_before_after_with_the_temperature_first(
    fmt: str, delimiter: str
) -> None:
    code, out, _ = invoke(["-f", fmt, "-p", "5"], STDIN)
    assert code == 0
    rows = [line.split(delimiter) for line in out.splitlines()]
    assert rows[0] == ["metric", "before", "after"]
    assert rows[1] == ["temperature", "1.00000", f"{EXPECTED.temperature:.5f}"]
    assert [row[0] for row in rows[2:]] == METRICS
    for row, name in zip(rows[2:], METRICS, strict=True):
        before, after = getattr(EXPECTED.before, name), getattr(EXPECTED.after, name)
        assert row[1:] == [f"{before:.5f}", f"{after:.5f}"]


def test_table_report() -> None:
    code, out, err = invoke(["-f", "table", "-p", "4", "--bins", "10"], STDIN)
    assert code == 0
    assert err == ""  # the summary is the report itself
    t = EXPECTED.temperature
    assert out.startswith(f"temperature T = {t:.4f}, minimising the NLL over {ROWS} rows\n")
    words = " ".join(out.split())  # the text with Rich's padding squeezed out
    before, after = EXPECTED.before, EXPECTED.after
    for expected in (
        f"temperature 1.0000 {t:.4f}",
        f"NLL (nats) {before.nll:.4f} {after.nll:.4f}",
        f"Brier score {before.brier:.4f} {after.brier:.4f}",
        "ECE (10 bins)",
        "reliability before (T = 1): █ accuracy, │ confidence",
        f"reliability after (T = {t:g})",
        f"apply it: softmax -t {t:.6g} on the same logits",
    ):
        assert expected in words, expected


def test_bins_option() -> None:
    from softmax_cli.cli.commands.calibrate import calibrate_command

    bins = next(p for p in calibrate_command.params if p.name == "bins")
    assert bins.default == DEFAULT_BINS == calibrate_json([])["bins"]
    report = calibrate_json(["--bins", "4"])
    assert report["bins"] == 4
    assert [b["upper"] for b in report["reliability"]["after"]] == [0.25, 0.5, 0.75, 1.0]
    assert report["temperature"] == pytest.approx(EXPECTED.temperature, rel=1e-12)
    single = calibrate_json(["--bins", "1"])
    # One bin: ECE is |accuracy - mean confidence| over all rows.
    assert single["before"]["ece"] == pytest.approx(
        abs(single["before"]["accuracy"] - single["reliability"]["before"][0]["confidence"])
    )


def test_probs_give_the_temperature_of_their_logits() -> None:
    probs = scipy.special.softmax(LOGITS, axis=1)
    probs[0] = [1.0, 0.0, 0.0]  # a zero stays zero at every T
    logits = LOGITS.copy()
    logits[0] = [0.0, -np.inf, -np.inf]
    from_probs = calibrate_json(["--probs"], csv_text(probs, TARGETS))
    expected = calibrate(logits, TARGETS)
    assert from_probs["temperature"] == pytest.approx(expected.temperature, rel=1e-6)
    assert from_probs["after"]["nll"] == pytest.approx(expected.after.nll, rel=1e-6)


def test_binary_is_softmax_of_zero_and_the_logit() -> None:
    z = LOGITS[:, 1] - LOGITS[:, 0]
    targets = (TARGETS == 1).astype(int)
    stdin = "z,y\n" + "".join(f"{v!r},{t}\n" for v, t in zip(z.tolist(), targets, strict=True))
    report = calibrate_json(["--binary", "--target-column", "y"], stdin)
    expected = calibrate(np.column_stack([np.zeros_like(z), z]), targets)
    assert report["temperature"] == pytest.approx(expected.temperature, rel=1e-9)
    code, out, _ = invoke(["-f", "table", "--binary", "--target-column", "y"], stdin)
    assert code == 0
    assert f"apply it: p = sigmoid(z / {expected.temperature:.6g})" in out


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        ([], "x,y,target\n2,0,0\n0,1,1\n3,0,1\n"),  # default name 'target', indices
        (["--target-column", "truth"], "x,truth,y\n2,0,0\n0,1,1\n3,1,0\n"),
        (["--no-header", "--target-column", "2"], "2,0,0\n0,1,1\n3,0,1\n"),
        (["--labels", "x,y", "--target-column", "2"], "2,0,x\n0,1,y\n3,0,y\n"),
        (["--delimiter", ";"], "x;y;label\n2;0;x\n0;1;y\n3;0;y\n"),
    ],
)
def test_where_the_targets_come_from(args: list[str], stdin: str) -> None:
    report = calibrate_json(args, stdin)
    expected = calibrate(np.array([[2.0, 0], [0, 1], [3, 0]]), np.array([0, 1, 1]))
    assert report["temperature"] == pytest.approx(expected.temperature, rel=1e-12)


def test_one_target_for_every_row() -> None:
    report = calibrate_json(["--target", "b"], "a,b\n0,1\n1,0\n2,0\n")
    expected = calibrate(np.array([[0.0, 1], [1, 0], [2, 0]]), np.array([1, 1, 1]))
    assert report["temperature"] == pytest.approx(expected.temperature, rel=1e-12)


def test_input_file_option(tmp_path: Path) -> None:
    path = tmp_path / "scored.csv"
    path.write_text(STDIN)
    assert calibrate_json(["--input", str(path)], "")["rows"] == ROWS


@pytest.mark.parametrize(
    ("stdin", "bound", "temperature"),
    [
        ("a,b,label\n2,0,a\n0,1,b\n5,1,a\n", "lower", 0.001),  # every prediction right
        ("a,b,label\n2,0,b\n0,1,a\n5,1,b\n", "upper", 1000.0),  # every one wrong
    ],
)
def test_a_bound_is_reported_as_such(stdin: str, bound: str, temperature: float) -> None:
    code, out, err = invoke(["-f", "json", "-q"], stdin)
    assert code == 0
    report = json.loads(out)
    assert (report["bound"], report["temperature"]) == (bound, temperature)
    assert err.count("\n") == 1
    assert err.startswith(f"warning: T = {temperature:g} is the search's {bound} bound")
    code, out, _ = invoke(["-f", "table"], stdin)
    assert f"the search's {bound} bound, not an optimum" in out


def test_equal_logits_keep_t_at_1() -> None:
    report = calibrate_json([], "a,b,label\n1,1,a\n0,0,b\n")
    assert (report["temperature"], report["bound"]) == (1.0, None)


def test_skip_invalid_skips_bad_rows_and_impossible_targets() -> None:
    stdin = STDIN + "1,x,2,a\n" + "0,0,0,pig\n" + "-inf,-inf,-inf,a\n" + "-inf,0,0,a\n"
    code, out, err = invoke(["-f", "json", "-q", "--skip-invalid"], stdin)
    assert code == 0, err
    assert json.loads(out)["temperature"] == pytest.approx(EXPECTED.temperature, rel=1e-12)
    first = ROWS + 2
    lines = ", ".join(str(first + i) for i in range(4))
    assert err == f"warning: skipped 4 invalid rows (lines {lines})\n"


def test_clip_bounds_a_target_probability_of_zero() -> None:
    stdin = "a,b,label\n1,0,b\n0.5,0.5,a\n0.2,0.8,b\n"
    code, _, err = invoke(["--probs"], stdin)
    assert code == 65
    assert "--clip EPS bounds it" in err
    report = calibrate_json(["--probs", "--clip", "1e-7"], stdin)
    assert report["before"]["nll"] == pytest.approx(
        (-math.log(1e-7) - math.log(0.5) - math.log(0.8)) / 3, rel=1e-6
    )


def test_renormalize() -> None:
    report = calibrate_json(["--probs", "--renormalize"], "a,b,label\n2,6,b\n3,1,a\n1,1,a\n")
    expected = calibrate(np.log([[0.25, 0.75], [0.75, 0.25], [0.5, 0.5]]), np.array([1, 0, 0]))
    assert report["temperature"] == pytest.approx(expected.temperature, rel=1e-9)


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        ([], "a,b\n1,2\n3,4\n", 2, "no target: give --target for every row, or --target-column"),
        (["--target-column", "z"], "a,b\n1,2\n", 2, "--target-column 'z': no such column"),
        ([], "a,b,label\n1,2,a\n1,x,b\n", 65, "line 3, column 2: 'x' is not a number"),
        ([], "a,b,label\n1,2,a\n1,2\n", 65, "line 3, column 3: expected 3 columns, found 2"),
        (
            [],
            "a,b,label\n1,2,a\n1,2,pig\n",
            65,
            "line 3, column 3: target 'pig' is not a class label (a, b) or index (0-1)",
        ),
        ([], "a,b,label\n1,2,a\n-inf,-inf,b\n", 65, "line 3: every logit is -inf"),
        (["--probs"], "a,b,label\n0.5,0.5,a\n0.5,0.6,b\n", 65, "line 3: probabilities sum to 1.1"),
        (
            ["--probs"],
            "a,b,label\n0.5,0.5,a\n1,0,b\n",
            65,
            "line 3: the target class has probability 0: its loss is infinite at every "
            "temperature (--clip EPS bounds it)",
        ),
        (
            [],
            "a,b,label\n0,-inf,b\n1,2,a\n",
            65,
            "line 2: the target class has probability 0: its loss is infinite at every "
            "temperature\n",  # no --clip hint: these are logits
        ),
        ([], "a,b,label\n1,2,a\n", 65, "calibration needs at least 2 rows, got 1 row"),
        ([], "a,b,label\n", 65, "calibration needs at least 2 rows, got 0 rows"),
        ([], "", 65, "calibration needs at least 2 rows, got 0 rows"),
        (
            ["--skip-invalid"],
            "a,b,label\n1,2,a\nx,1,b\n1,-inf,b\n",
            65,
            "got 1 row; skipped 2 invalid rows (lines 3, 4)\n",
        ),
        (["--target", "0", "1", "2"], "", 65, "calibration needs at least 2 rows, got 1 row"),
        (["1", "2"], "", 2, "which class is true? give --target IDX|LABEL"),
        (["--target", "0", "--target-column", "t"], "a,t\n1,0\n", 2, "not both"),
        (["--clip", "0.1"], STDIN, 2, "--clip and --renormalize apply to --probs input only"),
        (["--binary"], STDIN, 65, "--binary takes one value per row, the input has 3"),
        (["--bins", "0"], STDIN, 2, "'--bins': 0 is not in the range 1<=x<=1000000"),
        (["--format", "xml"], STDIN, 2, "Invalid value for '-f' / '--format'"),
    ],
)
def test_errors(args: list[str], stdin: str, code: int, message: str) -> None:
    got_code, out, err = invoke(["-f", "json", *args], stdin)
    assert (got_code, out) == (code, ""), err
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "reliability.png"
    report = calibrate_json(["--plot", str(path)])
    assert report["rows"] == ROWS
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # four real panels, not an empty canvas


def test_plot_without_matplotlib_says_how_to_install_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real_find_spec(name, *a),
    )
    # The input is bad: the missing extra is reported first, before reading it.
    code, out, err = invoke(["--plot", str(tmp_path / "p.png")], "a,b,label\n1,x,a\n")
    assert (code, out) == (1, "")
    assert err == "error: --plot needs matplotlib: pip install matplotlib\n"
    assert not (tmp_path / "p.png").exists()


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a pipeline in bash with the installed ``softmax`` first on the PATH."""
    assert SCRIPT is not None
    env = clean_env()
    env["PATH"] = f"{Path(SCRIPT).parent}:{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def logits_files(tmp_path: Path) -> Path:
    """logits.csv (no header, no target) and targets.txt (one index per line)."""
    np.savetxt(tmp_path / "logits.csv", LOGITS, fmt="%.17g", delimiter=",")
    (tmp_path / "targets.txt").write_text("".join(f"{t}\n" for t in TARGETS))
    return tmp_path


def test_a_real_pipe_from_softmax_gives_the_temperature_of_the_logits(
    logits_files: Path,
) -> None:
    from_logits = shell(
        "paste -d, logits.csv targets.txt | softmax calibrate --target-column 3", logits_files
    )
    from_probs = shell(
        "softmax -f csv -p 15 < logits.csv | paste -d, - targets.txt "
        "| softmax calibrate --probs --target-column 3",
        logits_files,
    )
    t_logits = json.loads(from_logits.stdout)["temperature"]
    assert t_logits == pytest.approx(EXPECTED.temperature, rel=1e-12)
    assert json.loads(from_probs.stdout)["temperature"] == pytest.approx(t_logits, rel=1e-6)
    assert from_probs.stderr.startswith(f"calibrate: {ROWS} rows, T = ")


def test_softmax_t_with_the_fitted_t_reproduces_the_after_nll(logits_files: Path) -> None:
    report = json.loads(
        shell(
            "paste -d, logits.csv targets.txt | softmax calibrate --target-column 3 -q",
            logits_files,
        ).stdout
    )
    t = repr(report["temperature"])
    nll = shell(
        f"softmax -t {t} -f csv -p 15 < logits.csv | paste -d, - targets.txt "
        "| softmax xent --probs --target-column 3 --reduction mean -p 12 -q",
        logits_files,
    ).stdout
    assert float(nll) == pytest.approx(report["after"]["nll"], abs=1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("targets", ["npy", "txt", "fixed"])
def test_an_npy_file_is_read_again_not_held_and_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dtype: str, targets: str
) -> None:
    from softmax_cli.workflows.calculator import calibrate_file

    calls = []
    real = calibrate_file.calibrate_file

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(calibrate_file, "calibrate_file", spy)
    values = LOGITS.astype(dtype)
    np.save(tmp_path / "x.npy", values)
    if targets == "npy":
        np.save(tmp_path / "t.npy", TARGETS.astype(np.uint8))
        option, truth = ["--targets", str(tmp_path / "t.npy")], TARGETS
    elif targets == "txt":
        (tmp_path / "t.txt").write_text("".join(f"{CLASSES[t]}\n" for t in TARGETS))
        option, truth = ["--targets", str(tmp_path / "t.txt"), "--labels", "a,b,c"], TARGETS
    else:
        option, truth = ["--target", "1"], np.ones_like(TARGETS)
    streamed = calibrate_json(["-i", str(tmp_path / "x.npy"), *option], "")
    assert len(calls) == 1
    csv = csv_text(values.astype(np.float64), truth)
    held = calibrate_json(["--target-column", "label"], csv)
    assert len(calls) == 1  # CSV on stdin is held in memory
    assert streamed["temperature"] == pytest.approx(held["temperature"], rel=1e-9)
    for when in ("before", "after"):
        for name in METRICS:
            assert streamed[when][name] == pytest.approx(held[when][name], rel=1e-12)
        counts = [b["count"] for b in streamed["reliability"][when]]
        assert counts == [b["count"] for b in held["reliability"][when]]
    expected = calibrate(values.astype(np.float64), truth)
    assert streamed["temperature"] == pytest.approx(expected.temperature, rel=1e-9)


def test_stdin_redirected_from_an_npy_file_is_read_again(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", LOGITS)
    np.save(tmp_path / "t.npy", TARGETS)
    done = shell("softmax calibrate --targets t.npy -q < x.npy", tmp_path)
    assert json.loads(done.stdout)["temperature"] == pytest.approx(EXPECTED.temperature, rel=1e-9)
    done = shell("cat x.npy | softmax calibrate --targets t.npy -q", tmp_path)  # held
    assert json.loads(done.stdout)["temperature"] == pytest.approx(EXPECTED.temperature, rel=1e-9)
