"""The first rows of a stream of result blocks, for a preview table."""

from __future__ import annotations

from typing import Generic, Protocol, Self, TypeVar


class Block(Protocol):
    """Consecutive rows of results that can say how many they are and keep their first."""

    @property
    def n_rows(self) -> int: ...

    def head(self, n_rows: int) -> Self: ...


B = TypeVar("B", bound=Block)


class Head(Generic[B]):
    """The first ``limit`` rows of a stream of blocks, for a table, and a count of all."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.blocks: list[B] = []
        self.kept = 0
        self.total = 0

    def add(self, block: B) -> None:
        if self.kept < self.limit:
            self.blocks.append(block.head(self.limit - self.kept))
            self.kept += self.blocks[-1].n_rows
        self.total += block.n_rows
