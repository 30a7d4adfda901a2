"""The ``train`` command on CSV files, and ``predict`` with the models it saves."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript, invoke_cli
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


@pytest.fixture
def iris_csv(tmp_path: Path) -> Path:
    data = load_iris()
    path = tmp_path / "iris.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IRIS_COLUMNS)
        for row, target in zip(data.data, data.target, strict=True):
            writer.writerow([*row, data.target_names[target]])
    return path


def train_json(*args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = invoke_cli(["train", *args, "--format", "json", "-q"])
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_report_holds_data_config_split_history_and_test(iris_csv: Path) -> None:
    body = train_json(str(iris_csv), "--seed", "3")
    assert body["data"]["classes"] == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert body["data"]["target"] == "species" and body["data"]["features"] == 4
    assert body["config"]["solver"] == "lbfgs" and body["config"]["seed"] == 3
    assert body["config"]["l2"] == pytest.approx(1 / 120)
    assert body["split"] == {"train": 120, "validation": 0, "test": 30}
    assert body["history"] and set(body["history"][0]) == {
        "epoch",
        "loss",
        "objective",
        "accuracy",
        "val_loss",
        "val_accuracy",
    }
    assert body["config"]["converged"] is True
    assert body["config"]["iterations"] == len(body["history"])
    test = body["test"]
    assert test["rows"] == 30 and test["accuracy"] >= 0.9
    assert sum(map(sum, test["confusion"])) == 30
    assert [c["label"] for c in test["classes"]] == ["setosa", "versicolor", "virginica"]


def test_same_seed_same_bytes_and_another_seed_another_split(iris_csv: Path) -> None:
    runs = [invoke_cli(["train", str(iris_csv), "--seed", s, "-f", "json", "-q"]) for s in "112"]
    assert runs[0] == runs[1] and runs[0][1] != runs[2][1]


def test_it_finds_scikit_learns_logistic_regression(iris_csv: Path, tmp_path: Path) -> None:
    """Given the same split as a separate test file, the default model is scikit-learn's
    ``make_pipeline(StandardScaler(), LogisticRegression())``: the same probabilities."""
    rows = list(csv.reader(iris_csv.read_text().splitlines()))
    header, body = rows[0], rows[1:]
    test_rows = body[::5]
    train_rows = [row for i, row in enumerate(body) if i % 5]
    for name, part in (("train.csv", train_rows), ("test.csv", test_rows)):
        with (tmp_path / name).open("w", newline="") as handle:
            csv.writer(handle).writerows([header, *part])
    model = tmp_path / "m.npz"
    code, _, err = invoke_cli(
        [
            "train",
            str(tmp_path / "train.csv"),
            "--test",
            str(tmp_path / "test.csv"),
            "--save",
            str(model),
            "-f",
            "json",
            "-q",
        ]
    )
    assert code == 0, err
    code, out, err = invoke_cli(
        ["predict", "-m", str(model), "-i", str(tmp_path / "test.csv"), "-f", "json"]
    )
    ours = np.array(
        [
            [row["probs"][k] for k in ("setosa", "versicolor", "virginica")]
            for row in map(json.loads, out.splitlines())
        ]
    )
    features = lambda part: np.array([[float(v) for v in row[:4]] for row in part])  # noqa: E731
    reference = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        features(train_rows), [row[4] for row in train_rows]
    )
    np.testing.assert_allclose(ours, reference.predict_proba(features(test_rows)), atol=1e-4)
    assert "30 rows with a target: accuracy" in err


MIXED = "id,size,colour,shape,kind\n" + "".join(
    f"{i},{(i * 7) % 10 if i % 9 else 'NA'},{['red', 'blue', 'green', ''][i % 4]},"
    f"{['round', 'square'][i % 2]},{'ab'[(i * 3) % 5 < 2]}\n"
    for i in range(60)
)


def test_categorical_and_missing_cells(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)
    body = train_json(str(path), "--drop", "id", "--seed", "1")
    data = body["data"]
    assert data["numeric"] == ["size"]
    assert data["categorical"] == {"colour": ["blue", "green", "red"], "shape": ["round", "square"]}
    assert data["features"] == 1 + 4 + 2  # colour gets a column for its missing cells
    assert data["missing_kept"] == {"size": 7, "colour": 15}
    dropped = train_json(str(path), "--drop", "id", "--missing", "drop", "--seed", "1")
    assert dropped["data"]["dropped_with_missing"] == 7 + 15 - 1  # row 27 lacks both


def test_cross_validation_reports_each_fold(iris_csv: Path) -> None:
    body = train_json(str(iris_csv), "--cv", "5", "--seed", "0")
    folds = body["cv"]["folds"]
    assert [f["fold"] for f in folds] == [1, 2, 3, 4, 5] and {f["rows"] for f in folds} == {30}
    accuracies = [f["accuracy"] for f in folds]
    assert body["cv"]["accuracy"]["mean"] == pytest.approx(np.mean(accuracies))
    assert body["cv"]["accuracy"]["std"] == pytest.approx(np.std(accuracies))
    assert body["test"]["rows"] == 150 and body["split"]["train"] == 150


def test_early_stopping_keeps_the_best_epoch(iris_csv: Path) -> None:
    body = train_json(
        str(iris_csv),
        "--hidden",
        "32",
        "--solver",
        "adam",
        "--lr",
        "0.05",
        "--patience",
        "3",
        "--batch-size",
        "8",
        "--seed",
        "2",
        "--max-epochs",
        "300",
    )
    history, best = body["history"], body["best_epoch"]
    val_losses = [epoch["val_loss"] for epoch in history]
    assert best == int(np.argmin(val_losses)) + 1
    assert len(history) == best + 3
    assert body["split"] == {"train": 108, "validation": 12, "test": 30}


def test_predict_matches_columns_by_name(iris_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    assert invoke_cli(["train", str(iris_csv), "--save", str(model), "-q", "-f", "json"])[0] == 0
    rows = list(csv.reader(iris_csv.read_text().splitlines()))
    order = [4, 2, 0, 3, 1]
    shuffled = tmp_path / "shuffled.csv"
    with shuffled.open("w", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in order] + ["x"] for row in rows])
    original = invoke_cli(["predict", "-m", str(model), "-i", str(iris_csv), "-f", "csv"])
    reordered = invoke_cli(["predict", "-m", str(model), "-i", str(shuffled), "-f", "csv"])
    assert original[0] == reordered[0] == 0
    assert original[1] == reordered[1]
    assert original[1].splitlines()[0] == "setosa,versicolor,virginica,predicted"
    assert len(original[1].splitlines()) == 151


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (
            ["--target", "nope"],
            None,
            2,
            "--target 'nope': no such column (the columns: sepal_length",
        ),
        (
            ["--drop", "sepal_length,sepal_width,petal_length,petal_width"],
            None,
            2,
            "no feature columns left",
        ),
        (["--cv", "60"], None, 2, "--cv 60 is more folds than class 'setosa' has rows (50)"),
        (["--cv", "3", "--test-size", "0.3"], None, 2, "not both"),
        (["--test-size", "1.5"], None, 2, "give a fraction between 0 and 1, or a row count"),
        (["--test-size", "150"], None, 2, "leaves no training rows of 150"),
        (["--hidden", "4,0"], None, 2, "positive layer sizes"),
        (["--solver", "sgd"], None, 2, "'sgd' is not one of"),
    ],
)
def test_usage_errors(
    iris_csv: Path, args: list[str], stdin: str | None, code: int, message: str
) -> None:
    got, out, err = invoke_cli(["train", str(iris_csv), *args, "-q"])
    assert (got, out) == (code, "")
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "error: the input is empty"),
        ("a,b,target\n", "error: the input has a header but no data rows"),
        ("a,target\n1,x\n3,x\n2,x\n", "error: a classifier needs at least two classes"),
        ("a,target\n1,x\n2\n", "error: line 3, column 2: expected 2 columns, found 1"),
        ("1,2\n3,4\n", "error: line 1: the first row must be a header"),
    ],
)
def test_data_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    model = tmp_path / "m.npz"
    code, out, err = invoke_cli(["train", str(path), "--save", str(model), "-q"])
    assert (code, out) == (65, "")
    assert err.startswith(message) and err.count("\n") == 1
    assert not model.exists()


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke_cli(["train", str(tmp_path / "nope.csv")])
    assert code == 2 and "nope.csv': No such file or directory" in err


def test_a_test_file_with_other_columns(iris_csv: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("sepal_length,species\n5,setosa\n")
    code, _, err = invoke_cli(["train", str(iris_csv), "--test", str(other), "-q"])
    assert code == 65
    assert "its columns differ from the training data's: it lacks sepal_width" in err


def test_notes_on_stderr_unless_quiet(iris_csv: Path) -> None:
    code, _, err = invoke_cli(["train", str(iris_csv), "--seed", "1", "-f", "json"])
    assert code == 0 and err == "note: target: column 'species' (--target chooses another)\n"
    code, _, err = invoke_cli(["train", str(iris_csv), "-f", "json"])
    last = err.splitlines()[-1]  # after the notes on the data: a run that trains
    assert last.startswith("seed ") and "repeat this run with --seed" in last


def test_table_report(iris_csv: Path) -> None:
    code, out, _ = invoke_cli(["train", str(iris_csv), "--seed", "1", "-f", "table", "-q"])
    assert code == 0
    out = " ".join(out.split())
    for part in (
        "iris.csv: 150 rows, target 'species'",
        "Results - accuracy",
        "learning curves",
        "true class (rows) vs predicted",
        "classes: 0 = setosa",
        "softmax output",
    ):
        assert part in out


def test_predict_with_a_train_model_reports_unseen_categories_and_missing_columns(
    tmp_path: Path,
) -> None:
    path, model = tmp_path / "mixed.csv", tmp_path / "m.npz"
    path.write_text(MIXED)
    assert invoke_cli(["train", str(path), "--drop", "id", "--save", str(model), "-q"])[0] == 0
    new = "shape,colour,size\nround,purple,3\nsquare,red,NA\n"
    code, out, err = invoke_cli(["predict", "-m", str(model), "-f", "csv"], new)
    assert code == 0 and len(out.splitlines()) == 3
    assert err == (
        "predict: 1 cell of column 'colour' had a category the model never saw: "
        "its one-hot columns are all 0\n"
    )
    code, out, err = invoke_cli(["predict", "-m", str(model)], "colour,size\nred,1\n")
    assert (code, out) == (65, "")
    assert "the input lacks the model's column 'shape'" in err
    code, out, err = invoke_cli(
        ["predict", "-m", str(model), "-f", "csv"],
        "shape,colour,size\nround,red,1\nround,red,big\n",
    )
    assert code == 65 and out.count("\n") == 2
    assert "line 3, column 3: 'big' is not a number" in err
    code, _, err = invoke_cli(["predict", "-m", str(model), "1", "2"])
    assert code == 2 and "this model has categorical columns" in err


def test_predict_through_a_real_pipe(run_script: RunScript, iris_csv: Path, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    done = run_script("train", str(iris_csv), "--save", str(model), "--seed", "4", "-q")
    assert done.returncode == 0, done.stderr
    done = run_script("predict", "-m", str(model), stdin=iris_csv.read_bytes())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "setosa,versicolor,virginica,predicted" and len(lines) == 151
    assert done.stderr.decode().startswith("predict: 150 rows with a target: accuracy")
    done = run_script("predict", "-m", str(model), "5.1", "3.5", "1.4", "0.2", "-f", "csv")
    assert done.stdout.decode().splitlines()[1].endswith(",setosa")


def test_plot_writes_a_png(iris_csv: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    two = tmp_path / "two.csv"
    rows = list(csv.reader(iris_csv.read_text().splitlines()))
    with two.open("w", newline="") as handle:
        csv.writer(handle).writerows([[row[2], row[3], row[4]] for row in rows])
    for data in (iris_csv, two):
        plot = tmp_path / f"{data.stem}.png"
        assert invoke_cli(["train", str(data), "--plot", str(plot), "-q", "-f", "json"])[0] == 0
        assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_class_of_one_row_is_trained_on_never_tested(tmp_path: Path) -> None:
    path = tmp_path / "rare.csv"
    rows = "".join(f"{i},{'ab'[i % 2]}\n" for i in range(20)) + "99,c\n"
    path.write_text("x,target\n" + rows)
    code, out, err = invoke_cli(["train", str(path), "--seed", "0", "-f", "json"])
    assert code == 0, err
    assert "note: class 'c' has a single row: it is trained on, never tested" in err
    body = json.loads(out)
    assert body["data"]["classes"]["c"] == 1
    assert body["test"]["classes"][2]["support"] == 0


def test_missing_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("a,b,target\n1,2,x\n3,?,y\n5,6,x\n7,8,y\n")
    code, out, err = invoke_cli(["train", str(path), "--missing", "error", "-q"])
    assert (code, out) == (65, "")
    assert err.startswith("error: line 3, column 2: a missing cell in column 'b'")


def test_progress_off_a_terminal_only_when_asked(iris_csv: Path) -> None:
    _, _, err = invoke_cli(["train", str(iris_csv), "--seed", "1", "-f", "json"])
    assert "iteration" not in err
    _, _, err = invoke_cli(["train", str(iris_csv), "--seed", "1", "-f", "json", "--progress"])
    lines = err.splitlines()
    assert lines[1].startswith("training: iteration 1/200  loss ")
    _, _, err = invoke_cli(
        ["train", str(iris_csv), "-f", "json", "--progress", "-q", "--seed", "1"]
    )
    assert err == ""


def test_predict_log_loss_stays_finite_when_a_probability_underflows(tmp_path: Path) -> None:
    """A target class of probability below 1e-308 still has a finite loss, -log_softmax:
    the score is taken from the logits, never as log(softmax)."""
    data = tmp_path / "line.csv"
    data.write_text("x,y\n" + "".join(f"{x},{'a' if x < 0 else 'b'}\n" for x in range(-40, 40, 2)))
    model = tmp_path / "m.npz"
    code, _, err = invoke_cli(["train", str(data), "--save", str(model), "-f", "json", "-q"])
    assert code == 0, err
    code, out, err = invoke_cli(["predict", "-m", str(model), "-f", "csv"], "x,y\n1e9,a\n")
    assert code == 0, err
    assert out.splitlines()[1] == "0.00000000,1.00000000,b"
    loss = float(err.split("log loss ")[1].split()[0])
    assert 1e6 < loss < math.inf
