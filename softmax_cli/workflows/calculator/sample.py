"""The sample use case: draw classes from each row's distribution after the temperature,
top-k, top-p and min-p.

One generator, seeded once, serves the whole input: each block of rows takes its rows'
uniforms in row order, so the draws do not depend on how the input is cut into chunks,
and the values given as arguments draw exactly what the same row read as CSV would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np

from softmax_cli.core.calculator.sampling import Filters, sample
from softmax_cli.io.formats.writer import OutputSink
from softmax_cli.io.text.text_columns import ClassColumn
from softmax_cli.views.head import Head
from softmax_cli.views.sample import Draws, SampleView
from softmax_cli.views.tables import class_names
from softmax_cli.workflows.calculator.class_scores import ScoreInput
from softmax_cli.workflows.calculator.inputs import open_input

if TYPE_CHECKING:
    from collections.abc import Sequence

    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import RowSource, SkipReport
    from softmax_cli.io.text.text_columns import Column
    from softmax_cli.workflows.calculator.stream import OutputSpec

DRAWS_PER_BLOCK = 1 << 16  # draws made and written at a time: memory stays bounded


class SampleConfig(NamedTuple):
    """What the sample options said: how to read the rows (with the temperature), the
    filters, draws per row, and whether to add each draw's probability after filtering."""

    scores: ScoreInput = ScoreInput()
    filters: Filters = Filters()
    n_draws: int = 1
    with_prob: bool = False


def shard_seed(seed: int, index: int) -> int:
    """The seed of shard ``index`` (0-based, in sorted name order) of a run seeded with
    ``seed``: ``(seed + index) mod 2**32``, so that ``--seed`` of that value on the shard
    alone draws the same classes, whatever the cluster and its scheduling."""
    return (seed + index) % 2**32


def sample_rows(
    spec: InputSpec,
    config: SampleConfig,
    seed: Callable[[], int],
    output: OutputSpec,
    stdout: BinaryIO,
) -> SkipReport:
    """Draw ``config.n_draws`` classes for every row and write them in ``output``'s
    format; return what was skipped. ``seed()`` gives the generator's seed; it is asked
    for once the input is open and has rows, so a usage error comes before any note of
    a chosen seed.

    Values given as arguments give one line per draw; CSV rows give one output row per
    input row (columns ``sample`` or ``sample_1 … sample_N``, each with ``p_sample…``
    after it when ``with_prob``)."""
    config.scores.check()
    source = open_input(spec, config.scores.rule(), as_logits=not config.scores.probs)
    if source.n_columns is None:
        return source.skipped
    rng = np.random.default_rng(seed())
    if spec.from_arguments:
        draws = _draws_of_one_row(source, config, rng)
    else:
        draws = _draws_per_row(source, config, rng)
    if output.is_table:
        _render(draws, source.labels, source.n_columns, config, output, not spec.from_arguments)
    else:
        n_rows = config.n_draws if spec.from_arguments else source.n_rows
        _write(draws, source.labels, config, output, stdout, not spec.from_arguments, n_rows)
    return source.skipped


def _draw_rows(
    values: FloatArray, config: SampleConfig, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Draw for each row of ``values``: the classes drawn and their probabilities after
    filtering, both of shape ``(n_rows, n_draws)``."""
    return sample(config.scores.weights(values), config.filters, config.n_draws, rng)


def _draws_per_row(
    source: RowSource, config: SampleConfig, rng: np.random.Generator
) -> Iterator[Draws]:
    """Each chunk's draws, a block of rows at a time when there are many draws per row."""
    rows_per_block = max(1, DRAWS_PER_BLOCK // config.n_draws)
    for chunk in source:
        for start in range(0, len(chunk.values), rows_per_block):
            rows = slice(start, start + rows_per_block)
            classes, probs = _draw_rows(chunk.values[rows], config, rng)
            yield Draws(classes, probs, chunk.line_numbers[rows])


def _draws_of_one_row(
    source: RowSource, config: SampleConfig, rng: np.random.Generator
) -> Iterator[Draws]:
    """The single row's draws as rows of one draw each, a block at a time."""
    row = next(iter(source)).values
    for start in range(0, config.n_draws, DRAWS_PER_BLOCK):
        block = config._replace(n_draws=min(DRAWS_PER_BLOCK, config.n_draws - start))
        classes, probs = _draw_rows(row, block, rng)
        yield Draws(classes.T, probs.T, np.ones(block.n_draws, np.int64))


def column_names(n_draws: int, with_prob: bool) -> list[str]:
    """``sample`` (or ``sample_1 … sample_N``), each followed by ``p_<its name>``."""
    samples = ["sample"] if n_draws == 1 else [f"sample_{i}" for i in range(1, n_draws + 1)]
    return [name for sample in samples for name in (sample, f"p_{sample}")[: 1 + with_prob]]


def sample_columns(
    draws: Draws, labels: Sequence[str] | None, with_prob: bool
) -> dict[str, Column]:
    """One block's output columns, named by ``column_names``."""
    columns: list[Column] = []
    for index in range(draws.classes.shape[1]):
        columns.append(ClassColumn(draws.classes[:, index], labels))
        if with_prob:
            columns.append(draws.probs[:, index])
    return dict(zip(column_names(draws.classes.shape[1], with_prob), columns, strict=True))


def _write(
    draws: Iterator[Draws],
    labels: Sequence[str] | None,
    config: SampleConfig,
    output: OutputSpec,
    stdout: BinaryIO,
    per_row: bool,
    n_rows: int | None,
) -> None:
    """Machine formats; values given as arguments give lines of one draw and no header.
    ``n_rows``, when known up front, is the number of output rows."""
    names = column_names(config.n_draws if per_row else 1, config.with_prob)
    with OutputSink(stdout, output.fmt, output.precision, n_rows) as sink:
        if per_row:
            sink.header(names)
        for block in draws:
            sink.columns(sample_columns(block, labels, config.with_prob))
            stdout.flush()
        sink.close(len(names))


def _render(
    draws: Iterator[Draws],
    labels: Sequence[str] | None,
    n_classes: int,
    config: SampleConfig,
    output: OutputSpec,
    per_row: bool,
) -> None:
    """On a terminal: the draws of values given as arguments one per line, as they come;
    for CSV rows, a table of the first rows' draws."""
    import itertools

    from softmax_cli.render import sample as render
    from softmax_cli.render.console import make_console

    # The class names are made once there are draws: an .npy header's class count is
    # only a claim until its rows are read.
    first = next(draws, None)
    if first is None:
        return
    draws = itertools.chain([first], draws)
    console = make_console(output.color)
    view = SampleView(class_names(labels, n_classes), output.precision, config.with_prob)
    if not per_row:
        for block in draws:
            render.render_draws(console, block, view)
        return
    head: Head[Draws] = Head()
    for block in draws:
        head.add(block)
    if head.total:
        render.render_preview(console, head.blocks, head.total, view)
