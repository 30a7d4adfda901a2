"""``--skip-invalid`` that skipped every row has no result: exit 65, saying how many rows
were skipped and where the first was, for every command that takes it. Input with no
rows at all is still a success."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import RunScript

BAD_ROWS = b"a,b,label\n1,x,0\n2,y,1\n3,z,0\n"
COMMANDS = [["softmax"], ["sigmoid"], ["stats"], ["sample", "--seed", "1"], ["xent"], ["calibrate"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_row_skipped_is_a_data_error(run_script: RunScript, command: list[str]) -> None:
    done = run_script(*command, "--skip-invalid", "-f", "csv", stdin=BAD_ROWS)
    assert done.returncode == 65, done.stderr
    assert done.stderr.decode().splitlines()[-1] == (
        "error: no valid rows; 3 skipped, first at line 2"
    )


def test_predict_with_every_row_skipped(run_script: RunScript, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    saved = run_script(
        "train-blobs", "-q", "-f", "json", "--seed", "1", "--epochs", "1", "--save", str(model)
    )
    assert saved.returncode == 0, saved.stderr
    done = run_script(
        "predict", "-m", str(model), "--skip-invalid", "-f", "csv", stdin=b"x,y\n1,a\n2,b\n"
    )
    assert done.returncode == 65, done.stderr
    assert done.stderr.decode().endswith("error: no valid rows; 2 skipped, first at line 2\n")


@pytest.mark.parametrize("command", COMMANDS[:5], ids=lambda c: c[0])
def test_a_good_row_among_bad_ones_and_empty_input_still_succeed(
    run_script: RunScript, command: list[str]
) -> None:
    some_good = run_script(*command, "--skip-invalid", "-f", "csv", stdin=BAD_ROWS + b"1,2,1\n")
    assert some_good.returncode == 0, some_good.stderr
    assert b"skipped 3 invalid rows" in some_good.stderr
    empty = run_script(*command, "--skip-invalid", "-f", "csv", stdin=b"")
    assert empty.returncode == 0, empty.stderr
