"""compare's report for scripts: one JSON object, or CSV/TSV rows ``figure,value,error``.

Divergences are in the unit of ``--base`` (nats or bits); perplexities, their log ratio
(always natural) and probabilities are unitless. JSON has no infinity: an infinite or
undefined figure is written as null.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np

from softmax_cli.io.formats.writer import delimiter_for, json_number
from softmax_cli.io.text.text_columns import ClassColumn, format_columns, format_header

if TYPE_CHECKING:
    from softmax_cli.core.comparison.summary import ComparisonReport
    from softmax_cli.core.comparison.sums import Estimate

Record = dict[str, object]


def _estimate(estimate: Estimate, scale: float = 1.0) -> Record:
    return {"mean": estimate.value * scale, "error": estimate.error * scale}


def _named(values: dict[str, float], scale: float = 1.0) -> Record:
    return {name: value * scale for name, value in values.items()}


def comparison_record(report: ComparisonReport, base: str) -> Record:
    """The report as nested objects: ``rows``, ``unit``, ``kl`` (mean, error,
    percentiles, infinite_rows), ``kl_reverse``, ``js``, ``tv``, ``same_top``, and with
    ``-k`` ``top_k``, with ``--targets`` ``targets``."""
    scale = 1 / math.log(2) if base == "2" else 1.0
    record: Record = {
        "rows": report.rows,
        "unit": "bits" if base == "2" else "nats",
        "kl": {
            **_estimate(report.kl, scale),
            "percentiles": _named(report.kl_percentiles, scale),
            "infinite_rows": report.kl_infinite,
        },
        "kl_reverse": {
            **_estimate(report.kl_reverse, scale),
            "infinite_rows": report.kl_reverse_infinite,
        },
        "js": _estimate(report.js, scale),
        "tv": _estimate(report.tv),
        "same_top": _estimate(report.same_top),
    }
    if report.overlap is not None:
        record["top_k"] = {"k": report.top_k, **_estimate(report.overlap)}
    t = report.targets
    if t is not None:
        record["targets"] = {
            "ppl_base": _estimate(t.ppl_base),
            "ppl_other": _estimate(t.ppl_other),
            "ln_ppl_ratio": _estimate(t.ln_ppl_ratio),
            "ppl_ratio": _estimate(t.ppl_ratio),
            "nll_correlation": t.nll_correlation,
            "delta_p": {
                **_estimate(t.delta_p),
                "percentiles": _named(t.delta_p_percentiles),
                "rms": t.delta_p_rms.value,
                "rms_error": t.delta_p_rms.error,
            },
            "accuracy_base": t.base_accuracy,
            "accuracy_other": t.other_accuracy,
        }
    return record


def _flat(record: Record, prefix: str = "") -> list[tuple[str, float, float]]:
    """``(figure, value, error)`` rows: a mean/error pair is one row, other numbers one
    row each with no error (nan)."""
    rows: list[tuple[str, float, float]] = []
    if "mean" in record:
        rows.append((prefix, _float(record["mean"]), _float(record["error"])))
    for key, value in record.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            rows.extend(_flat(value, name))
        elif key not in ("mean", "error", "unit"):
            rows.append((name, _float(value), math.nan))
    return rows


def _float(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def _json_safe(value: object) -> object:
    """Non-finite numbers as null, in nested objects too."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return json_number(value) if isinstance(value, float) else value


def format_comparison(report: ComparisonReport, fmt: str, precision: int, base: str) -> bytes:
    """The report in a machine format (``json``, ``csv`` or ``tsv``)."""
    record = comparison_record(report, base)
    if fmt == "json":
        return (json.dumps(_json_safe(record), allow_nan=False) + "\n").encode()
    delimiter = delimiter_for(fmt)
    rows = _flat(record)
    names = ClassColumn(np.arange(len(rows)), [name for name, _, _ in rows])
    values = np.array([value for _, value, _ in rows])
    errors = np.array([error for _, _, error in rows])
    return format_header(["figure", "value", "error"], delimiter) + format_columns(
        [names, values, errors], precision, delimiter
    )
