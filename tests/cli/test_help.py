"""Every command and option is documented: in --help, with examples, and in the README."""

from __future__ import annotations

import re

import click
import pytest
from helpers import PROJECT, invoke_cli

from softmax_cli.cli.main import cli
from softmax_cli.cli.registry import COMMANDS as REGISTRY

README = (PROJECT / "README.md").read_text()
COMMANDS = cli.list_commands(click.Context(cli))


def command(name: str) -> click.Command:
    found = cli.get_command(click.Context(cli), name)
    assert found is not None
    return found


def options_of(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option)]


def test_every_command_is_registered() -> None:
    assert sorted(REGISTRY) == COMMANDS


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_summary_is_the_commands_own(name: str) -> None:
    code, out, _ = invoke_cli([name, "--help"])
    assert code == 0, out
    assert f" {name} [OPTIONS]" in out.splitlines()[0]
    assert REGISTRY[name].summary == command(name).get_short_help_str(limit=200)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_summary_explanation_and_examples_with_a_pipe(name: str) -> None:
    code, out, _ = invoke_cli([name, "--help"])
    assert code == 0
    summary = command(name).get_short_help_str(limit=200)
    assert summary and not summary.endswith("...")
    examples = out.split("Examples:", 1)[1]
    lines = [line.strip() for line in examples.split("Options:")[0].splitlines() if line.strip()]
    assert all(
        line.startswith("softmax ") or "| softmax" in line or "$(softmax" in line for line in lines
    )
    assert any("|" in line for line in lines), f"{name}: no pipe among the examples"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help_and_is_in_the_readme(name: str) -> None:
    for option in options_of(command(name)):
        assert option.help, f"{name} {option.opts}: no help text"
        for flag in [*option.opts, *option.secondary_opts]:
            if flag.startswith("--"):
                assert f"`{flag}" in README or f" {flag}" in README, f"{name} {flag} not in README"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"softmax {name}" in README


def test_group_help_explains_the_default_command_and_exit_codes() -> None:
    code, out, _ = invoke_cli(["--help"])
    assert code == 0
    assert "'softmax 1 2 3' is 'softmax softmax 1 2 3'" in " ".join(out.split())
    for exit_code in ("0", "1", "2", "65", "130"):
        assert re.search(rf"^ +{exit_code} +\w", out, re.MULTILINE), exit_code
    for name in COMMANDS:
        assert f"  {name} " in out
    listing = out.split("Commands:")[1].split("Exit codes:")[0]
    assert "..." not in listing, "a summary is cut short in the listing"
