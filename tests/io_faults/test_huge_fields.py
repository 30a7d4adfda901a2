"""Fields over csv's 128 KiB limit are read like any other: a header name, a quoted
cell, a target label. Each is compared with Python's csv module, given room enough."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from helpers import RunScript

HUGE = "a" * 131_073  # one more than csv.field_size_limit()'s default


def _csv_rows(text: bytes) -> list[list[str]]:
    limit = csv.field_size_limit(10 * len(text))
    try:
        return list(csv.reader(io.StringIO(text.decode())))
    finally:
        csv.field_size_limit(limit)


def test_a_huge_header_name_is_a_label(run_script: RunScript) -> None:
    result = run_script("-f", "csv", stdin=f"{HUGE},b\n1,2\n".encode())
    assert result.returncode == 0, result.stderr[:300]
    header, row = _csv_rows(result.stdout)
    assert header == [HUGE, "b"]
    assert [float(cell) for cell in row] == [0.26894142, 0.73105858]


def test_a_huge_quoted_header_name_holding_the_delimiter(run_script: RunScript) -> None:
    name = "x," + HUGE
    result = run_script("stats", "-f", "json", stdin=f'"{name}",b\n1,2\n'.encode())
    assert result.returncode == 0, result.stderr[:300]
    result = run_script("-f", "json", stdin=f'"{name}",b\n1,2\n'.encode())
    assert result.returncode == 0, result.stderr[:300]
    assert list(json.loads(result.stdout)) == [name, "b"]


def test_a_huge_target_label_in_xent(run_script: RunScript) -> None:
    rows = f"{HUGE},b,y\n1,2,{HUGE}\n3,1,b\n".encode()
    result = run_script(
        "xent", "--target-column", "y", "-f", "csv", "--reduction", "none", stdin=rows
    )
    assert result.returncode == 0, result.stderr[:300]
    assert [row[2] for row in _csv_rows(result.stdout)[1:]] == [HUGE, "b"]


def test_train_and_predict_read_a_huge_header_and_a_huge_quoted_cell(
    run_script: RunScript, tmp_path: Path
) -> None:
    data = tmp_path / "d.csv"
    rows = [f"f1,{HUGE},label"] + [
        f'{i % 3},"{HUGE if i % 2 else "b"}",{"xy"[i % 2]}' for i in range(12)
    ]
    data.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.npz"
    result = run_script(
        "train", str(data), "--target", "label", "--seed", "1", "--save", str(model), "-f", "json"
    )
    assert result.returncode == 0, result.stderr[:300]
    predicted = run_script("predict", "-m", str(model), "-f", "csv", stdin=data.read_bytes())
    assert predicted.returncode == 0, predicted.stderr[:300]
    assert [row[-1] for row in _csv_rows(predicted.stdout)[1:]] == ["xy"[i % 2] for i in range(12)]
