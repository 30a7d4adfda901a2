"""compare over shard pairs without an engine: the pairs read one after another give
the report and the rows of the concatenated files; each pair's --output-dir file is
what that pair alone writes; the options that do not go together are usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from compare_shards import SIZES, assert_close, write_shards
from helpers import invoke_cli


def run(*args: str) -> str:
    code, out, err = invoke_cli(["compare", *args])
    assert code == 0, err
    return out


def concatenate(folder: Path, arrays: dict[str, list[np.ndarray]], kind: str) -> list[str]:
    """The concatenated BASE, OTHER and targets files, written with NumPy."""
    paths = []
    for side, parts in arrays.items():
        whole = np.concatenate(parts)
        path = folder / f"{side}.{'npy' if side == 'targets' else kind}"
        if path.suffix == ".npy":
            np.save(path, whole)
        else:
            np.savetxt(path, whole, delimiter=",", fmt="%.17g")
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("kind", ["npy", "csv"])
def test_shards_give_what_the_concatenated_files_give(tmp_path: Path, kind: str) -> None:
    arrays = write_shards(tmp_path, kind)
    base, other, targets = concatenate(tmp_path, arrays, kind)
    sharded = [str(tmp_path / f"base/*.{kind}"), str(tmp_path / f"other/*.{kind}")]
    sharded += ["--targets", str(tmp_path / "targets/*.npy"), "-k", "2"]
    whole = [base, other, "--targets", targets, "-k", "2"]
    report = json.loads(run(*sharded, "-f", "json"))
    assert report["rows"] == sum(SIZES)
    assert_close(report, json.loads(run(*whole, "-f", "json")))
    assert run(*sharded, "--rows", "-f", "csv") == run(*whole, "--rows", "-f", "csv")


def test_output_dir_without_engine_writes_each_pair_as_alone(tmp_path: Path, run_script) -> None:
    write_shards(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    base, other = str(tmp_path / "base/*.npy"), str(tmp_path / "other/*.npy")
    run(base, other, "--rows", "-f", "npy", "--output-dir", str(out), "-q")
    for index in range(len(SIZES)):
        name = f"{index:03d}.npy"
        alone = run_script(
            "compare", str(tmp_path / "base" / name), str(tmp_path / "other" / name), "--rows",
            "-f", "npy",
        )  # fmt: skip
        assert alone.returncode == 0, alone.stderr
        assert (out / name).read_bytes() == alone.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output-dir", "."], "--output-dir is for --rows"),
        (["--rows", "--scheduler", "tcp://127.0.0.1:1"], "give --output-dir DIR"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    ],
)
def test_options_that_do_not_go_together(tmp_path: Path, extra: list[str], message: str) -> None:
    write_shards(tmp_path)
    code, out, err = invoke_cli(
        ["compare", str(tmp_path / "base/*.npy"), str(tmp_path / "other/*.npy"), *extra]
    )
    assert code == 2 and message in err and out == ""


def test_cluster_with_other_on_stdin_is_a_usage_error(tmp_path: Path) -> None:
    write_shards(tmp_path)
    code, _, err = invoke_cli(["compare", str(tmp_path / "base/000.npy"), "-", "--workers", "2"])
    assert code == 2 and "give BASE and OTHER as files" in err


def test_a_missing_file_is_clicks_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.npy"
    code, _, err = invoke_cli(["compare", str(missing), str(tmp_path / "b*.npy")])
    assert code == 2 and f"Invalid value for 'BASE': '{missing}': No such file or directory" in err
