"""calibrate on an ``.npy`` file in memory that does not grow with its rows.

The fit needs every row at each temperature it tries, but only through sums over rows
(``core.calibration_sums``). So rather than hold the n x K scores, the file is read
again, a chunk at a time, for every temperature: each chunk is reduced to its sums and
the sums are added (a map-reduce over the chunks). The first pass, at T = 1, checks the
rows as any reading does (errors, ``--skip-invalid``, a progress bar) and gives the
metrics before; the later ones, about six for the fit and one for the metrics after,
read the same rows quietly. Only a regular file can be read again: ``rereadable_npy``
in ``io.sources`` says when this path applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from typing import TYPE_CHECKING

from softmax_cli.core.calculator.calibration import calibrate_by
from softmax_cli.core.calculator.calibration_sums import (
    NO_ROWS,
    MetricSums,
    NllSums,
    metric_sums,
    nll_sums,
    shifted_scores,
)
from softmax_cli.workflows.calculator.calibration_input import calibration_blocks, check_enough_rows
from softmax_cli.workflows.calculator.loss_input import LossConfig, open_targeted_rows

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.calculator.calibration import Calibration
    from softmax_cli.core.calculator.calibration_sums import Scores
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import SkipReport


def calibrate_file(
    spec: InputSpec,
    config: LossConfig,
    start: int,
    n_bins: int,
    *,
    target: str | None = None,
    targets: str | None = None,
) -> tuple[Calibration, SkipReport]:
    """Fit T to the ``.npy`` array at byte ``start`` of ``spec.stream`` (a regular file)
    against ``target`` or the file ``targets``, reading the rows once per temperature;
    return the result and what the first reading skipped."""
    source, fixed_target = open_targeted_rows(spec, config, target, None, targets)
    nll_at_one, before = NO_ROWS, MetricSums.empty(n_bins)
    blocks = calibration_blocks(source, config, fixed_target, spec.skip_invalid, raw_logits=True)
    for scores in _scores(blocks):
        nll_at_one = nll_at_one.plus(nll_sums(scores, 1.0))
        before = before.plus(metric_sums(scores, 1.0, n_bins))
    check_enough_rows(before.rows, source.skipped)

    def reread() -> Iterator[Scores]:
        assert spec.stream is not None  # a regular file, as rereadable_npy found
        spec.stream.seek(start)
        again = open_targeted_rows(spec._replace(quiet=True), config, target, None, targets)
        return _scores(
            calibration_blocks(
                again.source, config, again.fixed_target, spec.skip_invalid, raw_logits=True
            )
        )

    def evaluate(temperature: float) -> NllSums:
        if temperature == 1.0:
            return nll_at_one
        return reduce(NllSums.plus, (nll_sums(s, temperature) for s in reread()), NO_ROWS)

    def metrics_at(temperature: float) -> MetricSums:
        if temperature == 1.0:
            return before
        parts = (metric_sums(s, temperature, n_bins) for s in reread())
        return reduce(MetricSums.plus, parts, MetricSums.empty(n_bins))

    return calibrate_by(evaluate, metrics_at), source.skipped


def _scores(blocks: Iterator[tuple[FloatArray, IntArray]]) -> Iterator[Scores]:
    """Each chunk's scores shifted by their row maxima; the chunk is read anew every
    time, so it is shifted in place."""
    for values, targets in blocks:
        yield shifted_scores(values, targets, copy=False)
