"""stats, sample, xent and calibrate read logits unless --probs: given rows that are
already probabilities, they say so once on stderr (a second softmax is seldom meant),
and their results stay what they were."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import RunScript

from softmax_cli.core.calculator.activations import looks_like_probabilities, softmax

NOTE = b"note: the inputs look like probabilities"
LOGITS = np.array([[0.7, 1.5, 4.8], [1.0, 2.0, 3.0], [-3.44, 1.16, 3.91]])


def csv_rows(values: np.ndarray) -> bytes:
    return "".join(",".join(f"{v:.8f}" for v in row) + "\n" for row in values).encode()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (softmax(LOGITS), True),
        (np.array([[0.5, 0.5], [1.0, 0.0]]), True),  # binary
        (np.array([[1.0], [1.0]]), False),  # one class: every row sums to 1, says nothing
        (np.array([[0.5, 0.5000011]]), False),  # off by more than 1e-6
        (np.array([[-np.inf, 1.0]]), False),  # a masked logit
        (np.array([[0.2, 0.3, 0.5], [2.0, -1.0, 0.0]]), False),  # one row is not
        (np.zeros((0, 3)), False),
    ],
)
def test_looks_like_probabilities(values: np.ndarray, expected: bool) -> None:
    assert looks_like_probabilities(values) is expected


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["sample", "--seed", "1"],
        ["xent", "--target-column", "3"],
        ["calibrate", "--target-column", "3"],
    ],
)
def test_a_note_once_and_the_same_result(run_script: RunScript, command: list[str]) -> None:
    probs = np.tile(softmax(LOGITS), (1000, 1))  # many rows: still one note
    stdin = csv_rows(probs)
    if command[0] in ("xent", "calibrate"):  # the target class in a column of its own
        stdin = b"".join(line + b",2\n" for line in stdin.splitlines())
    noted = run_script(*command, "-f", "csv", stdin=stdin)
    assert noted.returncode == 0, noted.stderr
    assert noted.stderr.count(NOTE) == 1
    assert b"--probs reads them as probabilities" in noted.stderr
    quiet = run_script(*command, "-f", "csv", "-q", stdin=stdin)
    assert quiet.stdout == noted.stdout and NOTE not in quiet.stderr
    as_probs = run_script(*command, "--probs", "-f", "csv", stdin=stdin)
    assert as_probs.returncode == 0, as_probs.stderr
    assert NOTE not in as_probs.stderr


def test_the_articles_entropy_is_unchanged_and_logits_get_no_note(run_script: RunScript) -> None:
    twice = run_script("stats", "-f", "csv", stdin=csv_rows(softmax(LOGITS[1:2])))
    assert twice.stdout.splitlines()[1].startswith(b"1.0674")  # softmax of probabilities
    assert NOTE in twice.stderr
    logits = run_script("stats", "-f", "csv", stdin=csv_rows(LOGITS))
    assert logits.returncode == 0 and NOTE not in logits.stderr
