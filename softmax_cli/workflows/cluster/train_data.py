"""``train``'s data on a cluster: each shard's table read once on a worker, and the
decisions the in-memory run makes on the whole table (which columns are the target,
features or row indices, which are categorical, which classes there are) made on the
client from small per-shard facts, with the same rules and the same notes.

Every task is a module-level function of a shard's table (or of what an earlier task
made from it), so that Dask can recompute it on another worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.trainer.outcome import DataSummary, Schema
from softmax_cli.core.trainer.preprocessing import (
    MAX_CATEGORIES,
    MAX_CLASSES,
    MIN_COUNTING_ROWS,
    MISSING,
)
from softmax_cli.errors import DataError
from softmax_cli.io.formats.table import Table
from softmax_cli.io.formats.table_shards import check_same_header, read_shard_table
from softmax_cli.io.shards.concatenated import in_shard
from softmax_cli.workflows.trainer.class_labels import class_namer, class_order
from softmax_cli.workflows.trainer.train_data import (
    Examples,
    Notify,
    dropped_columns,
    feature_columns,
    labelled_examples,
    rows_to_keep,
    target_column,
)

if TYPE_CHECKING:
    from softmax_cli.arraytypes import IntArray
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.workflows.cluster.engine import Engine


class NamedTable(NamedTuple):
    """A shard's table and its path, which names it in errors."""

    path: str
    table: Table


def read_named_table(path: str, delimiter: str | None) -> NamedTable:
    """The task that reads a shard once; what follows works on what it keeps."""
    return NamedTable(path, read_shard_table(path, delimiter))


class ShardColumns(NamedTuple):
    """A shard's header, which columns have no text cell, its rows, and for each
    column the first value when it counts up by 1 every row (else ``None``)."""

    names: list[str]
    numeric: list[bool]
    rows: int
    counting_from: list[float | None]


def shard_columns(shard: NamedTable) -> ShardColumns:
    """The task: a shard's ``ShardColumns``."""
    table = shard.table
    steps = np.arange(len(table))
    counting: list[float | None] = []
    for column, numeric in enumerate(table.numeric):
        values = table.numbers[:, column]
        counts = (
            numeric
            and len(values) > 0
            and bool(np.isfinite(values[0]) and values[0] % 1 == 0)
            and bool(np.all(values == values[0] + steps))
        )
        counting.append(float(values[0]) if counts else None)
    return ShardColumns(table.names, list(table.numeric), len(table), counting)


class Columns(NamedTuple):
    """The columns' roles: the target's position, the numeric and categorical
    features' positions, and whether the target was chosen by default."""

    names: list[str]
    target: int
    numeric: list[int]
    categorical: list[int]
    by_default: bool
    index_notes: list[str]


def plan_columns(
    shards: Sequence[str], facts: Sequence[ShardColumns], config: TrainConfig
) -> Columns:
    """The in-memory rules (``train_data.training_examples``) on the merged facts."""
    check_same_header(shards, [fact.names for fact in facts])
    names = facts[0].names
    if not sum(fact.rows for fact in facts):
        raise DataError("the input has a header but no data rows")
    numeric = [all(fact.numeric[c] for fact in facts) for c in range(len(names))]
    target = target_column(names, config.target)
    dropped = dropped_columns(names, config.drop)
    indices = _row_indices(names, numeric, facts, {target, *dropped})
    features = feature_columns(len(names), target, {*dropped, *indices})
    return Columns(
        names,
        target,
        [i for i in features if numeric[i]],
        [i for i in features if not numeric[i]],
        config.target is None,
        list(indices.values()),
    )


