"""The ``softmax`` console script: the command group and the entry point.

Commands live in ``commands/`` and are imported only when they run (see ``registry``), so
``--help`` and tab completion never pay for NumPy, Rich or any command's options.
"""

from __future__ import annotations

import os
import sys

import click

from softmax_cli import __version__
from softmax_cli.cli.group import DefaultGroup, write_failure
from softmax_cli.cli.registry import COMMANDS
from softmax_cli.cli.std_streams import STDOUT_CLOSED, stand_in_for_closed_stdin, stdout_is_closed
from softmax_cli.errors import EXIT_FAILURE, EXIT_INTERRUPTED

EXIT_CODES_HELP = """\b
Exit codes:
  0    success (also for empty input, except for calibrate)
  1    failure that is not the input's fault (I/O error, closed pipe)
  2    usage error: bad option or value, unknown command, no input on a terminal
  65   bad input data: bad cell, ragged row, too few rows, ... (EX_DATAERR)
  130  interrupted (Ctrl-C)"""


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
    registry=COMMANDS,
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


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI and turn every failure into its exit code."""
    if stdout_is_closed():
        click.echo(f"error: {STDOUT_CLOSED}", err=True)  # nothing at all if stderr is closed too
        sys.exit(EXIT_FAILURE)
    stand_in_for_closed_stdin()
    try:
        try:
            result = cli.main(args=argv, prog_name="softmax", standalone_mode=False)
            sys.stdout.flush()
        except OSError as exc:  # writing --help or --version, say
            raise write_failure(exc) from None
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
