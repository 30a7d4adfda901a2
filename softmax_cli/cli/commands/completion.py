"""The ``completion`` command: print a shell's tab-completion script."""

from __future__ import annotations

import click

from softmax_cli.cli.completion import SHELLS


@click.command("completion")
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
    from softmax_cli.cli.completion import completion_script
    from softmax_cli.cli.main import cli

    click.echo(completion_script(cli, shell), nl=False)
