"""The sample workflow: draws do not depend on how the input is cut into blocks."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import filtered_probs

from softmax_cli.core.calculator.activations import softmax
from softmax_cli.core.calculator.sampling import Filters, draw
from softmax_cli.io.formats.reader import CsvReader
from softmax_cli.io.sources import InputSpec
from softmax_cli.workflows.calculator import sample
from softmax_cli.workflows.calculator.class_scores import ScoreInput
from softmax_cli.workflows.calculator.stream import OutputSpec

LOGITS = np.round(np.random.default_rng(5).normal(scale=2, size=(300, 5)), 6)
CSV = "".join(",".join(f"{v:.6f}" for v in row) + "\n" for row in LOGITS).encode()
CONFIG = sample.SampleConfig(ScoreInput(temperature=0.8), Filters(4, 0.9, 0.05), 3, True)


def run(
    values: tuple[str, ...] = (), stdin: bytes = CSV, config: sample.SampleConfig = CONFIG
) -> str:
    spec = InputSpec(values, io.BytesIO(stdin), None, None, None, False)
    out = io.BytesIO()
    sample.sample_rows(spec, config, lambda: 11, OutputSpec("csv", 17, "never"), out)
    return out.getvalue().decode()


def test_draws_are_those_of_all_rows_drawn_at_once() -> None:
    probs = filtered_probs(softmax(LOGITS, 0.8), CONFIG.filters)
    classes = draw(probs, 3, np.random.default_rng(11))
    lines = run().splitlines()
    assert lines[0] == "sample_1,p_sample_1,sample_2,p_sample_2,sample_3,p_sample_3"
    got = np.array([[int(cell) for cell in line.split(",")[::2]] for line in lines[1:]])
    np.testing.assert_array_equal(got, classes)


@pytest.mark.parametrize(("block_size", "draws_per_block"), [(64, 1 << 16), (1 << 18, 7), (97, 2)])
def test_draws_do_not_depend_on_input_blocks_or_draw_blocks(
    monkeypatch: pytest.MonkeyPatch, block_size: int, draws_per_block: int
) -> None:
    expected = run()

    def small_blocks(spec: InputSpec, rule: object, **_: object) -> CsvReader:
        return CsvReader(spec.stream, row_rule=rule, block_size=block_size)  # type: ignore[arg-type]

    monkeypatch.setattr(sample, "open_input", small_blocks)
    monkeypatch.setattr(sample, "DRAWS_PER_BLOCK", draws_per_block)
    assert run() == expected


@pytest.mark.parametrize("draws_per_block", [1 << 16, 7])
def test_values_as_arguments_draw_what_the_same_row_as_csv_draws(
    monkeypatch: pytest.MonkeyPatch, draws_per_block: int
) -> None:
    monkeypatch.setattr(sample, "DRAWS_PER_BLOCK", draws_per_block)
    config = CONFIG._replace(n_draws=50)
    row = [f"{v:.6f}" for v in LOGITS[0]]
    as_csv = run(stdin=(",".join(row) + "\n").encode(), config=config).splitlines()[1]
    as_values = run(tuple(row), config=config)
    assert as_values.replace("\n", ",").rstrip(",") == as_csv
