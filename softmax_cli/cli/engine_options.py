"""The options that spread a command over shards: ``--workers``, ``--scheduler`` (a Dask
cluster) and, for row commands, ``--output-dir`` (one output file per shard)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from softmax_cli.cli.options import F, _apply, input_spec, output_spec, report_skipped
from softmax_cli.cli.shard_inputs import complete_paths

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.calculator.stream import OutputSpec
    from softmax_cli.workflows.cluster.engine import EngineSpec
    from softmax_cli.workflows.cluster.row_outputs import RowCall

MAX_WORKERS = 1024

_ENGINE_DECORATORS = [
    click.option(
        "--workers",
        type=click.IntRange(1, MAX_WORKERS),
        metavar="N",
        help="Run on a local Dask cluster of N worker processes, a task per input shard "
        f"(at most {MAX_WORKERS}; needs the [dask] extra).",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        envvar="DASK_SCHEDULER_ADDRESS",
        show_envvar=True,
        help="Run on the Dask cluster at ADDRESS (tcp://host:8786); its workers read the "
        "input files by the same names.",
    ),
]


def engine_options(command: F) -> F:
    """``--workers`` and ``--scheduler``: where the shards of the input are worked on."""
    return _apply(command, _ENGINE_DECORATORS)


def row_engine_options(command: F) -> F:
    """The engine options and ``--output-dir``, for a command that writes rows."""
    output_dir = click.option(
        "--output-dir",
        metavar="DIR",
        shell_complete=complete_paths,
        help="Write one output file per input shard into DIR (which must exist), named "
        "after the shard with the format's extension (.csv .tsv .jsonl .npy).",
    )
    return _apply(command, [*_ENGINE_DECORATORS, output_dir])


def engine_spec(
    kwargs: dict[str, Any],
    spec: InputSpec,
    inputs: str = "give them with --input",
    rows_to_files: bool = True,
) -> EngineSpec:
    """Pop the engine options, as an ``EngineSpec`` for the input ``spec`` names. A
    cluster needs input files that the workers can read (``inputs`` says how to name
    them); a scheduler address that comes only from ``DASK_SCHEDULER_ADDRESS`` is not
    used for stdin or values, nor by a row command that writes its rows to stdout
    (``rows_to_files`` false: no --output-dir)."""
    from softmax_cli.workflows.cluster.engine import EngineSpec

    workers, scheduler = kwargs.pop("workers"), kwargs.pop("scheduler")
    if _from_environment("scheduler") and (
        workers is not None or not spec.shards or not rows_to_files
    ):
        scheduler = None  # the environment's address gives way to --workers and to stdin
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers or --scheduler, not both")
    if (workers, scheduler) != (None, None) and not spec.shards:
        option = "--workers" if workers is not None else "--scheduler"
        raise click.UsageError(
            f"{option} runs on input files the workers read: {inputs} "
            "(a quoted glob for several shards), not on stdin or as values"
        )
    return EngineSpec(workers, scheduler)


def _from_environment(name: str) -> bool:
    source = click.get_current_context().get_parameter_source(name)
    return source == click.core.ParameterSource.ENVIRONMENT


class RowPlan(NamedTuple):
    """How a row command runs: its input and output, and, with ``--output-dir``, the
    engine and the file each shard's rows go to (``outputs``; ``None``: stdout)."""

    spec: InputSpec
    output: OutputSpec
    engine: EngineSpec
    outputs: list[str] | None


def row_plan(kwargs: dict[str, Any]) -> RowPlan:
    """Pop the input, output and engine options of a row command. ``--format auto`` is
    CSV into files. A cluster writes files, so it needs ``--output-dir``."""
    output_dir = kwargs.pop("output_dir")
    spec = input_spec(kwargs)
    engine = engine_spec(kwargs, spec, rows_to_files=output_dir is not None)
    if output_dir is not None and kwargs["fmt"] == "auto":
        kwargs["fmt"] = "csv"
    output = output_spec(kwargs)
    if output_dir is None:
        if engine.on_cluster:
            raise click.UsageError(
                "on a cluster a row command writes one file per shard: give --output-dir DIR"
            )
        return RowPlan(spec, output, engine, None)
    if not spec.shards:
        raise click.UsageError("--output-dir writes a file per input file: give --input FILE|GLOB")
    from softmax_cli.workflows.cluster.row_outputs import output_paths

    return RowPlan(spec, output, engine, output_paths(spec.shards, output_dir, output.fmt))


def reduction_plan(kwargs: dict[str, Any], reduction: str) -> RowPlan:
    """Pop the input, output and engine options of xent: a row command for the
    per-row ``reduction`` ``none``, else one number, never a table, from every shard
    (so ``--output-dir``, for per-row files, is a usage error)."""
    if reduction == "none":
        return row_plan(kwargs)
    if kwargs.pop("output_dir") is not None:
        raise click.UsageError("--output-dir writes per-row losses: use it with --reduction none")
    spec = input_spec(kwargs)
    engine = engine_spec(kwargs, spec)
    return RowPlan(spec, output_spec(kwargs, table=False), engine, None)


def run_per_shard(plan: RowPlan, command: Callable[[int], RowCall]) -> None:
    """Run ``command(i)`` on shard i of the plan's input into its output file, on the
    plan's engine; report the rows skipped in all of them."""
    from softmax_cli.workflows.cluster.engine import Running
    from softmax_cli.workflows.cluster.row_outputs import write_per_shard

    assert plan.outputs is not None
    commands = [command(index) for index in range(len(plan.outputs))]
    with Running(plan.engine) as engine:
        skipped = write_per_shard(engine, plan.spec, commands, plan.outputs)
    report_skipped(skipped)
