"""The ``compare`` command: how far one model's distributions are from another's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

import click

from softmax_cli.cli.engine_options import engine_spec, row_engine_options
from softmax_cli.cli.file_inputs import file_format_options, file_spec
from softmax_cli.cli.options import (
    base_option,
    check_plotting,
    output_spec,
    plot_option,
    probability_options,
    probs_option,
    stdout_bytes,
    targets_file_option,
)
from softmax_cli.cli.options import output_options as row_output_options
from softmax_cli.cli.shard_inputs import complete_paths, input_argument

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.workflows.cluster.engine import EngineSpec

Named = tuple[BinaryIO | None, tuple[str, ...]]  # input_argument's (stream, shards)


@click.command("compare")
@click.argument("base_file", metavar="BASE", callback=input_argument, shell_complete=complete_paths)
@click.argument(
    "other_file", metavar="OTHER", callback=input_argument, shell_complete=complete_paths
)
@file_format_options
@row_output_options
@targets_file_option
@probs_option
@probability_options
@base_option
@click.option(
    "-k",
    "--top-k",
    "top",
    type=click.IntRange(min=1),
    metavar="K",
    help="Add the mean overlap of the two top-K sets, |top_K(p) & top_K(q)| / K.",
)
@click.option(
    "--rows",
    "per_row",
    is_flag=True,
    help="Write the per-row figures (kl, kl_reverse, js, tv, same_top, base_top, "
    "other_top; with -k overlap; with --targets base_nll, other_nll, delta_p) instead "
    "of the report.",
)
@plot_option("Draw histograms of the per-row KL (log scale) and Δp (needs matplotlib).")
@row_engine_options
def compare_command(
    base_file: Named,
    other_file: Named,
    targets_file: str | None,
    probs: bool,
    clip: float | None,
    renormalize: bool,
    base: str,
    top: int | None,
    per_row: bool,
    plot: str | None,
    **kwargs: Any,
) -> None:
    """Compare two models' distributions: KL, JS, top class, perplexities.

    BASE and OTHER are logits (or --probs probabilities) of the same rows and classes,
    each a CSV or an .npy file ('-' for one of them on stdin), read in lockstep, a
    block at a time. Each row's distribution is softmax of its logits (p for BASE, q
    for OTHER). Per row: kl = KL(p||q) = sum p (ln p - ln q), kl_reverse = KL(q||p),
    js (Jensen-Shannon, <= ln 2), tv = 1/2 sum |p - q|, same_top; with --targets
    base_nll, other_nll and delta_p = q(target) - p(target).

    The report gives means with their standard errors, percentiles (NumPy's linear
    rule) of KL and delta_p, the same top class, and with --targets both
    perplexities, their ratio, and each accuracy: the figures of llama.cpp's
    perplexity --kl-divergence. The percentiles need every row's KL and delta_p:
    those n floats each are kept in memory, the rows are not. --format auto is the
    report on a terminal and one JSON object otherwise (csv, tsv: rows
    figure,value,error). --rows writes the per-row figures instead, streamed like
    any row command (auto: a table of the first rows on a terminal, CSV otherwise).
    BASE and OTHER of different shapes are exit 65.

    BASE and OTHER may each be a quoted glob (or URL) of several files: shards,
    paired in sorted name order (as many on each side, each pair of the same shape;
    --targets a glob of one file per shard). They are read one pair after another,
    or with --workers/--scheduler a pair per task on a Dask cluster, which gives the
    same report. There --rows writes one file per BASE shard into --output-dir.

    \b
    Examples:
      softmax compare base.npy quantized.npy
      softmax compare base.npy quantized.npy --targets tokens.npy -k 10
      softmax compare base.csv other.csv --rows --format csv | head
      softmax compare base.npy quantized.npy --targets tokens.npy --plot kl.png
      softmax compare base.npy quantized.npy --format json | jq .kl.mean
      softmax compare 'base/*.npy' 'quant/*.npy' --targets 'tokens/*.npy' --workers 4
    """
    from softmax_cli.workflows.calculator.loss_input import LossConfig
    from softmax_cli.workflows.comparison.compare import CompareConfig, compare_files
    from softmax_cli.workflows.comparison.report import infinite_note, show_report, summary

    if base_file[0] is not None and base_file[0] is other_file[0]:
        raise click.UsageError("only one of BASE and OTHER can be '-' (stdin)")
    if (clip is not None or renormalize) and not probs:
        raise click.UsageError("--clip and --renormalize apply to --probs input only")
    if kwargs["fmt"] == "npy" and not per_row:
        raise click.UsageError("--format npy is for --rows; the report is JSON, CSV or TSV")
    specs = [file_spec(kwargs, *named) for named in (base_file, other_file)]
    quiet = kwargs.pop("quiet")
    output_dir = kwargs.pop("output_dir")
    engine = _engine(kwargs, specs[0], specs[1], per_row, output_dir)
    output = output_spec(kwargs, otherwise="csv" if per_row else "json")
    check_plotting(plot)
    scores = LossConfig(probs=probs, clip=clip, renormalize=renormalize, base=base)
    config = CompareConfig(scores, top or 0, targets_file, per_row)
    if engine.on_cluster or output_dir is not None:
        from softmax_cli.workflows.cluster.compare import compare_shards

        result = compare_shards(engine, specs[0], specs[1], config, output, output_dir)
    else:
        result = compare_files(specs[0], specs[1], config, output, stdout_bytes())
    show_report(result, config, output, stdout_bytes(), plot)
    if per_row and not output.is_table and not quiet and result.report.rows:
        click.echo(f"compare: {summary(result.report, base, output.precision)}", err=True)
    note = infinite_note(result.report)
    if note:
        click.echo(f"warning: {note}", err=True)


def _engine(
    kwargs: dict[str, Any],
    base: InputSpec,
    other: InputSpec,
    per_row: bool,
    output_dir: str | None,
) -> EngineSpec:
    """Pop the engine options. A cluster reads BASE and OTHER by name (neither on
    stdin); its --rows go to files, one per BASE shard in --output-dir (``auto``: CSV)."""
    named = base if other.shards else base._replace(shards=())
    engine = engine_spec(kwargs, named, "give BASE and OTHER as files")
    if output_dir is None:
        if per_row and engine.on_cluster:
            raise click.UsageError(
                "on a cluster --rows writes one file per BASE shard: give --output-dir DIR"
            )
        return engine
    if not per_row:
        raise click.UsageError("--output-dir is for --rows (the report goes to stdout)")
    if not base.shards:
        raise click.UsageError("--output-dir writes a file per BASE file: give BASE as files")
    if kwargs["fmt"] == "auto":
        kwargs["fmt"] = "csv"
    return engine
