"""The ``softmax`` console script: thin Click commands over pipeline, render and core.

NumPy, Rich and the I/O modules are imported inside command bodies, so ``--help`` and
tab completion never pay for them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from softmax_cli import __version__
from softmax_cli.completion import SHELLS
from softmax_cli.errors import EXIT_FAILURE, EXIT_INTERRUPTED
from softmax_cli.group import DefaultGroup, NumbersCommand
from softmax_cli.options import (
    input_options,
    input_spec,
    output_options,
    output_spec,
    report_skipped,
    stdout_bytes,
)

EXIT_CODES_HELP = """\b
Exit codes:
  0    success (also for empty input)
  1    failure that is not the input's fault (I/O error, closed pipe)
  2    usage error: bad option or value, unknown command, no input on a terminal
  65   bad input data: bad cell, ragged row, ... (EX_DATAERR)
  130  interrupted (Ctrl-C)"""


def _positive_finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0 < value < float("inf"):
        raise click.BadParameter(f"must be a positive finite number, got {value:g}")
    return value


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
    lazy_commands={
        "xent": "softmax_cli.cli_xent:xent_command",
        "train-blobs": "softmax_cli.cli_train:train_blobs_command",
        "predict": "softmax_cli.cli_train:predict_command",
    },
)
@click.version_option(__version__, "-V", "--version", prog_name="softmax")
def cli() -> None:
    """Softmax, sigmoid and cross-entropy from the command line.

    When the first argument is not a command, the softmax command runs, so
    'softmax 1 2 3' is 'softmax softmax 1 2 3' and 'cat logits.csv | softmax'
    reads CSV rows from stdin.

    \b
    Examples:
      softmax 0.7 1.5 4.8
      softmax --labels dog,cat,boat,airplane -3.44 1.16 -0.81 3.91
      cat logits.csv | softmax --format json | head
    """


@cli.command("softmax", cls=NumbersCommand)
@input_options
@output_options
@click.option(
    "-t",
    "--temperature",
    type=float,
    default=1.0,
    show_default=True,
    callback=_positive_finite,
    help="Divide logits by T > 0 first: T < 1 sharpens, T > 1 flattens.",
)
@click.option("--log", "log", is_flag=True, help="Print log-softmax, computed stably.")
@click.option("--explain", is_flag=True, help="Show every step for a single vector.")
@click.option("--argmax", is_flag=True, help="Add the predicted class to machine formats.")
def softmax_command(
    temperature: float, log: bool, explain: bool, argmax: bool, **kwargs: Any
) -> None:
    """Turn logits into probabilities: exp(x_i) / sum_j exp(x_j).

    Values come as arguments (one vector, space- or comma-separated; negative
    numbers need no '--'), or as CSV rows on stdin or from --input, one sample
    per row. A non-numeric first row is a header of class labels. Blank lines
    and lines starting with '#' are skipped. Results are a table on a terminal,
    CSV in a pipe, streamed in constant memory.

    \b
    Examples:
      softmax 0.7 1.5 4.8
      softmax -t 0.5 --labels a,b,c -1 -2.5 3e-2
      softmax --explain 0.7 1.5 4.8
      cat logits.csv | softmax --argmax | head
    """
    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows
    from softmax_cli.reader import RowRule

    spec, output = input_spec(kwargs), output_spec(kwargs)
    rule = RowRule(core.fully_masked_rows, "every logit is -inf: no class can get a probability")
    source = open_rows(spec, rule)
    if explain:
        _explain(source, output, temperature)
        return

    def compute(logits: Any) -> Any:
        return core.log_softmax(logits, temperature) if log else core.softmax(logits, temperature)

    view = TableView("log-probability" if log else "probability", log=log)
    stream_rows(
        source,
        compute,
        output,
        stdout_bytes(),
        argmax="argmax" if argmax else None,
        unit_interval=not log,
        view=view,
    )
    report_skipped(source)


@cli.command("sigmoid", cls=NumbersCommand)
@input_options
@output_options
@click.option("--log", "log", is_flag=True, help="Print log-sigmoid, computed stably.")
@click.option("--compare", is_flag=True, help="Show softmax beside sigmoid, with both sums.")
def sigmoid_command(log: bool, compare: bool, **kwargs: Any) -> None:
    """Apply the logistic function 1 / (1 + exp(-x)) to every value.

    Each value is scored on its own, so a row's sigmoids need not sum to 1 (unlike
    softmax). Input and output work as for the softmax command. --compare adds softmax
    beside it: in machine formats as extra columns sigmoid_<class>..., softmax_<class>...,
    sigmoid_sum, softmax_sum (with a header line).

    \b
    Examples:
      softmax sigmoid -40 0 40
      softmax sigmoid --compare 0.7 1.5 4.8
      cut -d, -f2 scores.csv | softmax sigmoid --format json
    """
    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows

    spec, output = input_spec(kwargs), output_spec(kwargs)
    if compare:
        _compare(spec, output)
        return
    source = open_rows(spec)
    compute = core.log_sigmoid if log else core.sigmoid
    view = TableView("log-sigmoid" if log else "sigmoid", mark_best=False, log=log)
    stream_rows(source, compute, output, stdout_bytes(), unit_interval=not log, view=view)
    report_skipped(source)


def _compare(spec: Any, output: Any) -> None:
    """``sigmoid --compare``: sigmoid and softmax side by side, with both sums."""
    import numpy as np

    from softmax_cli import core
    from softmax_cli.pipeline import TableView, open_rows, stream_rows
    from softmax_cli.reader import RowRule

    rule = RowRule(core.fully_masked_rows, "every logit is -inf: softmax is undefined")
    source = open_rows(spec, rule)

    def compute(logits: Any) -> Any:
        sigmoids, probs = core.sigmoid(logits), core.softmax(logits)
        sums = np.column_stack([sigmoids.sum(axis=1), probs.sum(axis=1)])
        return np.hstack([sigmoids, probs, sums])

    # An empty input has no columns to name: no header, like every filter on no input.
    names = _comparison_columns(source.labels, source.n_columns) if source.n_columns else None
    view = TableView("sigmoid and softmax", mark_best=False, comparison=True)
    stream_rows(source, compute, output, stdout_bytes(), view=view, columns=names)
    report_skipped(source)


def _comparison_columns(labels: list[str] | None, width: int) -> list[str]:
    from softmax_cli.writer import class_names

    classes = class_names(labels, width)
    return [
        *(f"sigmoid_{name}" for name in classes),
        *(f"softmax_{name}" for name in classes),
        "sigmoid_sum",
        "softmax_sum",
    ]


@cli.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the tab-completion script for a shell.

    Completes commands, options, choices (--format, --base, --reduction...) and file
    names (--input, --model, --save, --plot). Load it in the current shell, or save it
    where your shell looks for completions (see the README).

    \b
    Examples:
      eval "$(softmax completion bash)"
      softmax completion zsh > "${fpath[1]}/_softmax"
      softmax completion fish > ~/.config/fish/completions/softmax.fish
      softmax completion bash | head -3
    """
    from softmax_cli.completion import completion_script

    click.echo(completion_script(cli, shell), nl=False)


def _explain(source: Any, output: Any, temperature: float) -> None:
    from softmax_cli import core
    from softmax_cli.errors import ArgumentError
    from softmax_cli.writer import format_explanation

    first, rows = None, 0
    for chunk in source:  # count the rows without holding them
        if first is None and len(chunk.values):
            first = chunk.values[0]
        rows += len(chunk.values)
    if rows != 1 or first is None:
        raise ArgumentError(f"--explain works on a single vector, the input has {rows} rows")
    steps = core.softmax_steps(first, temperature)
    if output.is_table:
        from softmax_cli import render

        console = render.make_console(output.color)
        render.render_explanation(console, steps, source.labels, output.precision, temperature)
    else:
        stdout_bytes().write(format_explanation(steps, source.labels, output.fmt, output.precision))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn every failure into its exit code."""
    try:
        result = cli.main(args=argv, prog_name="softmax", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        code = EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("SOFTMAX_DEBUG"):
            raise
        click.echo(f"error: internal error: {exc!r} (set SOFTMAX_DEBUG=1 for details)", err=True)
        code = EXIT_FAILURE
    sys.exit(code)
