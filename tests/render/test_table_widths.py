"""The train report's tables on consoles 60 to 120 columns wide, with 2 to 26 classes
named by up to 20 characters: each fits, no number is cut, no heading is split inside a
word, the class column is always there, and what is left out is said in a caption."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript, clean_env
from rich.console import Console

from softmax_cli.core.trainer.metrics import class_scores
from softmax_cli.render.training import confusion_table

WIDTHS = (60, 80, 100, 120)
CLASS_COUNTS = (2, 3, 7, 10, 26)
LABEL_LENGTHS = (3, 8, 20)
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def class_labels(n_classes: int, length: int) -> list[str]:
    """``n_classes`` distinct labels, each ``length`` characters (at least its index)."""
    return [
        f"{index}{'abcdefghijklmnopqrstuvwxyz' * 2}"[: max(length, 2)] for index in range(n_classes)
    ]


def rendered(width: int, renderable: object) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


def table_parts(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The heading lines (between the title and the rule), the body rows (after the rule,
    up to the first blank line) and the caption (the rest) of a SIMPLE_HEAD table."""
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("───"))
    headings = [line for line in lines[1:rule] if line.strip()]
    end = next((i for i in range(rule + 1, len(lines)) if not lines[i].strip()), len(lines))
    return headings, lines[rule + 1 : end], lines[end:]


def confusion_case(n_classes: int, seed: int = 0) -> np.ndarray:
    """A matrix with counts of up to four digits."""
    return np.random.default_rng(seed).integers(0, 2000, size=(n_classes, n_classes))


@pytest.mark.parametrize("length", LABEL_LENGTHS)
@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_confusion_matrix_fits_without_cutting_a_number_or_a_word(
    width: int, n_classes: int, length: int
) -> None:
    names = class_labels(n_classes, length)
    matrix = confusion_case(n_classes)
    console = Console(width=width, file=io.StringIO())
    table = confusion_table(console, matrix, names, "test set", with_f1=True)
    lines = rendered(width, table)
    assert max(map(len, lines)) <= width
    headings, rows, caption = table_parts(lines)
    assert len(headings) == 1, headings  # no heading wrapped onto a second line
    words = headings[0].split()
    indices = [str(index) for index in range(n_classes)]
    assert words[0] == "class"
    # Each predicted class column is "→ NAME" with a whole name (or index), in order.
    arrows = [words[i + 1] for i, word in enumerate(words) if word == "→"]
    by_index = arrows == indices[: len(arrows)]
    assert arrows == names[: len(arrows)] or by_index
    rest = [word for word in words[1:] if word != "→" and word not in arrows]
    cut = rest[:1] == ["…"]
    measures = rest[1:] if cut else rest
    assert (
        measures[-1] == "samples"
        and measures[:-1] == ["precision", "recall", "f1"][: len(measures) - 1]
    )
    assert cut == (len(arrows) < n_classes)
    scores = class_scores(matrix)
    values = {"precision": scores.precision, "recall": scores.recall, "f1": scores.f1}
    assert len(rows) == n_classes
    row_labels = []
    for index, row in enumerate(rows):
        cells = row.split()
        row_labels.append(cells[0])
        expected = [str(count) for count in matrix[index, : len(arrows)].tolist()]
        expected += ["…"] if cut else []
        expected += [f"{values[name][index]:.3f}" for name in measures[:-1]]
        expected.append(str(scores.support[index]))
        assert cells[1:] == expected  # every number whole, none cut or replaced by "…"
    assert row_labels in (names, indices)  # the label column is there
    text = " ".join(line.strip() for line in caption)
    if by_index:
        assert all(f"{index} = {name}" in text for index, name in enumerate(names))
    if cut:
        assert f"{len(arrows)} of {n_classes} predicted classes shown" in text
    left_out = ["precision", "recall", "f1"][len(measures) - 1 :]
    if left_out:
        assert f"{', '.join(left_out)} left out" in text
    if cut or left_out:
        assert "--format json" in text


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
def test_names_are_used_when_they_fit(n_classes: int) -> None:
    names = class_labels(n_classes, 5)
    console = Console(width=200, file=io.StringIO())
    table = confusion_table(console, confusion_case(n_classes), names, "t", with_f1=True)
    headings, rows, _ = table_parts(rendered(200, table))
    if n_classes <= 10:
        assert [row.split()[0] for row in rows] == names
        assert [f"→ {name}" in headings[0] for name in names] == [True] * n_classes