def _row_indices(
    names: list[str], numeric: list[bool], facts: Sequence[ShardColumns], skip: set[int]
) -> dict[int, str]:
    """``train_data.row_index_columns`` over the shards, each with its note: a column
    counts the rows when it counts them in each shard, each going on where the one
    before stopped."""
    found = {}
    filled = [fact for fact in facts if fact.rows]
    ends = np.cumsum([0] + [fact.rows for fact in filled]).tolist()
    for column, name in enumerate(names):
        if column in skip:
            continue
        if column == 0 and name == "":
            found[column] = (
                "column 1 has no name: taken as a row index (pandas and R write one) and left out"
            )
            continue
        firsts = [fact.counting_from[column] for fact in filled]
        if not numeric[column] or ends[-1] < MIN_COUNTING_ROWS or None in firsts:
            continue
        first = int(firsts[0] or 0)
        if all(value == first + end for value, end in zip(firsts, ends, strict=False)):
            found[column] = (
                f"column {name!r} counts the rows ({first}, {first + 1}, {first + 2}, ...): "
                "taken as a row number, like an index, and left out"
            )
    return found


class ShardText(NamedTuple):
    """A shard's table with its target's and categorical columns' cells as strings,
    made once (``Table.texts`` splits the lines anew at each call)."""

    path: str
    table: Table
    target: list[str]
    categorical: list[list[str]]


def shard_text(shard: NamedTable, columns: Columns) -> ShardText:
    """The task: a shard's ``ShardText``."""
    target, *categorical = shard.table.texts([columns.target, *columns.categorical])
    return ShardText(shard.path, shard.table, target, categorical)


class ShardCells(NamedTuple):
    """A shard's distinct target cells, and per categorical column its distinct known
    cells and how many known cells it has; with a default numeric target, its distinct
    known values, their count and a fractional one if any."""

    target_cells: set[str]
    categories: list[tuple[set[str], int]]
    target_values: tuple[set[float], int, float | None] | None


def shard_cells(text: ShardText, columns: Columns) -> ShardCells:
    """The task: a shard's ``ShardCells``."""
    categories = []
    for column_cells in text.categorical:
        known = [cell for cell in column_cells if cell != MISSING]
        categories.append((set(known), len(known)))
    values = None
    if columns.by_default and text.table.numeric[columns.target]:
        column = text.table.numbers[:, columns.target]
        known_values = column[~np.isnan(column)]
        fractional = known_values[known_values % 1 != 0]
        first = float(fractional[0]) if len(fractional) else None
        values = (set(np.unique(known_values).tolist()), len(known_values), first)
    return ShardCells(set(text.target), categories, values)


def check_cells(columns: Columns, cells: Sequence[ShardCells]) -> None:
    """``check_default_target`` and the categorical columns' ID test, on all shards."""
    names = columns.names
    parts = [cell.target_values for cell in cells]
    if columns.by_default and all(part is not None for part in parts):
        distinct = set().union(*(part[0] for part in parts if part is not None))
        known = sum(part[1] for part in parts if part is not None)
        fractional = [part[2] for part in parts if part is not None and part[2] is not None]
        if fractional or (len(distinct) > MAX_CLASSES and len(distinct) > known / 2):
            detail = (
                f"{fractional[0]:g} is not a whole number"
                if fractional
                else f"{len(distinct)} distinct values in {known} rows"
            )
            raise DataError(
                f"the target chosen by default, column {names[columns.target]!r}, looks like "
                f"a measurement, not a class ({detail}): name the class column with "
                "--target NAME"
            )
    for position, column in enumerate(columns.categorical):
        categories: set[str] = set().union(*(cell.categories[position][0] for cell in cells))
        known = sum(cell.categories[position][1] for cell in cells)
        if len(categories) > MAX_CATEGORIES and len(categories) > known / 2:
            raise DataError(
                f"column {names[column]!r} has too many distinct values to be a "
                f"category (an ID or free text?): leave it out with --drop {names[column]!r}"
            )


class Labelled(NamedTuple):
    """A shard's rows with their class names, which of them train, and what was
    dropped; or the error that stopped it (a missing cell that ``--missing error``
    stops on, named with its shard), so that the client can raise the first shard's."""

    text: ShardText
    labels: list[str]
    keep: np.ndarray
    summary: DataSummary | None
    error: DataError | None = None


