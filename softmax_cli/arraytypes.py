"""Array type aliases, imported only under ``TYPE_CHECKING``: ``numpy.typing`` costs about
12 ms at start-up, which every command would otherwise pay."""

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

ArrayLike: TypeAlias = npt.ArrayLike
FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
UIntArray: TypeAlias = npt.NDArray[np.uint64]
ByteArray: TypeAlias = npt.NDArray[np.uint8]
MaskArray: TypeAlias = npt.NDArray[np.unsignedinteger[Any]]  # bit masks, one per cell
