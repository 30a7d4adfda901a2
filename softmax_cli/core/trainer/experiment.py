"""The four-blobs experiment's settings: plain values, importable without NumPy so that
the command line can show them as option defaults for free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

ARTICLE_CENTERS = ((15.0, 0.0), (15.0, 15.0), (0.0, 15.0), (30.0, 15.0))


class BlobsConfig(NamedTuple):
    """Every knob of the experiment; the defaults are the article's."""

    samples: int = 1000
    test_size: int = 250
    centers: tuple[tuple[float, ...], ...] = ARTICLE_CENTERS
    std: float = 1.5
    hidden: tuple[int, ...] = (12, 8)
    epochs: int = 30
    batch_size: int = 5
    lr: float = 0.001
    validation_split: float = 0.2

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (len(self.centers[0]), *self.hidden, len(self.centers))

    def problems(self) -> list[str]:
        """What makes this configuration impossible to run, in words (empty when fine)."""
        found = center_problems(self.centers)
        if self.test_size >= self.samples:
            found.append(
                f"--test-size {self.test_size} leaves no training samples of {self.samples}"
            )
        elif self.training_count < 1:
            found.append("--validation-split leaves no samples to train on")
        return found

    @property
    def training_count(self) -> int:
        """Samples trained on: what the test set and the validation split leave."""
        return validation_cut(self.samples - self.test_size, self.validation_split)


def center_problems(centers: Sequence[Sequence[float]]) -> list[str]:
    """What makes a list of blob centers unusable, in words (empty when fine)."""
    found = []
    if len(centers) < 2:
        found.append("give at least two centers (classes), e.g. '0,0 5,5'")
    if len({len(center) for center in centers}) != 1:
        found.append("every center needs the same number of coordinates")
    return found


def validation_cut(n_samples: int, validation_split: float) -> int:
    """Keras' ``validation_split``: the first ``floor(n (1 - split))`` samples train, the
    rest (taken from the end, before any shuffling) validate."""
    return int(n_samples * (1.0 - validation_split))