def shard_labelled(
    text: ShardText, columns: Columns, target_cells: set[str], missing: str
) -> Labelled:
    """The task: a shard's ``Labelled`` rows."""
    labels = list(map(class_namer(target_cells), text.target))
    features = [*columns.numeric, *columns.categorical]
    try:
        keep, summary = rows_to_keep(text.table, labels, features, missing, lambda note: None)
    except DataError as exc:
        error = in_shard(text.path, exc)
        assert isinstance(error, DataError)
        return Labelled(text, labels, np.zeros(0, dtype=bool), None, error)
    return Labelled(text, labels, keep, summary)


def kept_labels(labelled: Labelled) -> tuple[set[str], DataSummary | None, DataError | None]:
    """The task: the class names of a shard's kept rows, what it kept, or its error."""
    kept = {label for label, keep in zip(labelled.labels, labelled.keep, strict=False) if keep}
    return kept, labelled.summary, labelled.error


def shard_examples(labelled: Labelled, columns: Columns, classes: list[str]) -> Examples:
    """The task: a shard's kept rows as labelled examples."""
    text = labelled.text
    rows = np.flatnonzero(labelled.keep)
    return labelled_examples(
        text.table, rows, labelled.labels, classes, columns.numeric, text.categorical
    )


def shard_targets(examples: Examples) -> IntArray:
    """The task: a shard's class indices."""
    return examples.targets


def merged_summary(
    summaries: Sequence[DataSummary], names: Sequence[str], notify: Notify
) -> DataSummary:
    """The shards' summaries added up (missing cells in column order), with the notes
    the in-memory run gives."""
    rows = sum(s.rows_read for s in summaries)
    without = sum(s.dropped_without_target for s in summaries)
    dropped = sum(s.dropped_with_missing for s in summaries)
    missing: dict[str, int] = {}
    for summary in summaries:
        for name, count in summary.missing_kept.items():
            missing[name] = missing.get(name, 0) + count
    if without:
        notify(f"dropped {without} {'row' if without == 1 else 'rows'} without a target")
    if dropped:
        notify(
            f"dropped {dropped} {'row' if dropped == 1 else 'rows'} with a missing cell "
            "(--missing drop)"
        )
    ordered = {name: missing[name] for name in names if name in missing}
    return DataSummary(rows, without, dropped, ordered)


def load_examples(
    engine: Engine,
    shards: Sequence[str],
    delimiter: str | None,
    config: TrainConfig,
    notify: Notify,
) -> tuple[list[object], list[IntArray], Schema, DataSummary]:
    """Each shard's examples kept on its worker, each shard's class indices, the schema
    and the data summary, as ``training_examples`` makes them from the whole table."""
    tables = engine.load(read_named_table, list(shards), delimiter)
    facts = engine.map(shard_columns, tables)
    columns = plan_columns(shards, facts, config)
    texts = engine.load(shard_text, tables, columns)
    cells = engine.map(shard_cells, texts, columns)
    check_cells(columns, cells)
    if columns.by_default:
        notify(f"target: column {columns.names[columns.target]!r} (--target chooses another)")
    for note in columns.index_notes:
        notify(note)
    target_cells = set().union(*(cell.target_cells for cell in cells))
    labelled = engine.load(shard_labelled, texts, columns, target_cells, config.missing)
    kept = engine.map(kept_labels, labelled)
    for _, _, error in kept:
        if error is not None:
            raise error  # the first shard's, as the whole table would stop on
    summaries = [part[1] for part in kept if part[1] is not None]
    summary = merged_summary(summaries, columns.names, notify)
    classes = class_order(set().union(*(part[0] for part in kept)))
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if classes else "none"
        raise DataError(f"a classifier needs at least two classes; the target has {found}")
    # The tables, texts and labels are let go once the examples are made: Dask keeps
    # the tasks, to make them again should a worker be lost.
    examples = engine.load(shard_examples, labelled, columns, classes)
    targets = engine.map(shard_targets, examples)
    names = columns.names
    schema = Schema(
        names[columns.target],
        classes,
        [names[i] for i in columns.numeric],
        [names[i] for i in columns.categorical],
    )
    return examples, targets, schema, summary
