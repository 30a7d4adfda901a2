"""Hostile and corrupt model files given to ``predict``: each one is refused with exit 65
and one line, built here from a good saved model (of ``train-blobs`` and of ``train``)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript, invoke_cli

DEEP = "[" * 200_000 + "]" * 200_000


@pytest.fixture(scope="module")
def blobs_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("blobs") / "model.npz"
    args = ["train-blobs", "-q", "-f", "json", "--seed", "2", "--epochs", "1", "--save", str(path)]
    assert invoke_cli(args)[0] == 0
    return path


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("table")
    data = folder / "data.csv"
    rows = ["x,y,colour,label"]
    rows += [f"{i % 7},{(i * 3) % 5},{'red' if i % 2 else 'blue'},{'ab'[i % 2]}" for i in range(40)]
    data.write_text("\n".join(rows) + "\n")
    path = folder / "model.npz"
    code, _, err = invoke_cli(["train", str(data), "--seed", "1", "-q", "--save", str(path)])
    assert code == 0, err
    return path


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as npz:
        return {name: npz[name] for name in npz.files}


def mutated(source: Path, target: Path, **changes: np.ndarray | None) -> Path:
    arrays = arrays_of(source)
    for name, value in changes.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    np.savez(target, **arrays)  # type: ignore[arg-type]
    return target


def predict_fails(model: Path, *values: str, stdin: str = "") -> str:
    """Run predict on ``model``; it must exit 65 with one line naming the file's fault."""
    code, out, err = invoke_cli(["predict", "-m", str(model), "-f", "csv", *values], stdin)
    assert code == 65, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return err


