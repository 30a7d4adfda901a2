"""A lone CR is a line break, as in Python's universal newlines, for every reader: the
real script given CR-only (old Mac) or CRLF input writes what it writes for LF input."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import RunScript

LOGITS = b"1,2,3\n4,5,6\n# a comment\n\n-1,0.5,2\n"
LABELLED = b"a,b,y\n1,2,a\n3,1,b\n0,0,a\n"
TRAIN_ROWS = b"f1,f2,label\n" + b"".join(
    f"{(i % 2) * 3 + (i % 5) / 7:.3f},{-(i % 2) * 3 + (i % 3) / 5:.3f},{'ab'[i % 2]}\n".encode()
    for i in range(40)
)


def _endings(text: bytes) -> dict[str, bytes]:
    return {"cr": text.replace(b"\n", b"\r"), "crlf": text.replace(b"\n", b"\r\n")}


ROW_COMMANDS = [
    ("softmax", "-f", "csv"),
    ("sigmoid", "-f", "csv"),
    ("stats", "-f", "csv"),
    ("sample", "--seed", "1", "-f", "csv"),
]


@pytest.mark.parametrize("ending", ["cr", "crlf"])
@pytest.mark.parametrize("command", ROW_COMMANDS, ids=[c[0] for c in ROW_COMMANDS])
def test_row_commands_read_a_lone_cr_as_a_line_break(
    run_script: RunScript, command: tuple[str, ...], ending: str
) -> None:
    expected = run_script(*command, stdin=LOGITS)
    got = run_script(*command, stdin=_endings(LOGITS)[ending])
    assert expected.returncode == 0, expected.stderr
    assert (got.returncode, got.stdout, got.stderr) == (0, expected.stdout, expected.stderr)


@pytest.mark.parametrize("command", ["xent", "calibrate"])
def test_target_column_commands_read_cr_only_input(run_script: RunScript, command: str) -> None:
    args = (command, "--target-column", "y", "-f", "csv")
    expected = run_script(*args, stdin=LABELLED)
    got = run_script(*args, stdin=_endings(LABELLED)["cr"])
    assert expected.returncode == 0, expected.stderr
    assert (got.returncode, got.stdout) == (0, expected.stdout)


def test_a_cr_only_targets_file_and_compare_inputs(run_script: RunScript, tmp_path: Path) -> None:
    lf, cr = tmp_path / "lf.csv", tmp_path / "cr.csv"
    lf.write_bytes(LOGITS)
    cr.write_bytes(_endings(LOGITS)["cr"])
    (tmp_path / "t.txt").write_bytes(b"0\n2\n1\n")
    (tmp_path / "t_cr.txt").write_bytes(b"0\r2\r1\r")
    expected = run_script("xent", "--targets", str(tmp_path / "t.txt"), "-f", "csv", stdin=LOGITS)
    got = run_script(
        "xent", "--targets", str(tmp_path / "t_cr.txt"), "-f", "csv", stdin=cr.read_bytes()
    )
    assert expected.returncode == 0, expected.stderr
    assert (got.returncode, got.stdout) == (0, expected.stdout)
    same = run_script("compare", str(lf), str(lf), "-f", "csv")
    mixed = run_script("compare", str(cr), str(lf), "-f", "csv")
    assert same.returncode == 0, same.stderr
    assert (mixed.returncode, mixed.stdout) == (0, same.stdout)


def test_train_and_predict_read_cr_only_input(run_script: RunScript, tmp_path: Path) -> None:
    lf, cr = tmp_path / "lf.csv", tmp_path / "cr.csv"
    lf.write_bytes(TRAIN_ROWS)
    cr.write_bytes(_endings(TRAIN_ROWS)["cr"])
    model = tmp_path / "m.npz"
    expected = run_script("train", str(lf), "--target", "label", "--seed", "1", "-f", "json")
    got = run_script(
        "train", str(cr), "--target", "label", "--seed", "1", "-f", "json", "--save", str(model)
    )
    assert expected.returncode == 0, expected.stderr
    assert (got.returncode, got.stdout) == (0, expected.stdout)
    features = b"f1,f2\n0.1,0.2\n3,-3\n"
    want = run_script("predict", "-m", str(model), "-f", "csv", stdin=features)
    have = run_script("predict", "-m", str(model), "-f", "csv", stdin=_endings(features)["cr"])
    assert want.returncode == 0, want.stderr
    assert (have.returncode, have.stdout) == (0, want.stdout)
