"""How ``train`` reads CSVs as pandas and R write them: row indices, labels written as
floats, a default target that is a measurement, and the notes it prints (run through the
real console script)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript

N_ROWS = 60


def features(seed: int = 0) -> tuple[list[float], list[float]]:
    """Two numeric columns, as Python floats (whose repr is what pandas writes)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=N_ROWS).tolist(), rng.normal(size=N_ROWS).tolist()


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows))
    return path


def pandas_csv(path: Path) -> Path:
    """``DataFrame.to_csv()`` with its default index: an unnamed first column 0..n-1."""
    a, b = features()
    rows = [
        f"{i},{x!r},{y!r},{'yes' if x + y > 0 else 'no'}"
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    return write(path, ",a,b,kind", rows)


def train_json(run: RunScript, *args: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    done = run("train", *args, "--seed", "1", "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr.decode()


def test_pandas_index_column_is_dropped_with_a_note(run_script: RunScript, tmp_path: Path) -> None:
    body, err = train_json(run_script, str(pandas_csv(tmp_path / "p.csv")))
    assert body["data"]["numeric"] == ["a", "b"]
    assert "note: column 1 has no name: taken as a row index" in err


def test_r_write_csv_quoted_row_names_are_dropped(run_script: RunScript, tmp_path: Path) -> None:
    a, b = features()
    rows = [
        f'"{i}",{x!r},{y!r},"{"yes" if x + y > 0 else "no"}"'
        for i, (x, y) in enumerate(zip(a, b, strict=True), start=1)
    ]
    body, err = train_json(run_script, str(write(tmp_path / "r.csv", '"","a","b","kind"', rows)))
    assert body["data"]["numeric"] == ["a", "b"]
    assert "row index" in err


def test_an_unnamed_column_elsewhere_is_an_error_naming_it(
    run_script: RunScript, tmp_path: Path
) -> None:
    data = write(tmp_path / "gap.csv", "a,,kind", ["1,2,x", "2,5,y"])
    done = run_script("train", str(data), "--seed", "1")
    assert done.returncode == 65
    assert done.stderr.decode() == (
        "error: line 1, column 2: a header column has no name (only the first may: a row index)\n"
    )


def test_drop_takes_a_column_name_or_a_0_based_index(run_script: RunScript, tmp_path: Path) -> None:
    data = str(pandas_csv(tmp_path / "p.csv"))
    by_index, _ = train_json(run_script, data, "--drop", "2")
    assert by_index["data"]["numeric"] == ["a"]
    assert train_json(run_script, data, "--drop", "b")[0]["data"] == by_index["data"]
    done = run_script("train", data, "--drop", "9", "--seed", "1")
    assert done.returncode == 2
    assert "--drop 9: no such column or 0-based index" in done.stderr.decode()


def test_a_name_made_of_digits_wins_over_an_index(run_script: RunScript, tmp_path: Path) -> None:
    a, b = features()
    rows = [f"{x!r},{y!r},{'p' if x > y else 'q'}" for x, y in zip(a, b, strict=True)]
    data = write(tmp_path / "digits.csv", "2,1,kind", rows)
    body, _ = train_json(run_script, str(data), "--drop", "1")
    assert body["data"]["numeric"] == ["2"]  # the column named 1, not the one at index 1


@pytest.mark.parametrize("start", [0, 1, 1001])
def test_a_row_number_column_is_dropped_with_a_note(
    run_script: RunScript, tmp_path: Path, start: int
) -> None:
    a, b = features()
    rows = [
        f"{start + i},{x!r},{y!r},{'yes' if x + y > 0 else 'no'}"
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    body, err = train_json(run_script, str(write(tmp_path / "id.csv", "rowid,a,b,kind", rows)))
    assert body["data"]["numeric"] == ["a", "b"]
    assert f"note: column 'rowid' counts the rows ({start}, {start + 1}, {start + 2}, ...)" in err


def test_float_labels_are_classes_by_value_in_report_model_and_predict(
    run_script: RunScript, tmp_path: Path
) -> None:
    a, b = features()
    labels = np.minimum(np.floor((np.array(a) + 3) * 2), 10).clip(0).tolist()  # 0.0 to 10.0
    rows = [f"{x!r},{y!r},{label!r}" for x, y, label in zip(a, b, labels, strict=True)]
    data = write(tmp_path / "f.csv", "a,b,target", rows)
    model = tmp_path / "m.npz"
    body, _ = train_json(run_script, str(data), "--save", str(model), "--test-size", "1")
    classes = [str(int(v)) for v in sorted(set(labels))]
    assert list(body["data"]["classes"]) == classes
    predicted = run_script("predict", "-m", str(model), "-f", "csv", stdin=data.read_bytes())
    assert predicted.returncode == 0, predicted.stderr
    header, *lines = predicted.stdout.decode().splitlines()
    assert header.split(",") == [*classes, "predicted"]
    assert {line.rsplit(",", 1)[1] for line in lines} <= set(classes)
    # The rows' targets (written 2.0) are scored as the model's classes (named 2).
    assert "more with a class the model does not know" not in predicted.stderr.decode()
    assert f"{N_ROWS} rows with a target" in predicted.stderr.decode()


def test_fractional_labels_keep_their_digits(run_script: RunScript, tmp_path: Path) -> None:
    a, b = features()
    rows = [f"{x!r},{y!r},{'0.5' if x > y else '1.0'}" for x, y in zip(a, b, strict=True)]
    data = write(tmp_path / "h.csv", "a,b,y", rows)
    body, _ = train_json(run_script, str(data), "--target", "y")  # by default: a measurement
    assert list(body["data"]["classes"]) == ["0.5", "1.0"]


@pytest.mark.parametrize(
    ("last", "detail"),
    [
        (lambda i, x: f"{x * 10:.2f}", "is not a whole number"),
        (lambda i, x: str(i * 7 % 61), "distinct values in 60 rows"),
    ],
)
def test_a_default_target_that_is_a_measurement_stops(
    run_script: RunScript, tmp_path: Path, last: object, detail: str
) -> None:
    a, b = features()
    make = last  # type: ignore[assignment]
    rows = [
        f"{'p' if x > y else 'q'},{x!r},{make(i, y)}"  # type: ignore[operator]
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    data = write(tmp_path / "m.csv", "kind,a,weight", rows)
    done = run_script("train", str(data))
    assert done.returncode == 65
    err = done.stderr.decode()
    assert err.startswith("error: the target chosen by default, column 'weight', looks like a ")
    assert detail in err and "--target" in err and err.count("\n") == 1
    assert "seed" not in err  # no run, no seed to repeat it with
    explicit, _ = train_json(run_script, str(data), "--target", "kind")
    assert explicit["data"]["target"] == "kind"


def test_the_target_note_only_when_chosen_by_default(run_script: RunScript, tmp_path: Path) -> None:
    data = str(pandas_csv(tmp_path / "p.csv"))
    _, chosen = train_json(run_script, data)
    assert "note: target: column 'kind' (--target chooses another)" in chosen
    _, given = train_json(run_script, data, "--target", "kind")
    assert "note: target:" not in given


def test_the_seed_is_announced_only_for_a_run_that_trains(
    run_script: RunScript, tmp_path: Path
) -> None:
    bad = write(tmp_path / "bad.csv", "a,kind", ["1,x", "3,x", "2,x"])  # one class
    failed = run_script("train", str(bad), "-f", "json")
    assert failed.returncode == 65
    assert "seed" not in failed.stderr.decode()
    good = run_script("train", str(pandas_csv(tmp_path / "p.csv")), "-f", "json")
    assert good.returncode == 0
    line = next(s for s in good.stderr.decode().splitlines() if s.startswith("seed "))
    seed = int(line.split()[1])
    assert json.loads(good.stdout)["config"]["seed"] == seed
