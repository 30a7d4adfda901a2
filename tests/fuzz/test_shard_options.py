"""Generated --input patterns, --output-dir folders and --workers/--scheduler values into
the row commands: success, or a documented exit code with one line on stderr; and the
input shards are never changed. No cluster starts: an engine value that would start one
comes only without --output-dir, where it is a usage error before any start."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzz.inputs import option_values, strings
from fuzz.running import fuzz_settings, holds

PATTERNS = ["*.csv", "*.npy", "*", "?.csv", "[ab].csv", "[!a].csv", ".*", "sub/*", "sub",
            "a.csv", "./a.csv", "b.npy", "none*", "[", "*[", "a.csv/*", "**", "~", "-",
            ""]  # fmt: skip
# Output folders: relative to the input folder's parent, so that a run writes no file
# among the inputs (the input folder itself is refused: tests/cluster/test_shard_options.py)
FOLDERS = [
    "out",
    "out/",
    "",
    "missing",
    "in/a.csv",
    "in/.hidden.csv",
    "out/../out",
    "in/sub/../../out",
]
COMMANDS = [["softmax", "--argmax"], ["stats", "-k", "1"], ["sample", "--seed", "3"]]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Shards in tmp_path/in: two CSV with one header, one with another, .npy of two
    widths, a hidden file, a folder; and tmp_path/out, an empty output folder."""
    (tmp_path / "out").mkdir()
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    (tmp_path / "a.csv").write_text("p,q\n1,2\n3,4\n")
    (tmp_path / "b.csv").write_text("p,q\n0,-1\n")
    (tmp_path / "c.csv").write_text("r,s\n5,6\n")
    np.save(tmp_path / "a.npy", np.arange(6.0).reshape(3, 2))
    np.save(tmp_path / "b.npy", np.zeros((1, 3)))
    (tmp_path / ".hidden.csv").write_text("x\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.csv").write_text("p,q\n7,8\n")
    ORIGINAL[tmp_path] = contents(tmp_path)
    return tmp_path


ORIGINAL: dict[Path, dict[str, bytes]] = {}  # the inputs of each folder, as made


def contents(folder: Path) -> dict[str, bytes]:
    return {
        os.fspath(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def starts_a_cluster(value: str) -> bool:
    """``--workers value`` passes Click's check (1 to 1024)."""
    try:
        return 1 <= int(value.strip()) <= 1024
    except ValueError:
        return False


@fuzz_settings(60)
@given(data=st.data())
def test_any_inputs_and_output_folder(folder: Path, data: st.DataObject) -> None:
    patterns = data.draw(
        st.lists(st.one_of(st.sampled_from(PATTERNS), strings), min_size=1, max_size=3)
    )
    args = [*data.draw(st.sampled_from(COMMANDS))]
    for pattern in patterns:
        assume("\n" not in pattern)  # echoed as it is in a message: left alone, as elsewhere
        absolute = pattern in ("-", "") or pattern.startswith(("/", "~"))
        args += ["-i", pattern if absolute else os.fspath(folder / pattern)]
    output_dir = data.draw(st.one_of(st.none(), st.sampled_from(FOLDERS)))
    engine = data.draw(st.sampled_from([[], ["--workers"], ["--scheduler"]]))
    if engine:
        value = data.draw(option_values, label=engine[0])
        if (engine == ["--workers"] and starts_a_cluster(value)) or engine == ["--scheduler"]:
            output_dir = None  # then the engine is a usage error, before any start
        # before --input: Click opens one named file in its callback, and a later option
        # that fails its check leaves it to the garbage collector (harmless in a process
        # that exits; a ResourceWarning in this one)
        args[1:1] = [*engine, value]
    if output_dir is not None:
        args += ["--output-dir", os.fspath(folder.parent / output_dir) if output_dir else ""]
    args += data.draw(st.sampled_from([[], ["-f", "csv"], ["-f", "json"], ["-f", "table"],
                                       ["-f", "npy"], ["--skip-invalid"]]))  # fmt: skip
    outcome = holds(args, stdin=b"1,2\n")
    after, before = contents(folder), ORIGINAL[folder]  # outputs of earlier examples may change
    assert {name: after.get(name) for name in before} == before, "an input was changed"
    if engine and outcome.code == 0:
        assert engine == ["--workers"] and output_dir is not None
