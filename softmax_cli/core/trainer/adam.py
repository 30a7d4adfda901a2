"""The Adam optimizer exactly as Keras defines it, on one flat parameter vector."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray


class Adam:
    """Adam with Keras' constants and update rule.

    At step ``t``: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, and
    ``params -= lr_t m / (sqrt(v) + eps)`` with ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.
    Keras adds ``eps`` to the uncorrected ``sqrt(v)``, which differs slightly from the
    paper's ``sqrt(v_hat) + eps``; we follow Keras to reproduce the article.
    """

    def __init__(
        self,
        n_params: int,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.steps = 0
        self.m = np.zeros(n_params)
        self.v = np.zeros(n_params)
        self._scratch = np.zeros(n_params)

    def step(self, params: FloatArray, grads: FloatArray) -> None:
        """Update ``params`` in place from ``grads`` (same shape)."""
        self.steps += 1
        t = self.steps
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        m, v, scratch = self.m, self.v, self._scratch
        m *= self.beta1
        m += (1.0 - self.beta1) * grads
        np.multiply(grads, grads, out=scratch)
        scratch *= 1.0 - self.beta2
        v *= self.beta2
        v += scratch
        np.sqrt(v, out=scratch)
        scratch += self.epsilon
        np.divide(m, scratch, out=scratch)
        scratch *= lr_t
        params -= scratch
