"""Reading the arrays of an ``.npz`` archive that may be hostile, without trusting it.

Every member must be a ``.npy`` array of a plain dtype (no objects, so no pickles). Its
header's claim, shape times item size, is checked against the member's real size in the
zip before anything is allocated, so a header announcing 10**24 elements is refused
instead of attempted.
"""

from __future__ import annotations

import math
import zipfile
from typing import IO

import numpy as np

from softmax_cli.io.formats.npy import MAGIC, HeaderError, header_fields

MAX_MEMBERS = 1024


class MemberError(ValueError):
    """A member that is not a plain array, or whose header does not match its bytes."""


def read_members(stream: IO[bytes]) -> dict[str, np.ndarray]:
    """Every array in the zip ``stream``, by name without ``.npy``; raise ``MemberError``
    (or ``zipfile.BadZipFile``) for anything that is not one."""
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise MemberError(f"{len(infos)} members, more than a model has")
        arrays: dict[str, np.ndarray] = {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise MemberError(f"member {info.filename!r} is not an array")
            name = info.filename.removesuffix(".npy")
            if name in arrays:
                raise MemberError(f"member {info.filename!r} appears twice")
            with archive.open(info) as member:
                arrays[name] = _read_array(member, info)
    return arrays


def _read_array(member: IO[bytes], info: zipfile.ZipInfo) -> np.ndarray:
    name = info.filename
    if member.read(len(MAGIC)) != MAGIC:
        raise MemberError(f"member {name!r} has a malformed header (no .npy magic)")
    try:
        shape, fortran, dtype = header_fields(member)
    except HeaderError as exc:
        raise MemberError(f"member {name!r} has a malformed header: {exc}") from None
    if dtype.hasobject:
        raise MemberError(f"member {name!r} holds Python objects, which are never loaded")
    claimed = math.prod(shape) * dtype.itemsize
    available = info.file_size - member.tell()
    if claimed != available:
        raise MemberError(
            f"member {name!r}: its header announces {claimed} bytes of data, it has {available}"
        )
    data = member.read(claimed)
    if len(data) != claimed:
        raise MemberError(f"member {name!r} ends early")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C").copy()
