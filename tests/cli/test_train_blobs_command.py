"""The ``train-blobs`` and ``predict`` commands: options, reports, model files, errors."""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript, invoke_cli

from softmax_cli.core.trainer.blobs import make_dataset, train
from softmax_cli.core.trainer.experiment import BlobsConfig

SMALL = ["--samples", "200", "--test-size", "50", "--epochs", "2"]


def train_json(*args: str) -> tuple[dict, str]:
    code, out, err = invoke_cli(["train-blobs", "--format", "json", *args])
    assert code == 0, err
    return json.loads(out), err


def test_json_report_holds_config_seed_history_and_test_metrics() -> None:
    report, err = train_json("--seed", "7", *SMALL, "--quiet")
    assert err == ""
    assert report["seed"] == 7
    assert report["config"]["samples"] == 200
    assert report["config"]["centers"] == [[15, 0], [15, 15], [0, 15], [30, 15]]
    assert [h["epoch"] for h in report["history"]] == [1, 2]
    assert set(report["history"][0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert 0 <= report["test"]["accuracy"] <= 1
    assert report["test"]["loss"] > 0


def test_same_seed_gives_identical_json_and_another_seed_does_not() -> None:
    first = invoke_cli(["train-blobs", "-f", "json", "--seed", "3", *SMALL])
    second = invoke_cli(["train-blobs", "-f", "json", "--seed", "3", *SMALL])
    other = invoke_cli(["train-blobs", "-f", "json", "--seed", "4", *SMALL])
    assert first[1] == second[1]
    assert first[1] != other[1]


def test_json_matches_the_library_run() -> None:
    report, _ = train_json("--seed", "11", *SMALL)
    config = BlobsConfig(samples=200, test_size=50, epochs=2)
    result = train(config, make_dataset(config, 11), np.random.default_rng(11))
    assert report["test"] == {"loss": result.test_loss, "accuracy": result.test_accuracy}


def test_without_a_seed_one_is_chosen_and_printed() -> None:
    report, err = train_json(*SMALL)
    assert err == f"seed {report['seed']} (repeat this run with --seed {report['seed']})\n"
    again, _ = train_json(*SMALL, "--seed", str(report["seed"]))
    assert again == report


@pytest.mark.parametrize(
    ("args", "check"),
    [
        (["--samples", "300", "--test-size", "100"], lambda r: len(r["history"]) == 2),
        (["--centers", "0,0,0 9,9,9 0,9,0"], lambda r: len(r["config"]["centers"]) == 3),
        (["--std", "0.5"], lambda r: r["config"]["std"] == 0.5),
        (["--hidden", "6,5,4"], lambda r: r["config"]["hidden"] == [6, 5, 4]),
        (["--epochs", "3"], lambda r: len(r["history"]) == 3),
        (["--batch-size", "32"], lambda r: r["config"]["batch_size"] == 32),
        (["--lr", "0.01"], lambda r: r["config"]["lr"] == 0.01),
        (["--validation-split", "0"], lambda r: r["history"][0]["val_loss"] is None),
    ],
)
def test_every_knob_reaches_the_run(args: list[str], check) -> None:  # type: ignore[no-untyped-def]
    report, _ = train_json("--seed", "1", *SMALL, *args)
    assert check(report)


def test_larger_learning_rate_changes_the_run() -> None:
    slow, _ = train_json("--seed", "1", *SMALL)
    fast, _ = train_json("--seed", "1", *SMALL, "--lr", "0.01")
    assert slow["history"][-1]["loss"] != fast["history"][-1]["loss"]


def test_table_report() -> None:
    code, out, err = invoke_cli(["train-blobs", "-f", "table", "--seed", "2", "--color", "never"])
    assert code == 0, err
    assert re.search(r"Results - test loss \d\.\d{6} - test accuracy \d+\.\d\d%", out)
    assert "seed 2: 600 training, 150 validation, 250 test samples" in out
    assert "network 2-12-8-4, 30 epochs, batch size 5, Adam lr 0.001" in out
    assert "true class (rows) vs predicted" in out
    assert "precision" in out and "recall" in out
    assert re.search(r"loss +[▁▂▃▄▅▆▇█]{30} ", out)
    assert "softmax output for the first 5 test points" in out
    assert "\x1b[" not in out


def test_progress_only_when_asked_off_a_terminal() -> None:
    _, quiet_err = train_json("--seed", "1", *SMALL)
    assert "Epoch" not in quiet_err
    _, err = train_json("--seed", "1", *SMALL, "--progress", "--color", "never")
    assert re.search(r"Epoch 1/2  loss \d\.\d{4}  acc \d\.\d{4}  val_loss \d\.\d{4}", err)
    assert "Epoch 2/2" in err
    _, err = train_json("--seed", "1", *SMALL, "--progress", "--quiet")
    assert err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "'--batch-size': 0 is not in the range x>=1"),
        (["--hidden", ""], "give one or more positive layer sizes"),
        (["--hidden", "12,0"], "give one or more positive layer sizes"),
        (["--hidden", "a,b"], "is not a list of layer sizes"),
        (["--validation-split", "1"], "'--validation-split': 1.0 is not in the range 0<=x<1"),
        (["--validation-split", "-0.1"], "--validation-split"),
        (["--samples", "100", "--test-size", "100"], "leaves no training samples of 100"),
        (["--samples", "10", "--test-size", "9", "--validation-split", "0.5"], "no samples"),
        (["--centers", "0,0 1"], "every center needs the same number of coordinates"),
        (["--centers", "0,0"], "give at least two centers"),
        (["--centers", "0,x 1,1"], "center 1: '0,x' is not X,Y,... numbers"),
        (["--centers", "0,inf 1,1"], "must be finite"),
        (["--std", "0"], "--std"),
        (["--lr", "0"], "--lr"),
        (["--epochs", "0"], "--epochs"),
        (["--seed", "-1"], "--seed"),
        (["--format", "csv"], "'csv' is not one of 'auto', 'table', 'json'"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    code, out, err = invoke_cli(["train-blobs", *args])
    assert code == 2
    assert out == ""
    assert message in err


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.npz"
    code, _, err = invoke_cli(
        ["train-blobs", "-q", "-f", "json", "--seed", "9", "--save", str(path)]
    )
    assert code == 0, err
    return path


def test_predict_reproduces_the_trainers_test_probabilities(
    saved_model: Path, run_script: RunScript
) -> None:
    config = BlobsConfig()
    data = make_dataset(config, 9)
    result = train(config, data, np.random.default_rng(9))
    stdin = "x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in data.x_test.tolist())
    done = run_script("predict", "--model", str(saved_model), "-f", "json", stdin=stdin.encode())
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    probs = np.array([[row["probs"][str(k)] for k in range(4)] for row in rows])
    np.testing.assert_array_equal(probs, result.model.predict_proba(data.x_test))
    assert [int(row["predicted"]) for row in rows] == np.argmax(probs, axis=1).tolist()


def test_predict_formats_and_labels(saved_model: Path) -> None:
    model = ["predict", "-m", str(saved_model)]
    code, out, _ = invoke_cli([*model, "-f", "csv", "15", "0"])
    assert code == 0
    header, row = out.splitlines()
    assert header == "0,1,2,3,predicted"
    assert row.endswith(",0")
    code, out, _ = invoke_cli([*model, "-f", "csv", "--labels", "s,n,w,e", "0", "15"])
    assert out.splitlines()[0] == "s,n,w,e,predicted"
    assert out.splitlines()[1].endswith(",w")
    code, out, _ = invoke_cli([*model, "-f", "table", "30", "15"])
    assert "◀ most likely" in next(
        line for line in out.splitlines() if line.strip().startswith("3")
    )
    assert "logit" not in out
    code, out, _ = invoke_cli([*model, "-f", "table"], "x,y\n15,0\n0,15\n30,15\n")
    assert [line.split()[-1] for line in out.splitlines() if line.strip()[:1].isdigit()] == [
        "0",
        "2",
        "3",
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["1", "2", "3"], "", 2, "error: the model takes 2 features, the input has 3\n"),
        ([], "a,b,c\n1,2,3\n", 65, "error: the model takes 2 features, the input has 3\n"),
        ([], "a,b\n1,2\n1,-inf\n", 65, "error: line 3, column 2: feature -inf is not finite\n"),
        (["--labels", "a,b", "1", "2"], "", 2, "error: 2 labels given for 4 classes\n"),
    ],
)
def test_predict_input_errors(
    saved_model: Path, args: list[str], stdin: str, code: int, message: str
) -> None:
    got = invoke_cli(["predict", "-m", str(saved_model), "-f", "csv", *args], stdin)
    assert (got[0], got[2]) == (code, message)


