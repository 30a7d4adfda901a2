"""Saving and loading trained models as ``.npz`` files that can never run code.

A model file holds only plain arrays: a format tag, the layer sizes, each layer's
weights and biases, the class labels and the training configuration as JSON text.
Loading uses ``allow_pickle=False`` and checks every array's shape and type, so a
foreign or corrupt file is a ``DataError`` with a one-line reason.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from softmax_cli.core.mlp import MLP
from softmax_cli.errors import DataError

MODEL_FORMAT = "softmax-cli mlp v1"


class SavedModel(NamedTuple):
    model: MLP
    labels: list[str]
    config: dict[str, object]


def save_model(path: str, model: MLP, labels: Sequence[str], config: dict[str, object]) -> None:
    """Write ``model`` with its class ``labels`` and training ``config`` to ``path``
    (exactly that name: ``numpy.savez`` would append ``.npz`` to a bare path)."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(MODEL_FORMAT),
        "layer_sizes": np.array(model.layer_sizes, dtype=np.int64),
        "labels": np.array(list(labels), dtype=np.str_),
        "config": np.array(json.dumps(config, sort_keys=True)),
    }
    for index, (weight, bias) in enumerate(zip(model.weights, model.biases, strict=True)):
        arrays[f"weight_{index}"] = weight
        arrays[f"bias_{index}"] = bias
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)  # type: ignore[arg-type]


def load_model(path: str) -> SavedModel:
    """Read a model written by ``save_model``; raise ``DataError`` for anything else."""
    try:
        # Our own file object: np.load leaks the one it opens when the zip is corrupt.
        with open(path, "rb") as stream:
            if stream.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
                raise _foreign(path, "not an .npz archive")
            stream.seek(0)
            with np.load(stream, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        return _read(path, arrays)
    except KeyError as exc:
        raise _foreign(path, f"no array {exc}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _foreign(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def _foreign(path: str, reason: str) -> DataError:
    return DataError(f"{path}: not a softmax-cli model file ({reason})")


def _read(path: str, arrays: dict[str, np.ndarray]) -> SavedModel:
    tag = arrays.get("format")
    if tag is None or tag.shape != () or str(tag) != MODEL_FORMAT:
        raise _foreign(path, "no 'format' tag")
    sizes = arrays["layer_sizes"]
    if sizes.ndim != 1 or len(sizes) < 2 or sizes.dtype.kind not in "iu" or sizes.min() < 1:
        raise _foreign(path, "bad layer sizes")
    layer_sizes = [int(n) for n in sizes]
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
    config = json.loads(str(arrays["config"]))
    if not isinstance(config, dict):
        raise _foreign(path, "the config is not a JSON object")
    return SavedModel(MLP(layer_sizes, np.concatenate(flat)), [str(v) for v in labels], config)
