"""Start-up guard: what importing the CLI, and running the CSV path, pulls in."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "rich", "sklearn", "scipy", "matplotlib")


def modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)), file=sys.__stderr__)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60, env=env)
    return set(json.loads(done.stderr.decode().strip().splitlines()[-1]))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


COMMAND_MODULES = "softmax_cli.cli.commands."


def command_modules(modules: set[str]) -> set[str]:
    return {name for name in modules if name.startswith(COMMAND_MODULES)}


def test_importing_the_cli_pulls_in_neither_numpy_nor_rich() -> None:
    modules = modules_after("import softmax_cli.cli.main")
    assert not top_level(modules) & set(HEAVY), top_level(modules) & set(HEAVY)
    # Commands load when used: importing the group builds none of their options.
    assert not command_modules(modules)


def test_softmax_loads_its_own_command_only() -> None:
    code = (
        "from softmax_cli.cli.main import cli\n"
        "cli.main(['--format', 'csv', '1', '2'], standalone_mode=False)\n"
    )
    assert command_modules(modules_after(code)) == {f"{COMMAND_MODULES}softmax"}


def test_help_stays_light() -> None:
    code = (
        "from softmax_cli.cli.main import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    modules = modules_after(code)
    assert not top_level(modules) & set(HEAVY)
    assert not command_modules(modules), "the listing comes from the registry"


def test_csv_path_never_imports_rich_or_heavy_libraries() -> None:
    code = (
        "import sys, io\n"
        "from softmax_cli.cli.main import cli\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'1,2\\n3,4\\n'))\n"
        "cli.main(['--format', 'csv'], standalone_mode=False)\n"
        "cli.main(['--format', 'csv', '0.7', '1.5', '4.8'], standalone_mode=False)\n"
        "cli.main(['xent', '-f', 'csv', '-q', '--target', '1', '0.7', '2'], standalone_mode=0)\n"
    )
    loaded = top_level(modules_after(code))
    assert "numpy" in loaded  # the probe really ran the command
    assert not loaded & {"rich", "sklearn", "scipy", "matplotlib"}


def test_values_as_arguments_load_no_stream_machinery() -> None:
    """No CSV parser and no malloc tuning (ctypes) for a vector typed by hand."""
    code = (
        "from softmax_cli.cli.main import cli\n"
        "cli.main(['--format', 'csv', '0.7', '1.5', '4.8'], standalone_mode=False)\n"
    )
    modules = modules_after(code)
    assert "softmax_cli.workflows.calculator.softmax" in modules  # the probe really ran the command
    assert not modules & {"softmax_cli.io.text.fastparse", "softmax_cli.io.streaming.memory"}


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "-f", "csv", "-k", "2", "0.7", "1.5", "4.8"],
        ["stats", "-f", "csv", "--probs", "--base", "2"],
        ["sample", "-f", "csv", "--seed", "1", "-n", "3", "--top-p", "0.9", "1", "2"],
        ["sample", "-f", "csv", "--probs", "--with-prob", "--min-p", "0.5"],
    ],
)
def test_new_commands_csv_paths_never_import_rich_or_heavy_libraries(args: list[str]) -> None:
    code = (
        "import sys, io\n"
        "from softmax_cli.cli.main import cli\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'a,b\\n0.25,0.75\\n1,0\\n'))\n"
        f"cli.main({args!r}, standalone_mode=False)\n"
    )
    modules = modules_after(code)
    assert command_modules(modules) == {f"{COMMAND_MODULES}{args[0]}"}
    loaded = top_level(modules)
    assert "numpy" in loaded  # the probe really ran the command
    assert not loaded & {"rich", "sklearn", "scipy", "matplotlib"}


def test_predict_csv_path_never_imports_rich_or_heavy_libraries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from softmax_cli.core.trainer.mlp import MLP
    from softmax_cli.io.formats.modelfile import SavedModel, save_model

    model = tmp_path / "m.npz"
    save_model(str(model), SavedModel(MLP((2, 3)), ["a", "b", "c"], {}))
    code = (
        "from softmax_cli.cli.main import cli\n"
        f"cli.main(['predict', '-m', {str(model)!r}, '-f', 'csv', '1', '2'], standalone_mode=0)\n"
    )
    loaded = top_level(modules_after(code))
    assert "numpy" in loaded
    assert not loaded & {"rich", "sklearn", "scipy", "matplotlib"}


def test_calibrate_json_path_imports_no_rich_and_no_heavy_library() -> None:
    code = (
        "import sys, io\n"
        "from softmax_cli.cli.main import cli\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'a,b,label\\n2,0,a\\n0,1,a\\n1,0,b\\n'))\n"
        "cli.main(['calibrate', '--format', 'json', '-q'], standalone_mode=False)\n"
    )
    modules = modules_after(code)
    assert "softmax_cli.core.calculator.calibration" in modules  # the probe really ran the command
    loaded = top_level(modules)
    assert not loaded & {"rich", "sklearn", "scipy", "matplotlib"}


def test_tab_completion_stays_light() -> None:
    env = {
        **os.environ,
        "_SOFTMAX_COMPLETE": "bash_complete",
        "COMP_WORDS": "softmax xent --base ",
        "COMP_CWORD": "3",
    }
    code = "from softmax_cli.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    loaded = top_level(modules_after(code, env))
    assert "click" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_completing_a_command_name_imports_no_command() -> None:
    env = {
        **os.environ,
        "_SOFTMAX_COMPLETE": "bash_complete",
        "COMP_WORDS": "softmax s",
        "COMP_CWORD": "1",
    }
    code = "from softmax_cli.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    modules = modules_after(code, env)
    assert not command_modules(modules)
    assert not top_level(modules) & set(HEAVY)
