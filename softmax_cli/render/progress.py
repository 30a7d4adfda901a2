"""A transient progress bar on stderr for a long read: bytes of a file of known size, or
rows, and the rows per second."""

from __future__ import annotations

import time

from rich.progress import BarColumn, Progress, ProgressColumn, TaskProgressColumn, TextColumn

from softmax_cli.render.console import make_console


class ReadProgress:
    """Started when a read has run a while (``began``, a ``time.monotonic()`` reading):
    a bar over ``total_bytes`` when the size is known, else a spinner-less count."""

    def __init__(self, total_bytes: int | None, began: float) -> None:
        self.total = total_bytes
        self.began = began
        columns: list[ProgressColumn] = [TextColumn("[bold]reading")]
        if total_bytes is not None:
            columns += [BarColumn(), TaskProgressColumn()]
        columns.append(TextColumn("{task.fields[status]}"))
        self.progress = Progress(*columns, console=make_console(stderr=True), transient=True)
        self.task = self.progress.add_task("reading", total=total_bytes, status="")
        self.progress.start()

    def update(self, position: int | None, rows: int) -> None:
        """Show ``rows`` read so far, and ``position`` in bytes when known."""
        seconds = max(time.monotonic() - self.began, 1e-9)
        status = f"{rows:,} rows, {rows / seconds:,.0f} rows/s"
        if self.total is not None and position is not None:
            status = f"{position / 1e6:,.0f} of {self.total / 1e6:,.0f} MB, " + status
            self.progress.update(self.task, completed=position, status=status)
        else:
            self.progress.update(self.task, status=status)

    def stop(self) -> None:
        self.progress.stop()
