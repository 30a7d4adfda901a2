"""Model files mutated from a real saved model of each kind (train-blobs and train), one
member at a time, given to ``predict``: success, or exit 65 with one line on stderr."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fuzz.inputs import npy_bytes, npy_files
from fuzz.running import fuzz_settings, holds, write

FEATURES = {"blobs": b"15,0\n0,15\n", "train": b"a,b,c\n1,2,x\n3,4,y\n"}

json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), st.text(max_size=4)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@st.composite
def mutated_json(draw: st.DrawFn, text: str) -> bytes:
    """The member's JSON with one value replaced (or the whole), or its text cut short."""
    body = json.loads(text)
    if isinstance(body, dict) and body and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(body)))
        value = body[key]
        if isinstance(value, list) and value and isinstance(value[0], dict) and draw(st.booleans()):
            item = dict(value[0])
            item[draw(st.sampled_from([*sorted(item), "extra"]))] = draw(json_values)
            body[key] = [item, *value[1:]]
        else:
            body[key] = draw(json_values)
    elif draw(st.booleans()):
        body = draw(json_values)
    else:
        return npy_bytes(np.array(text[: draw(st.integers(0, len(text)))]))
    return npy_bytes(np.array(json.dumps(body)))


arrays = st.one_of(
    st.builds(
        lambda shape, fill, dtype: npy_bytes(np.full(shape, fill).astype(dtype)),
        st.sampled_from([(), (0,), (1,), (2,), (4,), (2, 3), (3, 4), (4, 2), (2, 2, 2)]),
        st.sampled_from([0.0, 1.0, -1.0, 2.0, 1e3]),
        st.sampled_from(["<f8", ">f8", "<f4", "<i8", "|u1", "<U3", "|b1"]),
    ),
    st.lists(st.text(max_size=3), max_size=4).map(lambda v: npy_bytes(np.array(v, dtype=str))),
    st.text(max_size=20).map(lambda t: npy_bytes(np.array(t))),
)


@st.composite
def mutations(draw: st.DrawFn, original: dict[str, bytes]) -> dict[str, bytes]:
    files = dict(original)
    name = draw(st.sampled_from(sorted(files)))
    stem = name.removesuffix(".npy")
    kind = draw(st.sampled_from(["array", "npy", "bytes", "cut", "drop", "json", "extra"]))
    if kind == "array":
        files[name] = draw(arrays)
    elif kind == "npy":
        files[name] = draw(npy_files())
    elif kind == "bytes":
        files[name] = draw(st.binary(max_size=40))
    elif kind == "cut":
        files[name] = files[name][: draw(st.integers(0, len(files[name])))]
    elif kind == "drop":
        del files[name]
    elif kind == "json" and stem in ("config", "preprocessing"):
        text = str(np.load(io.BytesIO(files[name])))
        files[name] = draw(mutated_json(text))
    else:
        files[draw(st.sampled_from(["weight_9.npy", "bias_9.npy", "other.npy"]))] = draw(arrays)
    return files


def check(models: dict[str, Path], folder: Path, kind: str, data: st.DataObject) -> None:
    files = data.draw(mutations(members(models[kind])))
    model = write(folder, "model.npz", zipped(files))
    features = write(folder, "features.csv", FEATURES[kind])
    outcome = holds(["predict", "-m", model, "-i", features, "-f", "csv"])
    assert outcome.code in (0, 65), outcome.stderr


@fuzz_settings(60)
@given(data=st.data())
def test_mutated_train_blobs_model(
    models: dict[str, Path], tmp_path: Path, data: st.DataObject
) -> None:
    check(models, tmp_path, "blobs", data)


@fuzz_settings(60)
@given(data=st.data())
def test_mutated_train_model(models: dict[str, Path], tmp_path: Path, data: st.DataObject) -> None:
    check(models, tmp_path, "train", data)


@fuzz_settings(20)
@given(
    content=st.one_of(
        st.binary(max_size=80),
        st.builds(
            zipped,
            st.dictionaries(
                st.sampled_from(["format.npy", "version.npy", "x"]),
                st.binary(max_size=20),
                max_size=3,
            ),
        ),
    )
)
def test_any_bytes_as_a_model(models: dict[str, Path], tmp_path: Path, content: bytes) -> None:
    model = write(tmp_path, "model.npz", content)
    outcome = holds(["predict", "-m", model, "-f", "csv"], stdin=FEATURES["blobs"])
    assert outcome.code in (0, 65), outcome.stderr
