"""softmax compare: per-row output, the report, bad input (one line, exit 65 or 2), and
fuzzed files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import invoke_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax, rel_entr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    rng = np.random.default_rng(3)
    base = rng.normal(0, 2, (40, 6))
    other = base + rng.normal(0, 0.3, base.shape)
    paths = {
        "base.npy": base,
        "other.npy": other,
        "targets.npy": rng.integers(0, 6, 40),
        "short.npy": other[:39],
        "narrow.npy": other[:, :5],
        "short_targets.npy": rng.integers(0, 6, 39),
        "bad_targets.npy": np.full(40, 6),
    }
    for name, array in paths.items():
        np.save(tmp_path / name, array)
    np.savetxt(tmp_path / "base.csv", base, delimiter=",", fmt="%.17g")
    return {
        name.split(".")[0] + ("_csv" if name.endswith("csv") else ""): str(tmp_path / name)
        for name in [*paths, "base.csv"]
    }


def run_json(args: list[str]) -> dict:
    code, out, err = invoke_cli([*args, "--format", "json"])
    assert code == 0, err
    return json.loads(out)


def test_report_kl_matches_scipy(files: dict[str, str]) -> None:
    report = run_json(["compare", files["base"], files["other"], "--targets", files["targets"]])
    p = np.exp(log_softmax(np.load(files["base"]), axis=1))
    q = np.exp(log_softmax(np.load(files["other"]), axis=1))
    assert report["rows"] == 40
    assert report["kl"]["mean"] == pytest.approx(rel_entr(p, q).sum(axis=1).mean())
    assert set(report["targets"]) >= {"ppl_base", "ppl_other", "ppl_ratio", "delta_p"}


def test_csv_and_npy_read_in_lockstep_agree(files: dict[str, str]) -> None:
    a = run_json(["compare", files["base"], files["other"]])
    b = run_json(["compare", files["base_csv"], files["other"]])
    assert a["kl"]["mean"] == pytest.approx(b["kl"]["mean"], rel=1e-12)


def test_identical_inputs_report_zero(files: dict[str, str]) -> None:
    report = run_json(["compare", files["base"], files["base_csv"], "--targets", files["targets"]])
    assert report["kl"]["mean"] == report["js"]["mean"] == report["tv"]["mean"] == 0.0
    assert report["same_top"]["mean"] == 1.0
    assert report["targets"]["delta_p"]["mean"] == 0.0


def test_rows_in_bits_with_targets(files: dict[str, str]) -> None:
    args = ["compare", files["base"], files["other"], "--rows", "--targets", files["targets"]]
    code, out, err = invoke_cli([*args, "--format", "csv", "--base", "2", "-k", "2"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "kl,kl_reverse,js,tv,same_top,base_top,other_top,overlap,base_nll,other_nll,delta_p"
    )
    assert len(lines) == 41
    p = log_softmax(np.load(files["base"]), axis=1)
    q = log_softmax(np.load(files["other"]), axis=1)
    kl_bits = (np.exp(p) * (p - q)).sum(axis=1) / math.log(2)
    assert float(lines[1].split(",")[0]) == pytest.approx(kl_bits[0], abs=1e-8)
    assert "compare: 40 rows" in err


def test_report_as_csv_and_table(files: dict[str, str]) -> None:
    code, out, _ = invoke_cli(["compare", files["base"], files["other"], "-f", "csv"])
    assert code == 0
    assert out.startswith("figure,value,error\nrows,40")
    code, out, _ = invoke_cli(["compare", files["base"], files["other"], "-f", "table"])
    assert code == 0
    assert "KL(BASE || OTHER)" in out and "same top class" in out


def test_infinite_kl_is_counted(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.array([[0.0, 1.0], [0.0, 0.0]]))
    np.save(tmp_path / "b.npy", np.array([[0.0, -np.inf], [0.0, 0.0]]))
    code, out, err = invoke_cli(
        ["compare", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "-f", "json"]
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["kl"]["infinite_rows"] == 1 and report["kl"]["mean"] is None
    assert "warning: 1 row has an infinite KL(BASE || OTHER)" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["base", "short"], 65, "is 40 x 6 but OTHER"),
        (["base_csv", "short"], 65, "is 40 x 6 but OTHER"),
        (["short", "base_csv"], 65, "is 39 x 6 but OTHER"),
        (["base", "narrow"], 65, "is 40 x 6 but OTHER"),
        (["base", "other", "--targets", "short_targets"], 65, "has 39 targets but the logits"),
        (["base", "other", "--targets", "bad_targets"], 65, "out of range"),
        (["base", "other", "--clip", "0.1"], 2, "--clip and --renormalize apply"),
        (["base", "other", "--format", "npy"], 2, "--format npy is for --rows"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    files: dict[str, str], args: list[str], code: int, message: str
) -> None:
    argv = ["compare", *(files.get(a, a) for a in args)]
    exit_code, out, err = invoke_cli(argv)
    assert exit_code == code, err
    assert message in err and out == ""
    if code == 65:
        assert len(err.strip().splitlines()) == 1


def test_both_on_stdin_is_a_usage_error() -> None:
    code, _, err = invoke_cli(["compare", "-", "-"])
    assert code == 2 and "only one of BASE and OTHER" in err


def npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


cells = st.sampled_from(["0", "1.5", "-2", "nan", "inf", "-inf", "x", "", "1e400"])
csv_text = st.lists(st.lists(cells, min_size=1, max_size=4), max_size=4).map(
    lambda rows: "\n".join(",".join(row) for row in rows).encode()
)
arrays = st.builds(
    lambda shape, fill: npy_bytes(np.full(shape, fill)),
    st.sampled_from([(0,), (2,), (2, 3), (3, 3), (1, 0), (2, 2, 2)]),
    st.sampled_from([0.0, 1.0, -np.inf, np.nan, 0.5]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(csv_text, arrays, st.binary(max_size=30)),
    st.sampled_from([[], ["--probs"], ["--rows", "-f", "csv"], ["-k", "2"], ["--base", "2"]]),
    st.sampled_from([None, b"0\n1\n", b"0\n5\n", b"x\n"]),
)
def test_fuzzed_inputs_end_in_an_exit_code(
    tmp_path: Path, content: bytes, options: list[str], targets: bytes | None
) -> None:
    base = tmp_path / "base.csv"
    base.write_bytes(npy_bytes(np.zeros((2, 3))))
    other = tmp_path / "other"
    other.write_bytes(content)
    extra = []
    if targets is not None:
        (tmp_path / "t.txt").write_bytes(targets)
        extra = ["--targets", str(tmp_path / "t.txt")]
    code, _, err = invoke_cli(["compare", str(base), str(other), *options, *extra])
    assert code in (0, 2, 65), err
    if code:
        assert len(err.strip().splitlines()) == 1, err


def test_rows_as_npy_and_as_a_table_preview(files: dict[str, str], tmp_path: Path) -> None:
    args = ["compare", files["base"], files["other"], "--rows"]
    code, out, err = invoke_cli([*args, "-f", "table"])
    assert code == 0, err
    assert " js " in out and "first 20 of 40 rows" in out
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner().invoke(cli, [*args, "-f", "npy"])
    assert result.exit_code == 0
    import io

    rows = np.load(io.BytesIO(result.stdout_bytes))
    assert rows.shape == (40, 7)


def test_empty_inputs(tmp_path: Path, files: dict[str, str]) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, out, err = invoke_cli(["compare", str(empty), str(empty)])
    assert (code, out, err) == (0, "", "")
    code, _, err = invoke_cli(["compare", str(empty), files["base"]])
    assert code == 65 and "is 0 x 0 but OTHER" in err


def test_plot_writes_a_png(files: dict[str, str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "kl.png"
    args = ["compare", files["base"], files["other"], "--targets", files["targets"]]
    code, _, err = invoke_cli([*args, "--plot", str(plot), "--base", "2", "-f", "json"])
    assert code == 0, err
    assert plot.read_bytes().startswith(b"\x89PNG")
