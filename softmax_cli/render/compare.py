"""compare's report for people: the KL divergence with its percentiles, the other
divergences, the top classes, and with targets the perplexities and Δp; and the first
rows of ``--rows`` as a table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from softmax_cli.render.console import fixed

if TYPE_CHECKING:
    from softmax_cli.core.comparison.summary import ComparisonReport
    from softmax_cli.core.comparison.sums import Estimate
    from softmax_cli.views.compare import ComparedRows


def _pm(estimate: Estimate, precision: int, scale: float = 1.0, percent: bool = False) -> str:
    factor = 100.0 if percent else scale
    value, error = estimate.value * factor, estimate.error * factor
    text = f"{value:.{precision}f}"
    if not math.isnan(error):
        text += f" ± {error:.{precision}f}"
    return text + (" %" if percent else "")


def _table(title: str) -> Table:
    table = Table(title=Text(title, style="bold"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")
    table.add_column("value", justify="right", no_wrap=True)
    return table


def render_report(console: Console, report: ComparisonReport, precision: int, base: str) -> None:
    """Every figure of ``report``, divergences in nats (bits with ``base`` "2")."""
    unit = "bits" if base == "2" else "nats"
    scale = 1 / math.log(2) if base == "2" else 1.0
    console.print(Text(f"{report.rows} rows compared, BASE against OTHER", style="bold"))
    kl = _table(f"KL(BASE || OTHER), {unit}")
    kl.add_row("mean", _pm(report.kl, precision, scale))
    for name, value in report.kl_percentiles.items():
        kl.add_row(
            name if name in ("max", "median", "min") else f"{name} %",
            fixed(value * scale, precision),
        )
    console.print(kl)
    other = _table("other divergences")
    other.add_row(f"KL(OTHER || BASE), {unit}", _pm(report.kl_reverse, precision, scale))
    other.add_row(f"Jensen-Shannon, {unit}", _pm(report.js, precision, scale))
    other.add_row("total variation", _pm(report.tv, precision))
    other.add_row("same top class", _pm(report.same_top, precision, percent=True))
    if report.overlap is not None:
        other.add_row(f"top-{report.top_k} overlap", _pm(report.overlap, precision, percent=True))
    console.print(other)
    for count, direction in (
        (report.kl_infinite, "KL(BASE || OTHER)"),
        (report.kl_reverse_infinite, "KL(OTHER || BASE)"),
    ):
        if count:
            console.print(Text(f"{count} rows have an infinite {direction}", style="yellow"))
    if report.targets is not None:
        _render_targets(console, report, precision)


def _render_targets(console: Console, report: ComparisonReport, precision: int) -> None:
    t = report.targets
    assert t is not None
    table = _table("with the targets")
    table.add_row("PPL(BASE)", _pm(t.ppl_base, precision))
    table.add_row("PPL(OTHER)", _pm(t.ppl_other, precision))
    table.add_row("ln(PPL(OTHER) / PPL(BASE))", _pm(t.ln_ppl_ratio, precision))
    table.add_row("PPL(OTHER) / PPL(BASE)", _pm(t.ppl_ratio, precision))
    table.add_row("correlation of the NLLs", fixed(100 * t.nll_correlation, precision) + " %")
    table.add_row("mean Δp", _pm(t.delta_p, precision, percent=True))
    table.add_row("RMS Δp", _pm(t.delta_p_rms, precision, percent=True))
    for name, value in t.delta_p_percentiles.items():
        label = name if name in ("max", "median", "min") else f"{name} %"
        table.add_row(f"Δp {label}", fixed(100 * value, precision) + " %")
    table.add_row("accuracy BASE", fixed(100 * t.base_accuracy, precision) + " %")
    table.add_row("accuracy OTHER", fixed(100 * t.other_accuracy, precision) + " %")
    console.print(table)


def render_rows(console: Console, rows: ComparedRows, precision: int) -> None:
    """The first rows of ``--rows`` output, and how many there were."""
    table = Table(box=box.SIMPLE_HEAD)
    for name in rows.columns:
        table.add_column(name, justify="right", no_wrap=True)
    for cells in zip(*rows.columns.values(), strict=True):
        table.add_row(*(Text(_cell(cell, precision)) for cell in cells))
    console.print(table)
    shown = len(next(iter(rows.columns.values()), []))
    if rows.total > shown:
        console.print(Text(f"first {shown} of {rows.total} rows", style="bold"))


def _cell(value: float | str, precision: int) -> str:
    return value if isinstance(value, str) else fixed(value, precision)
