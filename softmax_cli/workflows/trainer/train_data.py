"""From a table to labelled examples: which column is the target, which are features and
of what kind, what happens to missing cells, and which classes there are."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from softmax_cli.core.trainer.outcome import DataSummary, Schema
from softmax_cli.core.trainer.preprocessing import (
    counts_rows,
    looks_like_a_measurement,
    looks_like_an_identifier,
)
from softmax_cli.errors import ArgumentError, DataError
from softmax_cli.io.shards.concatenated import in_shard
from softmax_cli.io.targets.parser import default_target_column
from softmax_cli.workflows.trainer.class_labels import class_namer, class_order

if TYPE_CHECKING:
    from softmax_cli.arraytypes import FloatArray, IntArray
    from softmax_cli.core.trainer.train_config import TrainConfig
    from softmax_cli.io.formats.table import Table

Notify = Callable[[str], None]


class Examples(NamedTuple):
    """Labelled rows: each row's class index, its numeric cells (shape ``(n, p)``, NaN
    where missing), its categorical cells (one list per column, ``""`` where missing)
    and its input line."""

    targets: IntArray
    numbers: FloatArray
    texts: list[list[str]]
    line_numbers: IntArray

    def __len__(self) -> int:
        return len(self.targets)

    def take(self, rows: IntArray) -> Examples:
        """The examples at ``rows``, in that order."""
        picked = rows.tolist()
        texts = [[cells[i] for i in picked] for cells in self.texts]
        return Examples(self.targets[rows], self.numbers[rows], texts, self.line_numbers[rows])


def target_column(names: Sequence[str], target: str | None) -> int:
    """The target's position: ``target`` as a name or 0-based index, else the column
    named as ``default_target_column`` finds (any case), else the last. Unknown: exit 2."""
    if target is None:
        found = default_target_column(names)
        return len(names) - 1 if found is None else found
    if target in names:
        return list(names).index(target)
    if target.isdigit() and int(target) < len(names):
        return int(target)
    raise ArgumentError(f"--target {target!r}: no such column (the columns: {_listing(names)})")


def dropped_columns(names: Sequence[str], drop: Sequence[str]) -> list[int]:
    """The positions of ``--drop``'s columns: each item is a column's name if one has
    it, else, when it is all digits, a 0-based column index. Anything else is a usage
    error listing the columns."""
    positions, unknown = [], []
    for item in drop:
        if item in names:
            positions.append(list(names).index(item))
        elif item.isdigit() and int(item) < len(names):
            positions.append(int(item))
        else:
            unknown.append(item)
    if unknown:
        raise ArgumentError(
            f"--drop {', '.join(unknown)}: no such column or 0-based index "
            f"(the columns: {_listing(names)})"
        )
    return positions


def feature_columns(n_columns: int, target: int, left_out: Collection[int]) -> list[int]:
    """Every column but the target and those ``left_out`` (``--drop``'s, row indices);
    nothing left is a usage error."""
    kept = [i for i in range(n_columns) if i != target and i not in left_out]
    if not kept:
        raise ArgumentError(
            "no feature columns left: --drop, --target or row indices took them all"
        )
    return kept


def _listing(names: Sequence[str]) -> str:
    return ", ".join(name or "(no name)" for name in names)


def row_index_columns(
    table: Table, target: int, dropped: Sequence[int], notify: Notify
) -> list[int]:
    """Columns that number the rows, left out with a note (an ID carries nothing that
    holds for new rows): an unnamed first column (pandas' and R's row index) and a
    numeric column counting up by 1 every row. Never the target or a dropped column."""
    found = []
    for column, name in enumerate(table.names):
        if column == target or column in dropped:
            continue
        if column == 0 and name == "":
            notify(
                "column 1 has no name: taken as a row index (pandas and R write one) and left out"
            )
            found.append(column)
        elif table.numeric[column] and counts_rows(table.numbers[:, column]):
            first = int(table.numbers[0, column])
            notify(
                f"column {name!r} counts the rows ({first}, {first + 1}, {first + 2}, ...): "
                "taken as a row number, like an index, and left out"
            )
            found.append(column)
    return found


def check_default_target(table: Table, target: int) -> None:
    """A target chosen by default that holds measurements, not classes, stops the run
    (exit 65): it is surely not the column the user meant."""
    values = table.numbers[:, target]
    if not table.numeric[target] or not looks_like_a_measurement(values):
        return
    known = values[~np.isnan(values)]
    fractional = known[known % 1 != 0]
    if len(fractional):
        detail = f"{fractional[0]:g} is not a whole number"
    else:
        detail = f"{len(np.unique(known))} distinct values in {len(known)} rows"
    raise DataError(
        f"the target chosen by default, column {table.names[target]!r}, looks like a "
        f"measurement, not a class ({detail}): name the class column with --target NAME"
    )


def training_examples(
    table: Table, config: TrainConfig, notify: Notify
) -> tuple[Examples, Schema, DataSummary]:
    """The labelled rows of the training table, and what its columns are."""
    if not len(table):
        raise DataError("the input has a header but no data rows")
    target = target_column(table.names, config.target)
    if config.target is None:
        check_default_target(table, target)
        notify(f"target: column {table.names[target]!r} (--target chooses another)")
    dropped = dropped_columns(table.names, config.drop)
    indices = row_index_columns(table, target, dropped, notify)
    features = feature_columns(len(table.names), target, {*dropped, *indices})
    numeric = [i for i in features if table.numeric[i]]
    categorical = [i for i in features if not table.numeric[i]]
    cells, *texts = table.texts([target, *categorical])
    labels = list(map(class_namer(cells), cells))
    for column, cells in zip(categorical, texts, strict=True):
        if looks_like_an_identifier(cells):
            raise DataError(
                f"column {table.names[column]!r} has too many distinct values to be a "
                f"category (an ID or free text?): leave it out with --drop "
                f"{table.names[column]!r}"
            )
    keep, summary = rows_to_keep(table, labels, features, config.missing, notify)
    classes = class_order([label for label, kept in zip(labels, keep, strict=True) if kept])
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if classes else "none"
        raise DataError(f"a classifier needs at least two classes; the target has {found}")
    examples = labelled_examples(table, np.flatnonzero(keep), labels, classes, numeric, texts)
    names = table.names
    schema = Schema(
        names[target], classes, [names[i] for i in numeric], [names[i] for i in categorical]
    )
    return examples, schema, summary


def matching_examples(
    table: Table, schema: Schema, missing: str, notify: Notify, source: str
) -> tuple[Examples, DataSummary]:
    """Labelled rows of another table (a test file) with the training data's columns;
    ``source`` names it in errors."""
    absent = [
        name
        for name in [schema.target, *schema.numeric, *schema.categorical]
        if name not in table.names
    ]
    extra = [
        name
        for column, name in enumerate(table.names)
        if name not in [schema.target, *schema.numeric, *schema.categorical]
        and (column, name) != (0, "")  # a row index, as in training
    ]
    if absent or extra:
        parts = [f"lacks {', '.join(absent)}"] if absent else []
        parts += [f"has {', '.join(extra)} besides"] if extra else []
        raise DataError(
            f"{source}: its columns differ from the training data's: it {' and '.join(parts)}"
        )
    position = {name: i for i, name in enumerate(table.names)}
    numeric = [position[name] for name in schema.numeric]
    categorical = [position[name] for name in schema.categorical]
    check_numeric(table, numeric, source)
    cells, *texts = table.texts([position[schema.target], *categorical])
    labels = list(map(class_namer(schema.classes), cells))
    keep, summary = rows_to_keep(table, labels, numeric + categorical, missing, notify, source)
    rows = np.flatnonzero(keep)
    for row in rows.tolist():
        if labels[row] not in schema.classes:
            raise DataError(
                f"{source}: class {labels[row]!r} is not among the training data's "
                f"({', '.join(schema.classes)})",
                int(table.line_numbers[row]),
                position[schema.target] + 1,
            )
    return labelled_examples(table, rows, labels, schema.classes, numeric, texts), summary


def labelled_examples(
    table: Table,
    rows: IntArray,
    labels: list[str],
    classes: list[str],
    numeric: list[int],
    texts: list[list[str]],
) -> Examples:
    """The table's ``rows`` as examples: labels as class indices, the numeric columns'
    numbers, the categorical columns' cells."""
    index = {label: i for i, label in enumerate(classes)}
    picked = rows.tolist()
    return Examples(
        np.array([index[labels[i]] for i in picked], dtype=np.intp),
        table.numbers[np.ix_(rows, np.array(numeric, dtype=np.intp))],
        [[cells[i] for i in picked] for cells in texts],
        table.line_numbers[rows],
    )


def check_numeric(table: Table, columns: Sequence[int], source: str) -> None:
    """A text cell in a column the model takes as numeric is a data error."""
    for column in columns:
        if table.numeric[column]:
            continue
        row = int(np.argmax(table.text[:, column]))
        cell = table.texts([column])[0][row]
        raise DataError(
            f"{source}: {cell!r} is not a number, and column {table.names[column]!r} is "
            "numeric in the training data",
            int(table.line_numbers[row]),
            column + 1,
        )


def rows_to_keep(
    table: Table,
    labels: list[str],
    features: Sequence[int],
    missing: str,
    notify: Notify,
    source: str = "",
) -> tuple[np.ndarray, DataSummary]:
    """Which rows train: not those without a target, nor, with ``missing`` ``drop``, those
    with a missing feature cell; with ``error`` a missing cell stops the run."""
    prefix = f"{source}: " if source else ""
    has_target = np.array([label != "" for label in labels], dtype=bool)
    gaps = table.missing[:, list(features)] & has_target[:, None]
    if missing == "error" and gaps.any():
        row, column = np.argwhere(gaps)[0]
        error = DataError(
            f"{prefix}a missing cell in column {table.names[features[column]]!r} "
            "(--missing mean fills it, --missing drop drops its row)",
            int(table.line_numbers[row]),
            int(features[column]) + 1,
        )
        shard = "" if source else table.source(int(row))  # a joined table's row's file
        raise in_shard(shard, error) if shard else error
    keep = has_target & ~gaps.any(axis=1) if missing == "drop" else has_target
    without_target = int(np.count_nonzero(~has_target))
    dropped = int(np.count_nonzero(has_target & ~keep))
    if without_target:
        notify(f"{prefix}dropped {without_target} {_rows(without_target)} without a target")
    if dropped:
        notify(f"{prefix}dropped {dropped} {_rows(dropped)} with a missing cell (--missing drop)")
    kept_gaps = gaps[keep].sum(axis=0)
    missing_kept = {
        table.names[column]: int(count)
        for column, count in zip(features, kept_gaps.tolist(), strict=True)
        if count
    }
    return keep, DataSummary(len(table), without_target, dropped, missing_kept)


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"
