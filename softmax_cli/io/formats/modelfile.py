"""Saving and loading trained models as ``.npz`` files that can never run code.

A model file holds only plain arrays: a format tag and version, the layer sizes, each
layer's weights and biases, the class labels, the training configuration as JSON text
and, for models from ``train``, the preprocessing as JSON text (feature columns and their
kinds, categories, fill values, scaling, the target's name). Loading uses
``allow_pickle=False`` and checks every part, so a foreign or corrupt file is a
``DataError`` with a one-line reason. Files of format version 1 (``train-blobs`` before
versions existed) still load; a newer version than this program knows is refused.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from typing import NamedTuple

import numpy as np

from softmax_cli.core.trainer.mlp import MLP
from softmax_cli.core.trainer.preprocessing import CategoricalColumn, NumericColumn, Preprocessor
from softmax_cli.errors import DataError
from softmax_cli.io.formats.npz_members import MemberError, read_members
from softmax_cli.io.named_file import replacing
from softmax_cli.io.text.names import first_duplicate

MODEL_FORMAT = "softmax-cli model"
MODEL_VERSION = 2
VERSION_1_FORMAT = "softmax-cli mlp v1"  # before the version was an array of its own


class SavedModel(NamedTuple):
    """A loaded model: the network, its class labels, the training configuration, and
    for ``train`` models the preprocessing and the target column's name."""

    model: MLP
    labels: list[str]
    config: dict[str, object]
    preprocessor: Preprocessor | None = None
    target: str | None = None


def save_model(path: str, saved: SavedModel) -> None:
    """Write ``saved`` to ``path``, exactly that name (``numpy.savez`` would append
    ``.npz`` to a bare one), whole or not at all (see ``io.named_file``)."""
    model = saved.model
    arrays: dict[str, np.ndarray] = {
        "format": np.array(MODEL_FORMAT),
        "version": np.array(MODEL_VERSION, dtype=np.int64),
        "layer_sizes": np.array(model.layer_sizes, dtype=np.int64),
        "labels": np.array(list(saved.labels), dtype=np.str_),
        "config": np.array(json.dumps(saved.config, sort_keys=True)),
    }
    if saved.preprocessor is not None:
        arrays["preprocessing"] = np.array(_preprocessing_json(saved.preprocessor, saved.target))
    for index, (weight, bias) in enumerate(zip(model.weights, model.biases, strict=True)):
        arrays[f"weight_{index}"] = weight
        arrays[f"bias_{index}"] = bias
    with replacing(path) as stream:
        np.savez(stream, **arrays)  # type: ignore[arg-type]


def _preprocessing_json(preprocessor: Preprocessor, target: str | None) -> str:
    body = {
        "target": target,
        "numeric": [column._asdict() for column in preprocessor.numeric],
        "categorical": [
            {**column._asdict(), "categories": list(column.categories)}
            for column in preprocessor.categorical
        ],
    }
    return json.dumps(body)


