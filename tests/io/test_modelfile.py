"""Model files: round trips with preprocessing, version 1 files, newer versions, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from softmax_cli.core.trainer.mlp import MLP, parameter_count
from softmax_cli.core.trainer.preprocessing import CategoricalColumn, NumericColumn, Preprocessor
from softmax_cli.errors import DataError, SoftmaxError
from softmax_cli.io.formats.modelfile import SavedModel, load_model, save_model

PREPROCESSOR = Preprocessor(
    (NumericColumn("height", 1.5, 1.25, 0.5), NumericColumn("weight", -3.0, 0.0, 1.0)),
    (CategoricalColumn("colour", ("blue", "red"), True),),
)


def a_model(layer_sizes: tuple[int, ...] = (5, 4, 3)) -> MLP:
    rng = np.random.default_rng(0)
    return MLP(layer_sizes, rng.normal(size=parameter_count(layer_sizes)))


def test_a_train_model_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    saved = SavedModel(a_model(), ["a", "b", "c"], {"seed": 1}, PREPROCESSOR, "kind")
    save_model(str(path), saved)
    loaded = load_model(str(path))
    np.testing.assert_array_equal(loaded.model.params, saved.model.params)
    assert loaded.model.layer_sizes == (5, 4, 3)
    assert (loaded.labels, loaded.config, loaded.target) == (["a", "b", "c"], {"seed": 1}, "kind")
    assert loaded.preprocessor == PREPROCESSOR
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"], "no temporary file is left"


def test_a_version_1_file_still_loads(tmp_path: Path) -> None:
    model = a_model((2, 3))
    path = tmp_path / "v1.npz"
    np.savez(
        path,
        format=np.array("softmax-cli mlp v1"),
        layer_sizes=np.array([2, 3]),
        labels=np.array(["0", "1", "2"]),
        config=np.array(json.dumps({"epochs": 30})),
        weight_0=model.weights[0],
        bias_0=model.biases[0],
    )
    loaded = load_model(str(path))
    np.testing.assert_array_equal(loaded.model.params, model.params)
    assert loaded.preprocessor is None and loaded.config == {"epochs": 30}


def _rewrite(path: Path, **changes: np.ndarray) -> Path:
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays.update(changes)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": np.array(3)}, "model format version 3 is newer than this softmax reads"),
        ({"version": np.array("two")}, "a bad format version"),
        ({"preprocessing": np.array("[1]")}, "the preprocessing is not a JSON object"),
        (
            {"preprocessing": np.array(json.dumps({"numeric": [], "categorical": []}))},
            "the preprocessing does not match the first layer",
        ),
        (
            {
                "preprocessing": np.array(
                    json.dumps(
                        {
                            "numeric": [{"name": "h", "fill": 0, "center": 0, "scale": 0}],
                            "categorical": [],
                        }
                    )
                )
            },
            "column 'h' has no finite scaling",
        ),
        (
            {
                "preprocessing": np.array(
                    json.dumps(
                        {
                            "numeric": [],
                            "categorical": [
                                {"name": "c", "categories": ["b", "a"], "missing_category": False}
                            ],
                        }
                    )
                )
            },
            "column 'c' has unsorted or repeated categories",
        ),
    ],
)
def test_damaged_or_newer_files_are_refused(
    tmp_path: Path, changes: dict[str, np.ndarray], message: str
) -> None:
    path = tmp_path / "m.npz"
    save_model(str(path), SavedModel(a_model(), ["a", "b", "c"], {}, PREPROCESSOR, "kind"))
    _rewrite(path, **changes)
    with pytest.raises(DataError, match=message):
        load_model(str(path))


def test_a_failed_save_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(SoftmaxError, match=r"cannot write .*m\.npz: No space left on device"):
        save_model(str(tmp_path / "m.npz"), SavedModel(a_model(), ["a", "b", "c"], {}))
    assert list(tmp_path.iterdir()) == []