def _tampered(source: Path, target: Path, **changes: np.ndarray) -> Path:
    with np.load(source, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays.update(changes)
    np.savez(target, **arrays)  # type: ignore[arg-type]
    return target


def test_foreign_and_corrupt_model_files(saved_model: Path, tmp_path: Path) -> None:
    png = tmp_path / "plot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(saved_model.read_bytes()[:200])
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as archive:
        archive.writestr("readme.txt", "hello")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, format=np.array([{"code": 1}], dtype=object))
    cases = {
        png: "not an .npz archive",
        truncated: "not a softmax-cli model file",
        tmp_path / "other.npz": "not a softmax-cli model file",
        pickled: "holds Python objects",
        _tampered(
            saved_model, tmp_path / "nan.npz", weight_0=np.full((2, 12), np.nan)
        ): "non-finite",
        _tampered(
            saved_model, tmp_path / "shape.npz", bias_1=np.zeros(3)
        ): "layer 1 does not match",
        _tampered(saved_model, tmp_path / "tag.npz", format=np.array("keras")): "no 'format' tag",
        _tampered(saved_model, tmp_path / "labels.npz", labels=np.array(["a"])): "labels",
    }
    for path, reason in cases.items():
        code, out, err = invoke_cli(["predict", "-m", str(path), "1", "2"])
        assert (code, out) == (65, ""), (path, err)
        assert err.startswith(f"error: {path}: not a softmax-cli model file (")
        assert reason in err
        assert err.count("\n") == 1


def test_missing_model_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke_cli(["predict", "-m", str(tmp_path / "nope.npz"), "1", "2"])
    assert code == 2
    assert "does not exist" in err
    code, _, err = invoke_cli(["predict", "1", "2"])
    assert code == 2
    assert "Missing option '-m' / '--model'" in err


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "blobs.png"
    report, _ = train_json("--seed", "1", *SMALL, "--plot", str(path))
    assert report["seed"] == 1
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # three real panels, not an empty canvas


def test_plot_without_matplotlib_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real_find_spec(name, *a),
    )
    code, out, err = invoke_cli(["train-blobs", *SMALL, "--plot", str(tmp_path / "p.png")])
    assert (code, out) == (1, "")
    assert err == "error: --plot needs matplotlib: pip install matplotlib\n"
    assert not (tmp_path / "p.png").exists()


def test_train_and_predict_through_real_pipes(run_script: RunScript, tmp_path: Path) -> None:
    model = tmp_path / "m.npz"
    done = run_script("train-blobs", "--seed", "1", *SMALL, "--save", str(model))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["seed"] == 1
    assert done.stderr == b""  # not a terminal: no progress
    done = run_script("predict", "-m", str(model), stdin=b"15,0\n0,15\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[0] == "0,1,2,3,predicted"