def load_model(path: str) -> SavedModel:
    """Read a model written by ``save_model`` (or a version 1 file); raise
    ``DataError`` for anything else."""
    try:
        # Our own file object: np.load leaks the one it opens when the zip is corrupt.
        with open(path, "rb") as stream:
            if stream.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
                raise _foreign(path, "not an .npz archive")
            stream.seek(0)
            arrays = read_members(stream)
        return _read(path, arrays)
    except KeyError as exc:
        raise _foreign(path, f"no array {exc}") from None
    except MemberError as exc:
        raise _foreign(path, str(exc)) from None
    except (ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _foreign(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _foreign(path: str, reason: str) -> DataError:
    return DataError(f"{path}: not a softmax-cli model file ({reason})")


def _version(path: str, arrays: dict[str, np.ndarray]) -> int:
    tag = arrays.get("format")
    if tag is None or tag.shape != ():
        raise _foreign(path, "no 'format' tag")
    if str(tag) == VERSION_1_FORMAT:
        return 1
    if str(tag) != MODEL_FORMAT:
        raise _foreign(path, "no 'format' tag")
    version = arrays["version"]
    if version.shape != () or version.dtype.kind not in "iu":
        raise _foreign(path, "a bad format version")
    if int(version) < 2:  # version 1 files have the old tag and no version array
        raise _foreign(path, f"unknown format version {int(version)}")
    if int(version) > MODEL_VERSION:
        raise DataError(
            f"{path}: model format version {int(version)} is newer than this softmax "
            f"reads (up to {MODEL_VERSION}): upgrade it"
        )
    return int(version)


def _read(path: str, arrays: dict[str, np.ndarray]) -> SavedModel:
    version = _version(path, arrays)
    sizes = arrays["layer_sizes"]
    if sizes.ndim != 1 or len(sizes) < 2 or sizes.dtype.kind not in "iu" or sizes.min() < 1:
        raise _foreign(path, "bad layer sizes")
    layer_sizes = [int(n) for n in sizes]
    extra = sorted(name for name in arrays if not _is_member(name, len(layer_sizes) - 1))
    if extra:
        raise _foreign(path, f"an array {extra[0]!r} that no model has")
    flat = []
    for index, (n_in, n_out) in enumerate(itertools.pairwise(layer_sizes)):
        weight, bias = arrays[f"weight_{index}"], arrays[f"bias_{index}"]
        if weight.shape != (n_in, n_out) or bias.shape != (n_out,):
            raise _foreign(path, f"layer {index} does not match the layer sizes")
        for part in (weight, bias):
            if part.dtype.kind != "f" or not np.isfinite(part).all():
                raise _foreign(path, f"layer {index} holds non-finite or non-float values")
            flat.append(part.ravel())
    labels = arrays["labels"]
    if labels.dtype.kind != "U" or labels.shape != (layer_sizes[-1],):
        raise _foreign(path, "the labels do not match the classes")
    repeated = _first_repeated([str(label) for label in labels])
    if repeated is not None:
        raise _foreign(path, f"the label {repeated!r} names two classes")
    config = _json(path, arrays["config"], "config")
    if not isinstance(config, dict):
        raise _foreign(path, "the config is not a JSON object")
    model = MLP(layer_sizes, np.concatenate(flat))
    saved = SavedModel(model, [str(v) for v in labels], config)
    if version >= 2 and "preprocessing" in arrays:
        body = _json(path, arrays["preprocessing"], "preprocessing")
        preprocessor, target = _read_preprocessing(path, body)
        if preprocessor.n_features != model.n_features:
            raise _foreign(path, "the preprocessing does not match the first layer")
        saved = saved._replace(preprocessor=preprocessor, target=target)
    return saved


def _is_member(name: str, layers: int) -> bool:
    """Whether a model of ``layers`` layers has an array called ``name``."""
    if name in {"format", "version", "layer_sizes", "labels", "config", "preprocessing"}:
        return True
    part, _, index = name.partition("_")
    return part in {"weight", "bias"} and index.isdecimal() and int(index) < layers


def _first_repeated(names: list[str]) -> str | None:
    """The first name that repeats an earlier one, or ``None`` when they are unique."""
    duplicate = first_duplicate(names)
    return None if duplicate is None else names[duplicate[1]]


def _json(path: str, member: np.ndarray, what: str) -> object:
    """A member holding JSON text; too deep a nesting is refused, not a RecursionError."""
    if member.shape != () or member.dtype.kind != "U":
        raise _foreign(path, f"the {what} is not JSON text")
    try:
        return json.loads(str(member))
    except RecursionError:
        raise _foreign(path, f"the {what} is JSON nested too deep") from None
    except json.JSONDecodeError as exc:
        raise _foreign(path, f"the {what} is not valid JSON ({exc.msg})") from None


def _read_preprocessing(path: str, body: object) -> tuple[Preprocessor, str | None]:
    if not isinstance(body, dict):
        raise _foreign(path, "the preprocessing is not a JSON object")
    if not isinstance(body.get("numeric"), list) or not isinstance(body.get("categorical"), list):
        raise _foreign(path, "the preprocessing lists no numeric and categorical columns")
    numeric = tuple(_numeric_column(path, item) for item in body["numeric"])
    categorical = tuple(_categorical_column(path, item) for item in body["categorical"])
    names = [column.name for column in numeric] + [column.name for column in categorical]
    repeated = _first_repeated(names)
    if repeated is not None:
        raise _foreign(path, f"the preprocessing names column {repeated!r} twice")
    target = body.get("target")
    if target is not None and not isinstance(target, str):
        raise _foreign(path, "the target is not a column name")
    if target in names:
        raise _foreign(path, f"the target {target!r} is also a feature column")
    return Preprocessor(numeric, categorical), target


def _numeric_column(path: str, item: object) -> NumericColumn:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise _foreign(path, "a numeric column without a name")
    values = [item.get(key) for key in ("fill", "center", "scale")]
    if not all(isinstance(v, int | float) and np.isfinite(v) for v in values):
        raise _foreign(path, f"column {item['name']!r} has no finite scaling")
    fill, center, scale = (float(v) for v in values)  # type: ignore[arg-type]
    if scale <= 0:
        raise _foreign(path, f"column {item['name']!r} has no finite scaling")
    return NumericColumn(item["name"], fill, center, scale)


def _categorical_column(path: str, item: object) -> CategoricalColumn:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise _foreign(path, "a categorical column without a name")
    categories = item.get("categories")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise _foreign(path, f"column {item['name']!r} has no list of categories")
    if categories != sorted(set(categories)):
        raise _foreign(path, f"column {item['name']!r} has unsorted or repeated categories")
    missing = item.get("missing_category")
    if not isinstance(missing, bool):
        raise _foreign(path, f"column {item['name']!r} does not say how it treats missing cells")
    return CategoricalColumn(item["name"], tuple(categories), missing)
