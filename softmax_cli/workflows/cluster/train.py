"""``train`` on a Dask cluster: softmax regression fitted by L-BFGS on the client, every
loss and gradient evaluation summed over the shards on the workers.

The steps are the in-memory run's (``workflows.trainer.train``) on rows that stay on
the workers: the same examples (``cluster.train_data``), the same stratified split
(the client draws it from all rows' classes with the same seed, and each shard gets
its rows' part), the preprocessing fitted from per-shard sums on the training rows,
and the same objective (``core.trainer.objectives.LinearObjective``), its row sums
added over the shards (``core.trainer.block_sums``). The test rows come back to the
client to be scored. What cannot run this way exactly (an MLP, Adam, early stopping,
cross-validation) is a usage error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np

from softmax_cli.core.trainer.block_sums import BlockSums, binary_sums, softmax_regression_sums
from softmax_cli.core.trainer.metrics import evaluate_logits
from softmax_cli.core.trainer.mlp import MLP, size_problem
from softmax_cli.core.trainer.objectives import LinearObjective
from softmax_cli.core.trainer.outcome import Fitted, TrainOutcome
from softmax_cli.core.trainer.preprocessing import (
    NumericColumn,
    Preprocessor,
    fit_categorical,
)
from softmax_cli.core.trainer.training import FitSettings, minimize_lbfgs
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.workflows.cluster.engine import EngineSpec, Running
from softmax_cli.workflows.cluster.train_data import load_examples
from softmax_cli.workflows.trainer.train import (
    TestSet,
    class_weights,
    no_progress,
    predict_logits,
    preview,
    resolved_settings,
    split_rows,
    terminal_progress,
    test_examples,
    warn_unconverged,
)
from softmax_cli.workflows.trainer.train_data import Examples
from softmax_cli.workflows.trainer.train_output import Report, report_outcome

if TYPE_CHECKING:
    from softmax_cli.arraytypes import BoolArray, FloatArray
    from softmax_cli.core.trainer.outcome import Schema
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.workflows.cluster.engine import Engine
    from softmax_cli.workflows.trainer.train_data import Notify

Block = tuple["FloatArray", "np.ndarray", "FloatArray | None"]


def check_supported(config: TrainConfig) -> None:
    """What a cluster cannot fit exactly as in memory is a usage error naming it."""
    unsupported = [
        ("--hidden", bool(config.hidden)),
        ("--solver adam", config.solver == "adam"),
        ("--patience", bool(config.patience)),
        ("--cv", config.cv is not None),
    ]
    for option, given in unsupported:
        if given:
            raise ArgumentError(
                f"{option} cannot run on a cluster: --workers/--scheduler fit softmax "
                "regression by L-BFGS only (leave out the engine options to train in memory)"
            )


def train_on_cluster(
    shards: Sequence[str],
    engine_spec: EngineSpec,
    source: str,
    config: TrainConfig,
    report: Report,
    *,
    delimiter: str | None = None,
    test_set: TestSet | None = None,
    notify: Notify = lambda note: None,
    show_progress: bool = False,
    starting: Callable[[], None] = lambda: None,
    warn: Notify = lambda warning: None,
    engine: Engine | None = None,
) -> TrainOutcome:
    """``train_and_report`` on the engine ``engine_spec`` names (or on ``engine``)."""
    check_supported(config)
    with nullcontext(engine) if engine is not None else Running(engine_spec) as running:
        outcome = _train(
            running,
            shards,
            config,
            delimiter,
            test_set,
            notify,
            show_progress,
            report.color,
            starting,
        )
    warn_unconverged(outcome, config, warn)
    report_outcome(outcome, report, source)
    return outcome


def _train(
    engine: Engine,
    shards: Sequence[str],
    config: TrainConfig,
    delimiter: str | None,
    test_set: TestSet | None,
    notify: Notify,
    show_progress: bool,
    color: str,
    starting: Callable[[], None],
) -> TrainOutcome:
    """The in-memory run's steps (``trainer.train._run``) with the rows on the workers."""
    examples, shard_targets, schema, summary = load_examples(
        engine, shards, delimiter, config, notify
    )
    targets = np.concatenate(shard_targets)
    class_counts = np.bincount(targets, minlength=len(schema.classes))
    rng = np.random.default_rng(config.seed)
    if test_set is not None:
        test = test_examples(test_set, schema, config, delimiter, notify)
        training = np.ones(len(targets), dtype=bool)
    else:
        train_rows, _ = split_rows(targets, schema, class_counts, config, rng, notify)
        training = np.zeros(len(targets), dtype=bool)
        training[train_rows] = True
    ends = np.cumsum([0] + [len(part) for part in shard_targets]).tolist()
    masks = [training[start:end] for start, end in itertools.pairwise(ends)]
    pairs = list(zip(examples, masks, strict=True))
    if test_set is None:
        test = _test_part(engine, examples, masks)
    starting()
    preprocessor = _fit_preprocessor(engine, pairs, schema, config)
    sizes = (preprocessor.n_features, len(schema.classes))
    problem = size_problem(sizes)
    if problem is not None:
        raise DataError(problem)
    per_class = class_weights(config, np.bincount(targets[training], minlength=sizes[1]))
    blocks = engine.load(training_block, pairs, preprocessor, per_class)
    del examples, pairs  # Dask drops them from the workers, keeping how to make them
    n_train = int(training.sum())
    settings = FitSettings(
        solver="lbfgs", max_epochs=config.max_epochs, l2=config.resolved_l2(n_train)
    )
    model = MLP(sizes)
    binary = sizes[1] == 2

    def sums(point: FloatArray) -> BlockSums:
        parts: list[BlockSums] = engine.map(block_sums, blocks, point, binary)
        return reduce(BlockSums.plus, parts)

    objective = LinearObjective(model, sums, n_train, settings.l2, binary)
    progress = terminal_progress(color) if show_progress else no_progress
    with progress("training", config.max_epochs, "iteration") as on_epoch:
        history, capped = minimize_lbfgs(objective, settings, on_epoch=on_epoch)
    engine.release(blocks)
    fitted = Fitted(preprocessor, model, settings, history, None, n_train, 0, not capped)
    logits = predict_logits(fitted, test)
    return TrainOutcome(
        schema,
        summary,
        class_counts.tolist(),
        resolved_settings(config, fitted),
        fitted,
        evaluate_logits(logits, test.targets),
        preview(test, logits),
        len(test),
        None,
    )


