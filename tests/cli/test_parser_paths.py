"""The same output whichever parser takes a block: the vectorised one, ``numpy.loadtxt``,
or the line-by-line parser that locates errors."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from helpers import invoke_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softmax_cli.io.formats import reader
from softmax_cli.io.formats.table import read_table
from softmax_cli.io.text import cells

PATHS = ("fast", "loadtxt", "line by line")
STYLES = (repr, "{:.18e}".format, "{:g}".format, "{:.6f}".format, "{:.17g}".format)


def force(path: str, patch: pytest.MonkeyPatch) -> None:
    """Make blocks take ``path``: decline the faster parsers before it."""
    if path != "fast":
        patch.setattr(cells, "parse_number_block", lambda block, width: None)
    if path == "line by line":
        patch.setattr(reader, "loadtxt_rows", lambda texts, delimiter, width: None)


def outputs(args: list[str], stdin: str) -> dict[str, str]:
    """The command's output on each path; it must succeed on every one."""
    results = {}
    for path in PATHS:
        with pytest.MonkeyPatch.context() as patch:
            force(path, patch)
            code, out, err = invoke_cli(args, stdin)
        assert code == 0, (path, err)
        results[path] = out
    return results


logits = st.floats(-1e4, 1e4, allow_subnormal=True) | st.sampled_from([0.0, -0.0, 5e-324])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=30)
@given(
    rows=st.integers(1, 12).flatmap(
        lambda n: st.lists(st.lists(logits, min_size=n, max_size=n), min_size=1, max_size=20)
    ),
    style=st.sampled_from(STYLES),
    fmt=st.sampled_from(["csv", "json"]),
)
def test_softmax_writes_the_same_bytes_on_every_path(
    rows: list[list[float]], style: object, fmt: str
) -> None:
    """JSON shows each probability at full precision: any difference of one unit in the
    last place of a parsed logit would show."""
    text = "".join(",".join(map(style, row)) + "\n" for row in rows)  # type: ignore[arg-type]
    results = outputs(["--format", fmt], text)
    assert results["fast"] == results["loadtxt"] == results["line by line"]


def test_real_logits_in_every_style_on_every_path() -> None:
    values = np.random.default_rng(1).normal(0, 3, (300, 10))
    for style in STYLES:
        text = "".join(",".join(map(style, row)) + "\n" for row in values.tolist())
        for args in (["--format", "csv"], ["--log", "--format", "json"]):
            results = outputs(args, text)
            assert results["fast"] == results["loadtxt"] == results["line by line"], style
    assert json.loads(results["fast"].splitlines()[0])[0] is not None


def test_errors_are_located_after_a_fast_block() -> None:
    text = "1.5e0,2\n" * 3 + "3,x\n"
    code, out, err = invoke_cli(["--format", "csv"], text)
    assert code == 65 and out.count("\n") == 3
    assert "line 4" in err and "column 2" in err, err


def test_table_reader_numbers_are_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a,b\n1e-3,-2.5\n0.1,3.0000000000000004\n"
    fast = read_table(io.BytesIO(text.encode())).numbers
    monkeypatch.setattr(cells, "parse_number_block", lambda block, width: None)
    slow = read_table(io.BytesIO(text.encode())).numbers
    assert fast.view(np.int64).tolist() == slow.view(np.int64).tolist()
