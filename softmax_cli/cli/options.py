"""Options shared by several commands, each defined once as a decorator, and the helpers
that turn their values into the specs the pipeline takes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import click

from softmax_cli.cli.name_lists import split_labels
from softmax_cli.cli.ranges import FloatRange, check_hidden_sizes, positive_finite
from softmax_cli.cli.shard_inputs import INPUT_HELP, complete_paths, input_files, targets_files

if TYPE_CHECKING:
    from softmax_cli.io.sources import InputSpec
    from softmax_cli.io.streaming.rows import SkipReport
    from softmax_cli.workflows.calculator.stream import OutputSpec

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[Any], Any]

DELIMITER_NAMES = {"comma": ",", "tab": "\t", "semicolon": ";", "space": " ", "whitespace": " "}


def parse_delimiter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A single character, or a name: comma, tab, semicolon, space/whitespace (runs of blanks)."""
    if value is None:
        return None
    named = DELIMITER_NAMES.get(value.lower())
    if named is not None:
        return named
    if value == "\\t":
        return "\t"
    if len(value) != 1 or value.isalnum() or value in "\n\r\"'.-+":
        names = ", ".join(DELIMITER_NAMES)
        raise click.BadParameter(f"{value!r} is not a usable delimiter (one character or {names})")
    return value


delimiter_option = click.option(
    "-d",
    "--delimiter",
    callback=parse_delimiter,
    metavar="CHAR",
    help="CSV delimiter: one character or comma/tab/semicolon/space. [default: auto]",
)


def _input_decorators(header_help: str, labels_help: str) -> list[Decorator]:
    return [
        click.argument("values", nargs=-1, metavar="[VALUES]..."),
        click.option(
            "-i",
            "--input",
            "input_files",
            multiple=True,
            callback=input_files,
            shell_complete=complete_paths,
            metavar="FILE|GLOB",
            help=INPUT_HELP,
        ),
        delimiter_option,
        click.option("--header/--no-header", default=None, help=header_help),
        click.option("-l", "--labels", callback=split_labels, metavar="A,B,...", help=labels_help),
        click.option(
            "--skip-invalid",
            is_flag=True,
            help="Skip bad rows (reported on stderr) instead of stopping with exit 65; "
            "none good is still exit 65.",
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            help="No progress bar, notes or summaries on stderr (warnings and errors stay).",
        ),
    ]


def _apply(command: F, decorators: list[Decorator]) -> F:
    """Apply ``decorators`` as if stacked above ``command`` in this order."""
    decorated: Any = command
    for decorator in reversed(decorators):
        decorated = decorator(decorated)
    return cast(F, decorated)


def input_options(command: F) -> F:
    """Where rows of class scores come from: ``VALUES``, ``--input``, how to read CSV."""
    return _apply(
        command,
        _input_decorators(
            header_help="Treat the first row as class labels (default: when it is not numeric).",
            labels_help="Class names, one per column (overrides a header row).",
        ),
    )


def feature_input_options(command: F) -> F:
    """The same for rows of features (predict): a header names features, not classes."""
    return _apply(
        command,
        _input_decorators(
            header_help="Treat the first row as feature names (default: when it is not numeric).",
            labels_help="Names for the model's classes, instead of those saved with it.",
        ),
    )


def output_options(command: F) -> F:
    """How results are written: ``--format``, ``--precision``, ``--color``."""
    formats = ["auto", "table", "csv", "tsv", "json", "npy"]
    format_help = (
        "Output format; auto is a table on a terminal, CSV otherwise. json is JSON "
        "Lines; npy is one float64 NumPy array (classes as indices)."
    )
    return _apply(command, _output_decorators(formats, format_help))


def report_output_options(command: F) -> F:
    """The same for a command whose result is one report (calibrate): JSON off a terminal."""
    formats = ["auto", "table", "csv", "tsv", "json"]
    format_help = "auto is the report on a terminal, one JSON object otherwise."
    return _apply(command, _output_decorators(formats, format_help))


