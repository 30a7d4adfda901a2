"""Click plumbing: the group that falls through to ``softmax``, and negative numbers as values.

Click would read ``-1`` or ``-2.5`` as (unknown) options. Before a command parses its
arguments, every positional token, number-like or not, is moved behind ``--`` in its
original order; an option's own value (``-t -1``) stays with its option.
``ignore_unknown_options`` is deliberately not used: with short options defined it
would read ``-1e3`` as ``-1`` plus ``-e 3``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from softmax_cli.errors import EXIT_FAILURE, SoftmaxError
from softmax_cli.io.text.numbers import looks_like_number

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from softmax_cli.cli.registry import CommandEntry


def _takes_value(command: click.Command, ctx: click.Context) -> set[str]:
    """Option strings of ``command`` that consume the following token as their value."""
    names: set[str] = set()
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and not param.is_flag and not param.count:
            names.update(param.opts)
    return names


def _is_option(token: str) -> bool:
    return token.startswith("-") and token != "-" and not looks_like_number(token)


def move_positionals_last(args: list[str], takes_value: set[str]) -> list[str]:
    """Return ``args`` with options (and their values) first, then ``--`` and the positionals."""
    options: list[str] = []
    positionals: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":
            positionals.extend(args[index + 1 :])
            break
        if _is_option(token):
            options.append(token)
            if token in takes_value and index + 1 < len(args):
                index += 1
                options.append(args[index])
        else:
            positionals.append(token)
        index += 1
    return [*options, "--", *positionals] if positionals else options


class NumbersCommand(click.Command):
    """A command whose positional values may be negative numbers, with no ``--`` needed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, move_positionals_last(args, _takes_value(self, ctx)))


class DefaultGroup(click.Group):
    """A group that runs ``default_command`` when the first token is not a subcommand.

    The first token falls through when it looks like a number, is ``-`` or ``--``, is an
    option the group does not have, or when there are no arguments at all (so that
    ``producer | softmax`` works). Any other word must name a subcommand, so a typo is
    Click's "No such command" error rather than a confusing "not a number".

    ``registry`` maps every command name to its module and summary. A command's module
    is imported only when that command runs (or shows its own help); listing the
    commands in ``--help`` and completing their names use the summaries alone.
    """

    default_command = "softmax"

    def __init__(
        self, *args: Any, registry: Mapping[str, CommandEntry] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.registry = dict(registry or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.registry})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.registry.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        module_name, attribute = entry.target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        known = name in self.registry or name in self.commands
        if known or ctx.resilient_parsing or name.startswith("-"):
            return super().resolve_command(ctx, args)
        # Click suggests close names from the commands it holds: offer every one.
        raise click.exceptions.NoSuchCommand(name, possibilities=self.list_commands(ctx), ctx=ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self._summary(ctx, name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        commands = [
            CompletionItem(name, help=self._summary(ctx, name))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        # The options: what Command (not Group) offers, without importing any command.
        return [*commands, *click.Command.shell_complete(self, ctx, incomplete)]

    def _summary(self, ctx: click.Context, name: str) -> str:
        entry = self.registry.get(name)
        if entry is not None:
            return entry.summary
        command = self.get_command(ctx, name)
        return command.get_short_help_str() if command is not None else ""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise one_line_usage_error(exc) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if self._falls_through(ctx, args):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def _falls_through(self, ctx: click.Context, args: list[str]) -> bool:
        if not args:
            # While completing, an empty line must still offer the subcommands.
            return not ctx.resilient_parsing
        first = args[0].split("=", 1)[0]
        if first in ("-", "--") or looks_like_number(first):
            return True
        if first.startswith("-"):
            group_options = {opt for param in self.get_params(ctx) for opt in param.opts}
            return first not in group_options
        return False

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # so that a full disk is reported here, not at exit
            return result
        except click.UsageError as exc:  # a subcommand's, or an unknown one
            raise one_line_usage_error(exc) from None
        except SoftmaxError as exc:
            raise UserError(str(exc), exc.exit_code) from None
        except BrokenPipeError:
            # Click would report this itself but leave buffered output behind to fail
            # again, noisily, at interpreter exit.
            _discard_stdout()
            raise click.exceptions.Exit(EXIT_FAILURE) from None
        except OSError as exc:
            raise write_failure(exc) from None


def one_line_usage_error(exc: click.UsageError) -> click.ClickException:
    """Click's usage error as one line, as every other error is: the message (with any
    "Did you mean" hint) and where help is, instead of Click's usage block. An error that
    is a request for help (``no_args_is_help``) stays as it is."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        return exc
    path = exc.ctx.command_path if exc.ctx is not None else "softmax"
    message = " ".join(line.strip() for line in exc.format_message().splitlines() if line.strip())
    return UserError(f"{message} (try '{path} --help')", exc.exit_code)


def write_failure(exc: OSError) -> Exception:
    """A stream that could not be written (stdout on a full disk, say) as a one-line
    error; any other ``OSError`` (a named file, which open() reports) as it is."""
    if exc.filename is not None:
        return exc
    _discard_stdout()
    return UserError(f"cannot write output: {exc.strerror or exc}", EXIT_FAILURE)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that output still buffered cannot fail again when
    the interpreter exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class UserError(click.ClickException):
    """A ``SoftmaxError`` on its way out: one line on stderr and its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per instance, unlike Click's

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)
