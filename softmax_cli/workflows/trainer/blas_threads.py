"""How many threads BLAS may use while a network is fitted.

A fit multiplies small matrices (a batch of 200 rows, or a few thousand rows by a few
hundred units) thousands of times. Split over threads, each product costs more in
hand-offs than it saves: on a 2-core machine one thread fitted the digits MLP twice as
fast, and so for 10,000 rows of 100 features through 256 hidden units. So a fit runs
with one BLAS thread, unless the user has said how many they want in the usual
environment variables, which are then left to the BLAS library.
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def fitting_threads() -> contextlib.AbstractContextManager[object]:
    """A context in which BLAS uses one thread (none of ``THREAD_VARIABLES`` set), or
    as many as they say."""
    if any(name in os.environ for name in THREAD_VARIABLES):
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = _controller().limit(
        limits=1, user_api="blas"
    )
    return limits


@functools.cache
def _controller() -> Any:  # a ThreadpoolController: threadpoolctl has no type information
    """threadpoolctl's view of the loaded thread pools, NumPy's BLAS among them: made
    once, since finding them scans every loaded library (2 to 6 ms)."""
    from threadpoolctl import ThreadpoolController  # scikit-learn's; only training needs it

    return ThreadpoolController()