def _output_decorators(formats: list[str], format_help: str) -> list[Decorator]:
    return [
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(formats),
            default="auto",
            show_default=True,
            help=format_help,
        ),
        click.option(
            "-p",
            "--precision",
            type=click.IntRange(0, 17),
            default=8,
            show_default=True,
            help="Decimal places in tables, CSV and TSV (JSON keeps full precision).",
        ),
        color_option,
    ]


temperature_option = click.option(
    "-t",
    "--temperature",
    type=float,
    default=1.0,
    show_default=True,
    callback=positive_finite,
    help="Divide logits by T > 0 first: T < 1 sharpens, T > 1 flattens.",
)

probs_option = click.option(
    "--probs", is_flag=True, help="Inputs are probabilities (rows sum to 1), not logits."
)

renormalize_option = click.option(
    "--renormalize", is_flag=True, help="With --probs: divide each row by its sum first."
)

base_option = click.option(
    "--base",
    type=click.Choice(["e", "2"]),
    default="e",
    show_default=True,
    help="Logarithm base: e for nats, 2 for bits.",
)


targets_file_option = click.option(
    "--targets",
    "targets_file",
    callback=targets_files,
    shell_complete=complete_paths,
    metavar="FILE|GLOB",
    help="Each row's true class from FILE, in the rows' order: a 1-D integer "
    ".npy of class indices, or one label or 0-based index per line. With input "
    "shards, a quoted glob of one such file per shard.",
)


def target_options(command: F) -> F:
    """Rows scored against a true class (xent, calibrate): where the targets are, and
    whether the values are logits, probabilities, or one binary value per row."""
    return _apply(
        command,
        [
            click.option(
                "--target",
                metavar="IDX|LABEL",
                help="The true class (0-based index or label) of the values, or of every CSV row.",
            ),
            click.option(
                "--target-column",
                metavar="NAME|INDEX",
                help="CSV column holding each row's true class. [default: a header column "
                "named target, label, class or y]",
            ),
            targets_file_option,
            probs_option,
            click.option(
                "--binary",
                is_flag=True,
                help="One logit (or probability) of class 1 per row, targets 0/1: "
                "binary cross-entropy.",
            ),
        ],
    )


def check_target_options(
    target: str | None, target_column: str | None, targets_file: str | None
) -> None:
    """``--targets`` gives every row's target: neither --target nor --target-column may
    say otherwise (a usage error, before any input is read)."""
    if targets_file is not None and (target is not None or target_column is not None):
        other = "--target" if target is not None else "--target-column"
        raise click.UsageError(
            f"--targets gives every row's target: leave out {other}",
            click.get_current_context(silent=True),
        )


def probability_options(command: F) -> F:
    """How ``--probs`` input is taken: clipped away from 0 and 1, or renormalised."""
    return _apply(
        command,
        [
            click.option(
                "--clip",
                type=FloatRange(0, 0.5, min_open=True, max_open=True),
                metavar="EPS",
                help="With --probs: clip probabilities to [EPS, 1-EPS] (Keras uses 1e-7).",
            ),
            renormalize_option,
        ],
    )


def plot_option(help: str) -> Decorator:
    """``--plot FILE.png``: a figure, for commands that draw one (needs matplotlib)."""
    return click.option(
        "--plot", type=click.Path(dir_okay=False, writable=True), metavar="FILE.png", help=help
    )


color_option = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour in tables; auto honours NO_COLOR and terminals.",
)