def training_csv(n_classes: int, length: int, seed: int = 0) -> str:
    """Twelve rows per class, three numeric features, labels ``length`` long."""
    rng = np.random.default_rng(seed)
    names = class_labels(n_classes, length)
    targets = np.repeat(np.arange(n_classes), 12)
    features = rng.normal(size=(len(targets), 3)) + 0.5 * targets[:, None]
    lines = ["a,b,c,label"]
    lines += [
        ",".join(f"{v:.3f}" for v in row) + f",{names[target]}"
        for row, target in zip(features.tolist(), targets.tolist(), strict=True)
    ]
    return "\n".join(lines) + "\n"


def train_report(path: Path, width: int, *args: str) -> list[str]:
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner(env={"COLUMNS": str(width)}).invoke(
        cli, ["train", str(path), "-f", "table", "-q", "--seed", "1", "--color", "never", *args]
    )
    assert result.exit_code == 0, result.stderr
    return [line.rstrip() for line in result.stdout.splitlines()]


def assert_nothing_cut(lines: list[str], width: int) -> None:
    """No line wider than the console, and no cell cut short: Rich marks a cut with "…"
    at the end of what it kept, so "…" stands alone or not at all."""
    assert max(map(len, lines)) <= width
    for line in lines:
        assert all(word == "…" for word in line.split() if "…" in word), line


def preview_table(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if "softmax output for the first" in line)
    return lines[start:]


@pytest.mark.parametrize("n_classes", CLASS_COUNTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_whole_train_report_fits(width: int, n_classes: int, tmp_path: Path) -> None:
    names = class_labels(n_classes, 20)
    indices = [str(index) for index in range(n_classes)]
    path = tmp_path / "data.csv"
    path.write_text(training_csv(n_classes, 20))
    lines = train_report(path, width, "--l2", "0.1")
    assert_nothing_cut(lines, width)
    curves = [line for line in lines if line.split()[:1] in (["loss"], ["accuracy"])]
    assert len(curves) == 2 and all(NUMBER.fullmatch(line.split()[-1]) for line in curves)
    headings, rows, caption = table_parts(preview_table(lines))
    assert len(headings) == 1
    words = headings[0].split()
    probabilities = [word for word in words if word.startswith("p(")]
    assert words == [
        "line",
        *probabilities,
        *(["…"] if len(probabilities) < n_classes else []),
        "predicted",
        "true",
    ]
    assert [word[2:-1] for word in probabilities] in (
        names[: len(probabilities)],
        indices[: len(probabilities)],
    )
    assert len(rows) == 5
    for row in rows:
        cells = row.split()
        assert cells[0].isdigit()
        shown = cells[1 : 1 + len(probabilities)]
        assert all(re.fullmatch(r"[01]\.\d{4}", cell) for cell in shown), row
        predicted, true = cells[-2:]
        assert {predicted, true} <= set(names) | set(indices)  # both label columns there
    text = " ".join(line.strip() for line in caption)
    if len(probabilities) < n_classes:
        assert f"{len(probabilities)} of {n_classes} classes shown" in text


def test_the_script_at_80_columns_shows_7_long_classes_whole(run_script: RunScript) -> None:
    env = {**clean_env(), "COLUMNS": "80"}
    done = run_script(
        "train",
        "-",
        "-f",
        "table",
        "-q",
        "--seed",
        "1",
        stdin=training_csv(7, 20).encode(),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.rstrip() for line in done.stdout.decode().splitlines()]
    assert_nothing_cut(lines, 80)
    start = next(i for i, line in enumerate(lines) if "true class (rows) vs predicted" in line)
    headings, rows, caption = table_parts(lines[start:])
    assert headings[0].split()[:3] == ["class", "→", "0"]
    assert [row.split()[0] for row in rows] == [str(index) for index in range(7)]
    assert "0 = 0abcdefghijklmnopqrs" in " ".join(caption)
