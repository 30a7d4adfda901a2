"""The package's shape: small modules, and layers that hold (``lint-imports`` checks the
imports themselves; CI runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PROJECT

PACKAGE = PROJECT / "softmax_cli"
MAX_LINES = 400
LAYERS = ("cli", "workflows", "io", "render", "core", "views")
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PROJECT)} has {lines} lines: split it"


def test_every_module_lives_in_a_layer_or_is_a_shared_definition() -> None:
    shared = {"__init__.py", "__main__.py", "errors.py", "arraytypes.py"}
    for path in MODULES:
        top, *rest = path.relative_to(PACKAGE).parts
        in_a_layer = top in LAYERS and rest
        assert in_a_layer or top in shared, f"{path.relative_to(PROJECT)}: in which layer?"


FOLDERS = sorted({path.parent for path in MODULES})


@pytest.mark.parametrize("folder", FOLDERS, ids=[str(f.relative_to(PACKAGE)) for f in FOLDERS])
def test_no_folder_holds_more_than_12_modules(folder: Path) -> None:
    """A folder reads like a table of contents: one that outgrows it is split by job."""
    modules = [path for path in folder.glob("*.py") if path.name != "__init__.py"]
    packages = [path for path in folder.iterdir() if (path / "__init__.py").exists()]
    entries = len(modules) + len(packages)
    assert entries <= 12, f"{folder.relative_to(PROJECT)} holds {entries}: split it by job"
