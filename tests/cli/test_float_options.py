"""Every option that takes a float refuses nan as a usage error (exit 2): nan fails no
comparison with a range's bounds, so a plain range check would let it through."""

from __future__ import annotations

import click
import pytest
from helpers import invoke_cli

from softmax_cli.cli.main import cli


def float_options() -> list[tuple[str, str]]:
    """``(command, option)`` for every option of every command whose values are floats."""
    context = click.Context(cli)
    found = []
    for name in cli.list_commands(context):  # type: ignore[attr-defined]
        command = cli.get_command(context, name)  # type: ignore[attr-defined]
        assert command is not None
        for param in command.params:
            if isinstance(param, click.Option) and isinstance(
                param.type, click.types.FloatParamType
            ):
                found.append((name, param.opts[-1]))
    return found


FLOAT_OPTIONS = float_options()


def test_the_float_options_are_found() -> None:
    assert {("sample", "--top-p"), ("xent", "--clip"), ("compare", "--clip")} <= set(FLOAT_OPTIONS)


@pytest.mark.parametrize(("command", "option"), FLOAT_OPTIONS)
def test_nan_is_a_usage_error(command: str, option: str) -> None:
    code, out, err = invoke_cli([command, option, "nan", "1", "2"])
    assert code == 2, out
    assert "nan" in err and option in err


@pytest.mark.parametrize(("command", "option"), FLOAT_OPTIONS)
@pytest.mark.parametrize("value", ["inf", "-inf", "1e999"])
def test_infinity_is_a_usage_error(command: str, option: str, value: str) -> None:
    """No float option gives infinity a meaning (a --temperature inf would only flatten
    every row to uniform), so each refuses it; ``1e999`` overflows to infinity."""
    code, out, err = invoke_cli([command, f"{option}={value}", "1", "2"])
    assert code == 2, out
    assert option in err and ("inf" in err or "finite" in err), err


@pytest.mark.parametrize(("command", "option"), [("train-blobs", "--lr"), ("train-blobs", "--std")])
def test_unbounded_options_refuse_infinity(command: str, option: str) -> None:
    code, _, err = invoke_cli([command, option, "inf"])
    assert code == 2
    assert f"Invalid value for '{option}': inf is not a finite number in x>0." in err
