"""compare's report, once every row is read: a Rich report, the first rows of
``--rows`` as a table, or the report in a machine format; the plot; the notes for
stderr."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from softmax_cli.core.comparison.summary import ComparisonReport
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.comparison.compare import CompareConfig, Comparison


def show_report(
    result: Comparison,
    config: CompareConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    plot: str | None = None,
) -> None:
    """What the options ask for, after the rows: the report (or the rows' preview) on a
    terminal, the report as JSON/CSV/TSV without ``--rows``, and the ``plot``."""
    base = config.scores.base
    if output.is_table and result.report.rows:
        from softmax_cli.render import compare
        from softmax_cli.render.console import make_console

        console = make_console(output.color)
        if result.preview is not None:
            compare.render_rows(console, result.preview, output.precision)
        else:
            compare.render_report(console, result.report, output.precision, base)
    elif not config.rows and result.report.rows:
        from softmax_cli.io.formats.comparison import format_comparison

        stdout.write(format_comparison(result.report, output.fmt, output.precision, base))
    if plot is not None:
        from softmax_cli.io.named_file import replacing
        from softmax_cli.render.plots import plot_comparison

        kl = result.kl / math.log(2) if base == "2" else result.kl
        with replacing(plot) as stream:
            plot_comparison(stream, kl, result.delta_p, "bits" if base == "2" else "nats")


def summary(report: ComparisonReport, base: str, precision: int) -> str:
    """One line for stderr after ``--rows``: rows, mean KL, the same top class."""
    scale = 1 / math.log(2) if base == "2" else 1.0
    unit = "bits" if base == "2" else "nats"
    noun = "row" if report.rows == 1 else "rows"
    return (
        f"{report.rows} {noun}, mean KL {report.kl.value * scale:.{precision}f} {unit}, "
        f"same top class {report.same_top.value:.2%}"
    )


def infinite_note(report: ComparisonReport) -> str | None:
    """How many rows have an infinite KL, when some do."""
    count = report.kl_infinite
    if not count:
        return None
    noun = "row has" if count == 1 else "rows have"
    return (
        f"{count} {noun} an infinite KL(BASE || OTHER): OTHER gives probability 0 to a "
        "class BASE does not"
    )