def with_member(source: Path, target: Path, name: str, payload: bytes) -> Path:
    """``source``'s archive with member ``name`` replaced by raw ``payload`` bytes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename != name:
                new.writestr(info.filename, old.read(info))
        new.writestr(name, payload)
    return target


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    out = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue()


def test_the_good_models_predict(blobs_model: Path, table_model: Path) -> None:
    assert invoke_cli(["predict", "-m", str(blobs_model), "-f", "csv", "1", "2"])[0] == 0
    stdin = "x,y,colour\n1,2,red\n"
    assert invoke_cli(["predict", "-m", str(table_model), "-f", "csv"], stdin)[0] == 0


@pytest.mark.parametrize("member", ["config", "preprocessing"])
def test_json_nested_deep_is_refused(table_model: Path, tmp_path: Path, member: str) -> None:
    bad = mutated(table_model, tmp_path / "deep.npz", **{member: np.array(DEEP)})
    err = predict_fails(bad, stdin="x,y,colour\n1,2,red\n")
    assert f"the {member} is JSON nested too deep" in err


@pytest.mark.parametrize(
    ("member", "payload", "message"),
    [
        ("weight_0.npy", npy_header((10**12, 10**12)) + b"\0" * 64, "header announces"),
        ("weight_0.npy", npy_header((2**60,)) + b"\0" * 64, "header announces"),
        ("weight_0.npy", npy_header((-1, 12)) + b"\0" * 64, "header announces"),
        ("weight_0.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': <f8", "malformed header"),
        ("weight_0.npy", b"not an array at all", "malformed header"),
        ("weight_0.npy", npy_header((2,), "|O") + b"\0" * 16, "Python objects"),
        ("notes.txt", b"hello", "'notes.txt' is not an array"),
    ],
)
def test_members_that_are_not_honest_arrays_are_refused(
    blobs_model: Path, tmp_path: Path, member: str, payload: bytes, message: str
) -> None:
    bad = with_member(blobs_model, tmp_path / "bad.npz", member, payload)
    assert message in predict_fails(bad, "1", "2")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": np.array(-1)}, "unknown format version -1"),
        ({"version": np.array(0)}, "unknown format version 0"),
        ({"weight_0": np.full((2, 12), np.inf)}, "non-finite"),
        ({"bias_2": np.full(4, np.nan)}, "non-finite"),
        ({"weight_1": np.zeros((12, 7)), "bias_1": np.zeros(7)}, "layer 1 does not match"),
        ({"bias_0": np.zeros(11)}, "layer 0 does not match"),
        ({"weight_3": np.zeros((4, 4))}, "'weight_3' that no model has"),
        ({"labels": np.array(["a", "b", "a", "c"])}, "the label 'a' names two classes"),
        ({"config": np.array("{not json")}, "the config is not valid JSON"),
        ({"config": np.array(DEEP)}, "the config is JSON nested too deep"),
        ({"config": np.array([1.0])}, "the config is not JSON text"),
    ],
)
def test_corrupt_blobs_models_are_refused(
    blobs_model: Path, tmp_path: Path, changes: dict[str, np.ndarray], message: str
) -> None:
    bad = mutated(blobs_model, tmp_path / "bad.npz", **changes)
    assert message in predict_fails(bad, "1", "2")


def _preprocessing(model: Path, change: dict[str, object]) -> np.ndarray:
    body = json.loads(str(arrays_of(model)["preprocessing"]))
    body.update(change)
    return np.array(json.dumps(body))


def test_duplicate_columns_in_the_preprocessing_are_refused(
    table_model: Path, tmp_path: Path
) -> None:
    body = json.loads(str(arrays_of(table_model)["preprocessing"]))
    numeric = body["numeric"]
    twice = [numeric[0], {**numeric[1], "name": numeric[0]["name"]}]
    bad = mutated(
        table_model,
        tmp_path / "dup.npz",
        preprocessing=_preprocessing(table_model, {"numeric": twice}),
    )
    err = predict_fails(bad, stdin="x,y,colour\n1,2,red\n")
    assert f"names column {numeric[0]['name']!r} twice" in err
    target = _preprocessing(table_model, {"target": numeric[0]["name"]})
    bad = mutated(table_model, tmp_path / "target.npz", preprocessing=target)
    assert "is also a feature column" in predict_fails(bad, stdin="x,y,colour\n1,2,red\n")
    bad = mutated(table_model, tmp_path / "none.npz", preprocessing=np.array("[]"))
    assert "not a JSON object" in predict_fails(bad, stdin="x,y,colour\n1,2,red\n")


def test_huge_finite_weights_that_overflow_are_refused_not_uniform(
    blobs_model: Path, tmp_path: Path
) -> None:
    bad = mutated(blobs_model, tmp_path / "huge.npz", weight_0=np.full((2, 12), 1e308))
    assert "logits overflow" in predict_fails(bad, "1", "2")
    assert "logits overflow" in predict_fails(bad, stdin="1,2\n")


def test_huge_finite_logits_give_the_exact_probabilities(blobs_model: Path, tmp_path: Path) -> None:
    """Logits of order 1e300 do not overflow the softmax: it shifts by the row's maximum."""
    arrays = arrays_of(blobs_model)
    weight = np.zeros((8, 4))
    bias = np.array([1e300, 1e300, -1e300, 0.0])
    good = mutated(blobs_model, tmp_path / "big.npz", weight_2=weight, bias_2=bias)
    code, out, err = invoke_cli(["predict", "-m", str(good), "-f", "csv", "1", "2"])
    assert code == 0, err
    assert out.splitlines()[1] == "0.50000000,0.50000000,0.00000000,0.00000000,0"
    assert arrays["weight_2"].shape == weight.shape


def test_huge_weights_overflow_in_train_models_too(table_model: Path, tmp_path: Path) -> None:
    arrays = arrays_of(table_model)
    bad = mutated(
        table_model, tmp_path / "huge.npz", weight_0=np.full(arrays["weight_0"].shape, 1e308)
    )
    assert "logits overflow" in predict_fails(bad, stdin="x,y,colour\n1e10,2,red\n")


def test_a_hostile_model_through_the_real_script(
    blobs_model: Path, tmp_path: Path, run_script: RunScript
) -> None:
    bad = mutated(blobs_model, tmp_path / "deep.npz", config=np.array(DEEP))
    done = run_script("predict", "-m", str(bad), "1", "2")
    assert done.returncode == 65
    assert done.stderr.decode() == (
        f"error: {bad}: not a softmax-cli model file (the config is JSON nested too deep)\n"
    )
