"""Files written by name (``--save``, ``--plot``): only regular files replaced, symlinks
written through, the mode open() would give, whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import RunScript

from softmax_cli.errors import SoftmaxError
from softmax_cli.io import named_file
from softmax_cli.io.named_file import replacing

SMALL = ["--samples", "200", "--test-size", "50", "--epochs", "1", "--seed", "1", "-q"]


def write(path: Path | str, data: bytes) -> None:
    with replacing(str(path)) as stream:
        stream.write(data)


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.fixture
def umask() -> Iterator[None]:
    saved = os.umask(0o022)
    os.umask(saved)
    yield
    os.umask(saved)


def test_new_file_appears_with_its_bytes(tmp_path: Path) -> None:
    write(tmp_path / "m.npz", b"abc")
    assert (tmp_path / "m.npz").read_bytes() == b"abc"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_file_gets_the_mode_open_would_give(tmp_path: Path, mask: int, umask: None) -> None:
    os.umask(mask)
    write(tmp_path / "ours", b"x")
    with open(tmp_path / "theirs", "wb"):
        pass
    expected = stat.S_IMODE(os.stat(tmp_path / "theirs").st_mode)
    assert expected == 0o666 & ~mask
    assert stat.S_IMODE(os.stat(tmp_path / "ours").st_mode) == expected


def test_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    os.umask(0o022)
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "model.npz"
    target.parent.mkdir()
    target.write_bytes(b"old")
    target.chmod(0o604)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    write(link, b"new")
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.npz"
    link.symlink_to(tmp_path / "new.npz")
    write(link, b"new")
    assert link.is_symlink()
    assert (tmp_path / "new.npz").read_bytes() == b"new"


def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opening a FIFO for writing would block without a reader: refusing must not open it.
    with pytest.raises(SoftmaxError, match=r"cannot write .*pipe: it is a FIFO, not a regular"):
        write(fifo, b"x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(SoftmaxError, match="it is a directory, not a regular file"):
        write(folder, b"x")
    assert folder.is_dir() and os.listdir(folder) == []


def test_dev_null_is_refused_and_stays_a_device() -> None:
    with pytest.raises(SoftmaxError, match="/dev/null: it is a character device"):
        write("/dev/null", b"x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    with pytest.raises(SoftmaxError, match="character device"):
        write(link, b"x")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(b"old model")
    with pytest.raises(RuntimeError), replacing(str(path)) as stream:
        stream.write(b"half a new")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == b"old model"
    assert leftovers(tmp_path) == []


def test_failed_fsync_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(b"old model")

    def no_space(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(named_file.os, "fsync", no_space)
    with pytest.raises(SoftmaxError, match=r"cannot write .*m.npz: No space left on device"):
        write(path, b"new model")
    assert path.read_bytes() == b"old model"
    assert leftovers(tmp_path) == []


def test_data_is_fsynced_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        is_folder = stat.S_ISDIR(os.fstat(descriptor).st_mode)
        events.append("fsync folder" if is_folder else "fsync file")
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        events.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(named_file.os, "fsync", fsync)
    monkeypatch.setattr(named_file.os, "replace", replace)
    write(tmp_path / "m.npz", b"new")
    assert events == ["fsync file", "rename", "fsync folder"]


def test_save_refuses_dev_null_fifo_and_writes_through_a_link(
    run_script: RunScript, tmp_path: Path
) -> None:
    done = run_script("train-blobs", *SMALL, "--save", "/dev/null")
    assert done.returncode == 1
    assert (
        done.stderr
        == b"error: cannot write /dev/null: it is a character device, not a regular file\n"
    )
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    done = run_script("train-blobs", *SMALL, "--save", str(fifo))  # the run has a timeout
    assert done.returncode == 1
    assert done.stderr.decode().endswith("fifo.npz: it is a FIFO, not a regular file\n")
    target, link = tmp_path / "model.npz", tmp_path / "link.npz"
    target.write_bytes(b"old")
    link.symlink_to(target)
    assert run_script("train-blobs", *SMALL, "--save", str(link)).returncode == 0
    assert link.is_symlink()
    with np.load(target) as npz:
        assert "weight_0" in npz.files


def test_plot_refuses_a_fifo(run_script: RunScript, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    done = run_script("train-blobs", *SMALL, "--plot", str(fifo))
    assert done.returncode == 1
    assert done.stderr.decode().endswith("fifo.png: it is a FIFO, not a regular file\n")
