"""Usage errors are one line on stderr, like every other error: the message (with Click's
"Did you mean" hint when it has one) and where the help is, exit 2."""

from __future__ import annotations

import pytest
from helpers import RunScript


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--bogus", "1"],
            "error: No such option '--bogus'. Did you mean '--log'? (try 'softmax softmax --help')",
        ),
        (
            ["xent", "--reduction", "bad", "1", "2"],
            "error: Invalid value for '--reduction': 'bad' is not one of 'none', 'mean', "
            "'sum', 'perplexity'. (try 'softmax xent --help')",
        ),
        (["train"], "error: Missing argument 'DATA'. (try 'softmax train --help')"),
        (
            ["predict", "1"],
            "error: Missing option '-m' / '--model'. (try 'softmax predict --help')",
        ),
        (
            ["sigmod", "1"],
            "error: No such command 'sigmod'. Did you mean 'sigmoid'? (try 'softmax --help')",
        ),
        (
            ["train", "-", "--cv", "3", "--test-size", "0.5"],
            "error: give --test-size or --cv, not both (try 'softmax train --help')",
        ),
    ],
)
def test_a_usage_error_is_one_line_with_the_hint_to_help(
    run_script: RunScript, args: list[str], line: str
) -> None:
    done = run_script(*args)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode() == line + "\n"


def test_help_is_still_help(run_script: RunScript) -> None:
    done = run_script("xent", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith(b"Usage: softmax xent")
