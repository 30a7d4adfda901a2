"""Bugs the fuzz suite found that issue 18 did not list, each fixed with its reproducer."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.running import holds


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--probs"],
        ["stats", "--probs", "--renormalize"],
        ["sample", "--probs", "--seed", "1"],
        ["sample", "--probs", "--renormalize", "--seed", "1"],
        ["xent", "--probs", "--renormalize", "--target", "0"],
        ["calibrate", "--probs", "--renormalize", "--target", "0"],
    ],
)
def test_probabilities_whose_sum_overflows_are_bad_rows(args: list[str]) -> None:
    """Cells near 1e308 sum to inf: that was a RuntimeWarning (an internal error), and
    xent --renormalize gave an infinite loss where ln 3 was meant."""
    outcome = holds([*args, "-f", "json"], stdin=b"1e308,1e308,1e308\n")
    assert outcome.code == 65
    assert outcome.stderr.startswith("error: line 1: probabilities sum to inf")


def test_a_test_part_with_no_rows_scores_nothing(tmp_path: Path) -> None:
    """Two rows of two classes leave no stratified test row: the mean log loss of no rows
    was a RuntimeWarning (an internal error); it is null, like the accuracy."""
    data = tmp_path / "rows.csv"
    data.write_bytes(b"\xef\xbb\xbfx,dog\n0,0\n0,1")
    outcome = holds(["train", str(data), "--seed", "1", "-q", "-f", "json", "--test-size", "1"])
    assert outcome.code == 0, outcome.stderr
    assert b'"loss": null' in outcome.stdout
