"""Every row command on the session cluster: each --output-dir file is byte for byte what
the command writes for that shard alone, in every file format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import SCRIPT, clean_env

EXTENSIONS = {"csv": ".csv", "tsv": ".tsv", "json": ".jsonl", "npy": ".npy"}
COMMANDS = {
    "softmax": ["softmax", "-t", "0.7"],
    "softmax --log --argmax": ["softmax", "--log", "--argmax"],
    "sigmoid": ["sigmoid"],
    "sigmoid --compare": ["sigmoid", "--compare"],
    "stats -k": ["stats", "-k", "2"],
    "sample": ["sample", "--seed", "11", "-n", "2", "--with-prob", "--top-p", "0.9"],
}


@pytest.fixture(scope="module")
def logits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shards with a header (CSV) and without (.npy), named out of order."""
    folder = tmp_path_factory.mktemp("logits")
    rng = np.random.default_rng(5)
    for name in ("c", "a", "b"):
        block = rng.normal(0, 3, size=(int(rng.integers(1, 30)), 4))
        np.save(folder / f"{name}.npy", block)
        rows = "".join(",".join(map(repr, row)) + "\n" for row in block.tolist())
        (folder / f"{name}.csv").write_text("w,x,y,z\n" + rows)
    return folder


def invoke(args: list[str]) -> bytes:
    """The command run in this process (its client reaches the session cluster too)."""
    from click.testing import CliRunner

    from softmax_cli.cli.main import cli

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


@pytest.mark.parametrize(("kind", "fmt"), [("csv", "csv"), ("csv", "tsv"), ("csv", "json"),
                                           ("npy", "npy"), ("npy", "csv")])  # fmt: skip
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_output_equals_the_shard_alone(
    logits: Path, tmp_path: Path, scheduler: str, command: str, fmt: str, kind: str
) -> None:
    args = [*COMMANDS[command], "-f", fmt]
    invoke([*args, "-i", f"{logits}/*.{kind}", "--output-dir", str(tmp_path),
            "--scheduler", scheduler])  # fmt: skip
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"{name}{EXTENSIONS[fmt]}" for name in "abc"
    ]
    for index, name in enumerate("abc"):
        alone = [*args, "-i", str(logits / f"{name}.{kind}")]
        if command == "sample":  # shard i draws with SEED + i, the documented rule
            alone[alone.index("--seed") + 1] = str(11 + index)
        assert (tmp_path / f"{name}{EXTENSIONS[fmt]}").read_bytes() == invoke(alone)


def test_csv_shards_to_npy_files(logits: Path, tmp_path: Path, scheduler: str, run_script):
    out = tmp_path / "out"
    out.mkdir()
    done = run_script("stats", "-i", f"{logits}/*.csv", "-f", "npy", "--output-dir", str(out),
                      "--scheduler", scheduler)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in "abc":
        alone = tmp_path / f"{name}.npy"
        with alone.open("wb") as stdout:  # CSV rows to .npy: a file, whose header is filled last
            args = ["stats", "-i", str(logits / f"{name}.csv"), "-f", "npy"]
            subprocess.run([SCRIPT, *args], stdout=stdout, env=clean_env(), check=True)
        assert (out / f"{name}.npy").read_bytes() == alone.read_bytes()


def test_a_bad_cell_in_the_third_shard_on_the_cluster(
    logits: Path, tmp_path: Path, scheduler: str, run_script
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in "ab":
        (folder / f"{name}.csv").write_bytes((logits / f"{name}.csv").read_bytes())
    (folder / "c.csv").write_text("w,x,y,z\n1,2,3,4\n1,2,nan,4\n")
    out = tmp_path / "out"
    out.mkdir()
    done = run_script("softmax", "-i", f"{folder}/*.csv", "--output-dir", str(out),
                      "--scheduler", scheduler)  # fmt: skip
    assert done.returncode == 65
    stderr = done.stderr.decode()
    assert stderr.count("\n") == 1 and stderr.startswith(
        f"error: {folder}/c.csv: line 3, column 3:"
    )
    assert sorted(path.name for path in out.iterdir()) == ["a.csv", "b.csv"]


def test_predict_per_shard_with_a_train_model(tmp_path: Path, scheduler: str, run_script):
    rng = np.random.default_rng(2)
    colors = np.array(["red", "green", "blue"])

    def table(n: int, order: tuple[str, ...]) -> str:
        klass = rng.integers(0, 3, size=n)
        cells = {"x": (rng.normal(size=n) + klass).round(3).astype(str),
                 "color": colors[rng.integers(0, 3, size=n)],
                 "target": np.array(list("abc"))[klass]}  # fmt: skip
        return (
            ",".join(order)
            + "\n"
            + "".join(",".join(cells[column][row] for column in order) + "\n" for row in range(n))
        )

    (tmp_path / "train.csv").write_text(table(90, ("x", "color", "target")))
    model = tmp_path / "model.npz"
    trained = run_script("train", str(tmp_path / "train.csv"), "--seed", "1", "-q",
                         "--save", str(model))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    shards = tmp_path / "in"
    shards.mkdir()
    for index, order in enumerate(
        [("x", "color", "target"), ("color", "x"), ("target", "color", "x")]
    ):
        (shards / f"p{index}.csv").write_text(table(7, order))
    predicts_each_shard_as_alone(run_script, model, sorted(shards.iterdir()), "json", scheduler)


def test_predict_per_shard_with_a_blobs_model(tmp_path: Path, scheduler: str, run_script):
    model = tmp_path / "blobs.npz"
    assert run_script("train-blobs", "--seed", "1", "-q", "--save", str(model)).returncode == 0
    rng = np.random.default_rng(4)
    for index in range(3):
        np.save(tmp_path / f"f{index}.npy", rng.normal(0, 10, size=(5, 2)))
    shards = [tmp_path / f"f{index}.npy" for index in range(3)]
    predicts_each_shard_as_alone(run_script, model, shards, "csv", scheduler)


def predicts_each_shard_as_alone(
    run_script, model: Path, shards: list[Path], fmt: str, scheduler: str
) -> None:
    """predict on the cluster writes for each shard what it prints for the shard alone."""
    out = model.parent / "out"
    out.mkdir()
    inputs = [part for shard in shards for part in ("-i", str(shard))]
    done = run_script("predict", "-m", str(model), *inputs, "--output-dir", str(out), "-f", fmt,
                      "--scheduler", scheduler)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for shard in shards:
        alone = run_script("predict", "-m", str(model), "-i", str(shard), "-f", fmt)
        assert (out / f"{shard.stem}{EXTENSIONS[fmt]}").read_bytes() == alone.stdout