Part = tuple["Examples", "BoolArray"]  # a shard's examples, and which of its rows are meant


def _test_part(engine: Engine, examples: list[Any], training: list[BoolArray]) -> Examples:
    """The rows of every shard that are not ``training``, brought to the client in
    the order the whole table has them."""
    parts = engine.map(
        shard_rows, [(part, ~mask) for part, mask in zip(examples, training, strict=True)]
    )
    texts = [[cell for part in parts for cell in part.texts[c]] for c in range(len(parts[0].texts))]
    return Examples(
        np.concatenate([part.targets for part in parts]),
        np.concatenate([part.numbers for part in parts]),
        texts,
        np.concatenate([part.line_numbers for part in parts]),
    )


def shard_rows(part: Part) -> Examples:
    """The task: a shard's examples at its rows."""
    examples, rows = part
    return examples.take(np.flatnonzero(rows))


def numeric_sums(part: Part) -> tuple[Any, ...]:
    """The task: over a shard's training ``rows``, per numeric column: the known cells'
    count, sum, least and greatest, and the distinct cells of each categorical column."""
    examples, rows = part
    numbers = examples.numbers[rows]
    missing = np.isnan(numbers)
    known = np.where(missing, 0.0, numbers)
    low = np.where(missing, np.inf, numbers).min(axis=0, initial=np.inf)
    high = np.where(missing, -np.inf, numbers).max(axis=0, initial=-np.inf)
    picked = np.flatnonzero(rows).tolist()
    categories = [{cells[i] for i in picked} for cells in examples.texts]
    return len(numbers), (~missing).sum(axis=0), known.sum(axis=0), low, high, categories


def scaled_sums(
    part: Part, fill: FloatArray, center: FloatArray, magnitude: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The task: over a shard's training ``rows``, the sums of ``(x - center) /
    magnitude`` and of its square, per numeric column (``x`` filled)."""
    examples, rows = part
    numbers = examples.numbers[rows]
    filled = np.where(np.isnan(numbers), fill, numbers)
    deviation = filled - center
    scaled = np.divide(deviation, magnitude, out=np.zeros_like(deviation), where=magnitude > 0)
    return scaled.sum(axis=0), (scaled * scaled).sum(axis=0)


def _fit_preprocessor(
    engine: Engine, pairs: list[Any], schema: Schema, config: TrainConfig
) -> Preprocessor:
    """``fit_preprocessor`` on the training rows of every shard, from their sums: the
    fill (known cells' mean), then the filled mean and population deviation."""
    parts = engine.map(numeric_sums, pairs)
    n_rows = sum(part[0] for part in parts)
    n_known, sums = sum(part[1] for part in parts), sum(part[2] for part in parts)
    width = len(schema.numeric)
    fill = np.divide(sums, n_known, out=np.zeros(width), where=n_known > 0)
    center, scale = np.zeros(width), np.ones(width)
    if config.standardize and n_rows:
        center = (sums + (n_rows - n_known) * fill) / n_rows
        low = np.minimum.reduce([part[3] for part in parts])
        high = np.maximum.reduce([part[4] for part in parts])
        gaps = n_known < n_rows
        magnitude = np.maximum(
            np.abs(high - center), np.abs(low - center), where=n_known > 0, out=np.zeros(width)
        )
        magnitude = np.where(gaps, np.maximum(magnitude, np.abs(fill - center)), magnitude)
        scaled = engine.map(scaled_sums, pairs, fill, center, magnitude)
        mean = sum(part[0] for part in scaled) / n_rows
        square = sum(part[1] for part in scaled) / n_rows
        std = np.sqrt(np.maximum(square - mean * mean, 0.0)) * magnitude
        scale = np.where(std > 0, std, 1.0)
    numeric = tuple(
        NumericColumn(*column)
        for column in zip(
            schema.numeric, fill.tolist(), center.tolist(), scale.tolist(), strict=True
        )
    )
    categorical = tuple(
        fit_categorical(name, sorted(set().union(*(part[5][c] for part in parts))))
        for c, name in enumerate(schema.categorical)
    )
    return Preprocessor(numeric, categorical)


def training_block(part: Part, preprocessor: Preprocessor, per_class: FloatArray | None) -> Block:
    """The task: a shard's training rows preprocessed: features, class indices and
    row weights (``None``: all 1)."""
    examples, rows = part
    picked = examples.take(np.flatnonzero(rows))
    features, _ = preprocessor.transform(picked.numbers, picked.texts)
    weights = None if per_class is None else per_class[picked.targets]
    return features, picked.targets, weights


def block_sums(block: Block, point: FloatArray, binary: bool) -> BlockSums:
    """The task: a shard's loss and gradient sums at ``point``."""
    return (binary_sums if binary else softmax_regression_sums)(point, *block)
