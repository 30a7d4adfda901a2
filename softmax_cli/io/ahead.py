"""Parsing the next block on a second core while the caller works on this one.

NumPy releases the GIL inside its loops, so a worker thread running the vectorised
parser overlaps with the main thread computing and writing the previous block: about
10 % less time for 1M x 10 logits from a file. The worker only computes; every read stays
in the caller's thread, so no thread is ever blocked on input holding a lock (a daemon
thread blocked in ``stdin.read`` makes the interpreter abort its shutdown after Ctrl-C).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def reads_never_wait(stream: BinaryIO) -> bool:
    """A file or memory, which can be read ahead. Not a pipe: reading its next block
    may wait for a slow producer, and the rows already done would wait with it."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, ValueError):  # no descriptor: in memory
        return True
    except OSError:
        return False


def ahead(
    items: Iterable[Item], work: Callable[[Item], Result], overlap: bool
) -> Iterator[tuple[Item, Result]]:
    """Each item with ``work(item)``, in order. With ``overlap``, the next item is taken
    (in this thread) and worked on by a worker thread while the caller handles this one:
    at most two items in flight, and an exception of ``work`` raised here in its item's
    turn. Without, one item at a time."""
    if not overlap:
        for item in items:
            yield item, work(item)
        return
    import queue
    import threading

    tasks: queue.SimpleQueue[tuple[Item] | None] = queue.SimpleQueue()
    results: queue.SimpleQueue[tuple[Result | None, BaseException | None]] = queue.SimpleQueue()

    def worker() -> None:
        while (task := tasks.get()) is not None:
            try:
                results.put((work(task[0]), None))
            except BaseException as error:  # noqa: BLE001 - raised again in the caller
                results.put((None, error))

    def done(item: Item) -> tuple[Item, Result]:
        value, error = results.get()
        if error is not None:
            raise error
        return item, value  # type: ignore[return-value]  # None only with an error

    threading.Thread(target=worker, name="parse-ahead", daemon=True).start()
    pending: list[Item] = []  # handed to the worker, oldest first
    try:
        for item in items:
            tasks.put((item,))
            pending.append(item)
            if len(pending) == 2:
                yield done(pending.pop(0))
        while pending:
            yield done(pending.pop(0))
    finally:
        tasks.put(None)