def layer_sizes(at_least_one: bool) -> Callable[[click.Context, click.Parameter, str], Any]:
    """A callback for ``--hidden 12,8`` → ``(12, 8)``: positive sizes, and when
    ``at_least_one`` is false an empty value means no hidden layer."""

    def parse(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
        try:
            sizes = tuple(int(v) for v in value.split(",")) if value.strip() else ()
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a list of layer sizes like 12,8") from None
        if (at_least_one and not sizes) or (sizes and min(sizes) < 1):
            raise click.BadParameter("give one or more positive layer sizes, like 12,8")
        return check_hidden_sizes(sizes)

    return parse


def trainer_options(command: F) -> F:
    """What both trainers share: the seed, the report's format, the model file, the
    plot, progress and notes on stderr, colour."""
    decorators = [
        click.option(
            "--seed",
            type=click.IntRange(0, 2**32 - 1),
            help="Fixes data, initial weights and shuffling. [default: random, printed]",
        ),
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(["auto", "table", "json"]),
            default="auto",
            show_default=True,
            help="auto is the report on a terminal, JSON otherwise.",
        ),
        click.option(
            "--save",
            type=click.Path(dir_okay=False, writable=True),
            metavar="MODEL.npz",
            help="Write the trained model here (for 'softmax predict').",
        ),
        plot_option("Draw learning curves and decision regions (needs matplotlib)."),
        click.option(
            "--progress",
            is_flag=True,
            help="Show per-epoch progress on stderr even when it is not a terminal.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress and no notes on stderr."),
        color_option,
    ]
    return _apply(command, decorators)


def report_as_table(fmt: str) -> bool:
    """A trainer's ``--format``: the report on a terminal (or when asked), else JSON."""
    return fmt == "table" or (fmt == "auto" and sys.stdout.isatty())


def show_progress(progress: bool, quiet: bool) -> bool:
    """Progress goes to stderr on a terminal, or anywhere with ``--progress``."""
    return not quiet and (progress or sys.stderr.isatty())


def check_plotting(plot: str | None) -> None:
    """``--plot`` needs matplotlib: say so before any work is done, not after."""
    if plot is not None:
        from softmax_cli.render.plots import require_matplotlib

        require_matplotlib()


def input_spec(kwargs: dict[str, Any]) -> InputSpec:
    """Pop the input options out of a command's keyword arguments, as an ``InputSpec``."""
    from softmax_cli.io.sources import InputSpec

    stream, shards = kwargs.pop("input_files")
    return InputSpec(
        values=kwargs.pop("values"),
        stream=stream,
        shards=shards,
        delimiter=kwargs.pop("delimiter"),
        header=kwargs.pop("header"),
        labels=kwargs.pop("labels"),
        skip_invalid=kwargs.pop("skip_invalid"),
        quiet=kwargs.pop("quiet"),
    )


def output_spec(kwargs: dict[str, Any], otherwise: str = "csv", table: bool = True) -> OutputSpec:
    """Pop the output options, as an ``OutputSpec`` whose format is resolved: ``auto`` is
    a table on a terminal (unless ``table`` is false: one number is no table) and
    ``otherwise`` elsewhere."""
    from softmax_cli.workflows.calculator.stream import OutputSpec, resolve_format

    fmt = kwargs.pop("fmt")
    fmt = resolve_format(
        otherwise if fmt == "auto" and not table else fmt, stdout_bytes(), otherwise
    )
    if fmt == "npy" and stdout_bytes().isatty():
        raise click.UsageError(
            "--format npy writes binary data: send it to a file (> out.npy) or a pipe"
        )
    return OutputSpec(fmt=fmt, precision=kwargs.pop("precision"), color=kwargs.pop("color"))


def stdout_bytes() -> BinaryIO:
    """Where results go: stdout as bytes."""
    return sys.stdout.buffer


def chosen_seed(seed: int | None, quiet: bool) -> int:
    """The seed to use: the given one, or a random one, announced on stderr so that the
    run can be repeated (unless ``quiet``)."""
    if seed is not None:
        return seed
    import secrets

    seed = secrets.randbelow(2**32)
    if not quiet:
        announce_seed(seed)
    return seed


def announce_seed(seed: int) -> None:
    click.echo(f"seed {seed} (repeat this run with --seed {seed})", err=True)


def report_skipped(skipped: SkipReport) -> None:
    """The ``--skip-invalid`` summary on stderr, when rows were skipped."""
    if skipped.count:
        click.echo(f"warning: {skipped.summary()}", err=True)
