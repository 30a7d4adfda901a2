"""--input globs, --output-dir and the scheduler from the environment, without a cluster:
the usage rules, what is left on disk when a shard fails, and the skip summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import clean_env, one_line, refused_address


@pytest.fixture
def shards(tmp_path: Path) -> Path:
    """Three CSV shards of logits with a header, in tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for index in range(3):
        rows = "".join(f"{a:.3f},{b:.3f}\n" for a, b in rng.normal(size=(4, 2)))
        (folder / f"{index}.csv").write_text("a,b\n" + rows)
    return folder


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["-", "{in}/0.csv"], "'-' (stdin) cannot be one of several inputs"),
        (["{in}/*.none"], "no file matches"),
        (["{in}"], "Is a directory"),
        (["{in}/0.csv", "{in}/./0.csv"], "a file is given twice"),
    ],
)
def test_input_usage_errors(shards: Path, run_script, inputs: list[str], message: str) -> None:
    args = [part for pattern in inputs for part in ("-i", pattern.format(**{"in": shards}))]
    done = run_script("softmax", *args, "-f", "csv")
    assert done.returncode == 2 and message in one_line(done.stderr)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output-dir", "{tmp}/missing"], "is not a folder"),
        (["--output-dir", "{tmp}/out", "-f", "table"], "--output-dir writes files"),
        (["--output-dir", "{tmp}/in"], "over the input shard"),
        (["-i", "{tmp}/twin/0.csv", "--output-dir", "{tmp}/out"], "would both write 0"),
    ],
)
def test_output_dir_usage_errors(shards: Path, run_script, extra: list[str], message: str) -> None:
    tmp = shards.parent
    (tmp / "out").mkdir()
    (tmp / "twin").mkdir()
    (tmp / "twin" / "0.csv").write_bytes((shards / "0.csv").read_bytes())
    before = {path: path.read_bytes() for path in shards.iterdir()}
    args = [argument.format(tmp=tmp) for argument in extra]
    done = run_script("softmax", "-i", f"{shards}/*.csv", *args)
    assert done.returncode == 2 and message in one_line(done.stderr)
    assert {path: path.read_bytes() for path in shards.iterdir()} == before
    assert list((tmp / "out").iterdir()) == []


def test_output_dir_with_format_auto_writes_csv(shards: Path, run_script) -> None:
    out = shards.parent / "out"
    out.mkdir()
    done = run_script("softmax", "-i", f"{shards}/*.csv", "--output-dir", f"{out}/")
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in out.iterdir()) == ["0.csv", "1.csv", "2.csv"]
    alone = run_script("softmax", "-i", str(shards / "1.csv"), "-f", "csv")
    assert (out / "1.csv").read_bytes() == alone.stdout


def test_a_bad_third_shard_keeps_the_files_before_it(shards: Path, run_script) -> None:
    (shards / "2.csv").write_text("a,b\n1,2\n3,oops\n")
    (shards / "3.csv").write_bytes((shards / "0.csv").read_bytes())
    out = shards.parent / "out"
    out.mkdir()
    done = run_script("softmax", "-i", f"{shards}/*.csv", "--output-dir", str(out))
    assert done.returncode == 65
    assert one_line(done.stderr) == (
        f"error: {shards}/2.csv: line 3, column 2: 'oops' is not a number\n"
    )
    assert sorted(path.name for path in out.iterdir()) == ["0.csv", "1.csv"]  # no temporary


def test_a_bad_third_shard_is_named_when_read_as_one_input(shards: Path, run_script) -> None:
    (shards / "2.csv").write_text("a,b\n1,2\n3,oops\n")
    done = run_script("stats", "-i", f"{shards}/*.csv", "-f", "csv")
    assert done.returncode == 65
    assert one_line(done.stderr).endswith(
        f"{shards}/2.csv: line 3, column 2: 'oops' is not a number\n"
    )
    assert done.stdout.count(b"\n") == 1 + 4 + 4 + 1  # the header and every good row before


def test_the_skip_summary_names_each_shard(shards: Path, run_script) -> None:
    (shards / "0.csv").write_text("a,b\n1,2\nx,1\n")
    (shards / "2.csv").write_text("a,b\n1,y\n3,4\n")
    out = shards.parent / "out"
    out.mkdir()
    expected = (
        f"warning: skipped 2 invalid rows ({shards}/0.csv: lines 3; {shards}/2.csv: lines 2)\n"
    )
    for extra in (["-f", "csv"], ["--output-dir", str(out)]):
        done = run_script("softmax", "-i", f"{shards}/*.csv", "--skip-invalid", *extra)
        assert done.returncode == 0 and done.stderr.decode() == expected


def test_the_environment_scheduler_is_not_used_for_rows_to_stdout(shards: Path, run_script) -> None:
    env = {**clean_env(), "DASK_SCHEDULER_ADDRESS": refused_address()}
    alone = run_script("softmax", "-i", str(shards / "0.csv"), "-f", "csv")
    for args in (["-i", str(shards / "0.csv")], ["-i", f"{shards}/*.csv"], ["1", "2"]):
        done = run_script("softmax", *args, "-f", "csv", env=env)
        assert done.returncode == 0, done.stderr
    piped = run_script("softmax", "-f", "csv", stdin=(shards / "0.csv").read_bytes(), env=env)
    assert piped.stdout == alone.stdout


def test_the_environment_scheduler_is_used_with_output_dir(shards: Path, run_script) -> None:
    pytest.importorskip("distributed")
    address = refused_address()
    out = shards.parent / "out"
    out.mkdir()
    env = {**clean_env(), "DASK_SCHEDULER_ADDRESS": address}
    done = run_script("softmax", "-i", f"{shards}/*.csv", "--output-dir", str(out), env=env)
    assert done.returncode == 1
    assert (
        one_line(done.stderr)
        == f"error: cannot reach the Dask scheduler at {address}: Connection refused\n"
    )


def test_targets_glob_of_one_file_for_one_input(tmp_path: Path, run_script) -> None:
    np.save(tmp_path / "logits.npy", np.array([[1.0, 2.0], [0.0, 3.0]]))
    (tmp_path / "targets-0.txt").write_text("1\n0\n")
    logits = str(tmp_path / "logits.npy")
    named = run_script("xent", "-i", logits, "--targets", str(tmp_path / "targets-0.txt"))
    for targets in (str(tmp_path / "targets-*.txt"), f"file://{tmp_path}/targets-0.txt"):
        done = run_script("xent", "-i", logits, "--targets", targets)
        assert done.returncode == 0 and done.stdout == named.stdout, done.stderr
    (tmp_path / "targets-1.txt").write_text("1\n0\n")
    done = run_script("xent", "-i", logits, "--targets", str(tmp_path / "targets-*.txt"))
    assert done.returncode == 2 and "names 2 files for one input" in one_line(done.stderr)
