"""Writing a file the user named (``--save``, ``--plot``): whole or not at all.

The bytes go to a temporary file in the target's own folder, which is flushed and
fsync'd, renamed over the target, and the folder fsync'd, so a crash leaves the old
file or the new one, never a partial one. Only a regular file is ever replaced: a
device, FIFO, socket or folder of that name is refused. A symlink is written through
(its target is replaced and the link stays a link), as editors do. A new file gets the
mode ``open()`` would give it (``0o666`` less the umask); a replaced one keeps its mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from softmax_cli.errors import SoftmaxError

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


@contextlib.contextmanager
def replacing(path: str) -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace ``path`` when the block ends without error;
    on any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched.
    An ``OSError`` becomes a ``SoftmaxError`` (exit 1) naming ``path``."""
    target = os.path.realpath(path)  # through every symlink, to the file they name
    mode = _existing_mode(path, target)
    if mode is None:
        mode = 0o666 & ~_umask()
    folder, name = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot(path, exc) from None
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _cannot(path, exc) from None
        raise
    _sync_folder(folder)


def _existing_mode(path: str, target: str) -> int | None:
    """The permission bits of the regular file at ``target``, or None when there is none."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _cannot(path, exc) from None
    if not stat.S_ISREG(status.st_mode):
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise SoftmaxError(f"cannot write {path}: it is {kind}, not a regular file")
    return stat.S_IMODE(status.st_mode)


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable; some file systems cannot fsync a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _cannot(path: str, exc: OSError) -> SoftmaxError:
    return SoftmaxError(f"cannot write {path}: {exc.strerror or exc}")
