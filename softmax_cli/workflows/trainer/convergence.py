"""The warning for a ``train`` fit that stopped before it converged: which fits (the
model, or with ``--cv`` the final model and how many folds), why, and what to change."""

from __future__ import annotations

from collections.abc import Sequence


def convergence_warning(
    solver: str,
    max_epochs: int,
    converged: bool,
    folds: Sequence[bool] | None,
    standardized: bool,
) -> str | None:
    """One line naming the fits that did not converge, or ``None`` when all did.

    ``converged`` is the (final) model's, ``folds`` each cross-validation fold's (``None``
    without ``--cv``); every fit ran ``solver`` with at most ``max_epochs`` epochs."""
    failed = 0 if folds is None else folds.count(False)
    if converged and not failed:
        return None
    fits = []
    if not converged:
        fits.append("the fit" if folds is None else "the final fit")
    if failed:
        assert folds is not None
        fits.append(f"{failed} of {len(folds)} cross-validation folds")
    if solver == "lbfgs":
        why = f"L-BFGS stopped at --max-epochs {max_epochs} iterations, short of its tolerance"
    else:
        why = f"the objective was still falling after --max-epochs {max_epochs} epochs"
    fixes = ["raise --max-epochs"]
    if solver == "adam":
        fixes.append("--lr")
    if not standardized:
        fixes.append("standardize the features (drop --no-standardize)")
    return f"{' and '.join(fits)} did not converge: {why}; {', or '.join(fixes)}"
