"""Two classes of one name would be one class in JSON (and in any lookup by name): a
header naming a class twice is a data error (65), ``--labels`` naming one twice a usage
error (2), each naming the duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import RunScript

COMMANDS = [
    ("-f", "json"),
    ("sigmoid", "-f", "json"),
    ("stats", "-f", "json"),
    ("sample", "--seed", "1", "-f", "json"),
    ("xent", "--target", "0", "-f", "json"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_header_naming_a_class_twice_is_exit_65(
    run_script: RunScript, command: tuple[str, ...]
) -> None:
    result = run_script(*command, stdin=b"x,y,x\n1,2,3\n")
    assert result.returncode == 65
    assert result.stdout == b""
    assert (
        result.stderr == b"error: line 1, column 3: two classes are named 'x' (columns 1 and 3)\n"
    )


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_labels_naming_a_class_twice_are_exit_2(
    run_script: RunScript, command: tuple[str, ...]
) -> None:
    result = run_script(*command, "--labels", "a,b, a", "1", "2", "3")
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"'a' is given twice (names 1 and 3)" in result.stderr


@pytest.mark.parametrize("command", ["xent", "calibrate"])
def test_the_target_column_is_counted_in_the_duplicates_columns(
    run_script: RunScript, command: str
) -> None:
    rows = b"t,x,y,x\n0,1,2,3\n1,3,2,1\n"
    result = run_script(command, "--target-column", "t", stdin=rows)
    assert (result.returncode, result.stdout) == (65, b"")
    assert (
        result.stderr == b"error: line 1, column 4: two classes are named 'x' (columns 2 and 4)\n"
    )


def test_compare_refuses_a_header_naming_a_class_twice(
    run_script: RunScript, tmp_path: Path
) -> None:
    base = tmp_path / "base.csv"
    base.write_bytes(b"x,x,y\n1,2,3\n")
    result = run_script("compare", str(base), str(base))
    assert result.returncode == 65
    assert b"two classes are named 'x' (columns 1 and 2)" in result.stderr


def test_labels_override_a_header_and_its_duplicates(run_script: RunScript) -> None:
    result = run_script("-f", "json", "--labels", "a,b,c", stdin=b"x,y,x\n1,2,3\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b'{"a": 0.09003057317038046, "b": 0.2447284710547976')
