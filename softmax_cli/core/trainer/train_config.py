"""The settings of ``softmax train``: plain values, importable without NumPy so that the
command line can show them as option defaults for free, and the rules that turn the
``auto`` ones into what a run uses."""

from __future__ import annotations

from typing import NamedTuple

LBFGS_MAX_ROWS = 10_000  # above this, an MLP trains faster with Adam on mini-batches


class TrainConfig(NamedTuple):
    """Every option of ``train``; ``None`` means "auto" (see the ``resolved_*`` methods).

    ``l2`` is the ``lambda`` of ``mean loss + lambda/2 * ||W||^2``; ``test_size`` is a
    fraction in (0, 1) or a row count; ``patience`` 0 turns early stopping off.
    """

    target: str | None = None
    drop: tuple[str, ...] = ()
    missing: str = "mean"
    standardize: bool = True
    hidden: tuple[int, ...] = ()
    l2: float | None = None
    class_weight: str = "none"
    solver: str = "auto"
    max_epochs: int = 200
    batch_size: int = 200
    lr: float = 0.001
    patience: int | None = None
    test_size: float = 0.2
    validation_split: float = 0.1
    cv: int | None = None
    seed: int = 0

    def resolved_solver(self, n_train: int) -> str:
        """``auto``: full-batch L-BFGS for softmax regression (a convex problem) and for
        MLPs on up to ``LBFGS_MAX_ROWS`` rows; mini-batch Adam for larger MLPs."""
        if self.solver != "auto":
            return self.solver
        return "lbfgs" if not self.hidden or n_train <= LBFGS_MAX_ROWS else "adam"

    def resolved_l2(self, n_train: int) -> float:
        """``auto``: ``1/n`` over ``n`` training rows, scikit-learn's
        ``LogisticRegression(C=1)``, for the MLP too."""
        return self.l2 if self.l2 is not None else 1.0 / n_train

    def resolved_patience(self, solver: str) -> int:
        """``auto``: 10 epochs with Adam, none with L-BFGS (which stops on its own)."""
        if self.patience is not None:
            return self.patience
        return 10 if solver == "adam" else 0
