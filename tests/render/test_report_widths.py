"""The stats, xent and calibrate tables on consoles 60 to 120 columns wide, with 2 to 26
classes named by up to 20 characters: no line wider than the console, no number cut
short, no heading split inside a word, the class column there, and what was left out
named in a caption."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

WIDTHS = (60, 80, 100, 120)
CLASS_COUNTS = (2, 3, 7, 10, 26)
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# A decimal number as the tables print it at the default precision (8 places).
DECIMAL = re.compile(r"-?\d+\.\d{8}")
HEADINGS = {
    "stats": {"line", "entropy", "perplexity", "max_prob", "margin", "top", "2", "argmax"},
    "xent rows": {"line", "target", "predicted", "p(target)", "loss"},
    "xent one": {"class", "logit", "exp(logit)", "probability"},
    "calibrate": {"confidence", "count", "conf.", "acc.", "gap", "before", "(T", "=", "1)"},
}
HEADINGS["calibrate"] |= {"after"}


def labels(n_classes: int) -> list[str]:
    """Names of 20 characters that start with a letter (so no label looks like a number)."""
    return [f"c{index}-{ALPHABET}"[:20] for index in range(n_classes)]


def logits_csv(path: Path, n_classes: int, with_target: bool) -> Path:
    rng = np.random.default_rng(n_classes)
    names = labels(n_classes)
    values = rng.normal(size=(12, n_classes)) * 3
    lines = [",".join(names) + (",target" if with_target else "")]
    for row, target in zip(values, rng.integers(0, n_classes, size=12).tolist(), strict=True):
        cells = [f"{v:.3f}" for v in row] + ([names[target]] if with_target else [])
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def words(lines: list[str]) -> str:
    """The text of ``lines`` as one line, single-spaced (captions wrap)."""
    return " ".join(" ".join(lines).split())


def table_output(args: list[str], width: int) -> list[str]:
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner(env={"COLUMNS": str(width)}).invoke(
        cli, [args[0], "-f", "table", "--color", "never", *args[1:]]
    )
    assert result.exit_code == 0, result.stderr
    return [line.rstrip() for line in result.stdout.splitlines()]


def assert_fits(lines: list[str], width: int, headings: set[str]) -> int:
    """No line too wide, no cut cell, every heading line one line of whole words; the
    number of tables seen."""
    assert max(map(len, lines)) <= width
    for line in lines:
        assert all(word == "…" for word in line.split() if "…" in word), line
    rules = [i for i, line in enumerate(lines) if line.strip().startswith("───")]
    for rule in rules:
        end = next((i for i in range(rule + 1, len(lines)) if not lines[i].strip()), len(lines))
        for line in lines[rule + 1 : end]:
            for word in line.split():
                if re.fullmatch(r"-?\d+\.\d+", word):
                    assert DECIMAL.fullmatch(word), line  # every decimal printed whole
        assert not lines[rule - 2].strip(), lines[rule - 2 : rule]  # heading on one line
        assert set(lines[rule - 1].split()) <= headings, lines[rule - 1]
    return len(rules)


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_stats(width: int, n_classes: int, tmp_path: Path) -> None:
    path = logits_csv(tmp_path / "x.csv", n_classes, with_target=False)
    for top in ([], ["--top-k", "2"]):
        lines = table_output(["stats", "-i", str(path), *top], width)
        assert assert_fits(lines, width, HEADINGS["stats"]) == 1
        rule = next(i for i, line in enumerate(lines) if line.strip().startswith("───"))
        rows = [
            line for line in lines[rule + 1 :] if line.split()[:1] and line.split()[0].isdigit()
        ]
        assert len(rows) == 12
        assert all(any(name in row for name in labels(n_classes)) for row in rows)
        left_out = [w for w in ("perplexity", "margin", "max_prob") if w not in lines[rule - 1]]
        if left_out:
            assert "left out for the terminal's width" in words(lines[rule:])


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_xent_rows(width: int, n_classes: int, tmp_path: Path) -> None:
    path = logits_csv(tmp_path / "x.csv", n_classes, with_target=True)
    lines = table_output(["xent", "-i", str(path)], width)
    assert assert_fits(lines, width, HEADINGS["xent rows"]) == 1
    text = "".join(line.replace(" ", "") for line in lines)
    assert all(name in text for name in set(labels(n_classes)) & set(text.split()))
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("───"))
    end = lines.index("", rule)
    rows = [line for line in lines[rule:end] if line.split()[:1] and line.split()[0].isdigit()]
    assert len(rows) == 12 and all(DECIMAL.fullmatch(row.split()[-1]) for row in rows)


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_xent_one_sample(width: int, n_classes: int) -> None:
    names = labels(n_classes)
    values = [f"{v:.3f}" for v in np.random.default_rng(1).normal(size=n_classes)]
    args = ["xent", "--labels", ",".join(names), "--target", names[-1], "--", *values]
    lines = table_output(args, width)
    assert assert_fits(lines, width, HEADINGS["xent one"]) == 1
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("───"))
    assert [line.split()[0] for line in lines[rule + 1 : rule + 1 + n_classes]] == names
    if "logit" not in lines[rule - 1]:
        assert "left out for the terminal's width" in words(lines)


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_calibrate(width: int, n_classes: int, tmp_path: Path) -> None:
    path = logits_csv(tmp_path / "x.csv", n_classes, with_target=True)
    lines = table_output(["calibrate", "-i", str(path)], width)
    assert assert_fits(lines, width, HEADINGS["calibrate"] | {"T"}) == 3
