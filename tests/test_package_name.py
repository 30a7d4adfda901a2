"""The distribution's name is our own (``softmax-cli`` on the package index is someone
else's), and no hint tells a user to install a package by a name that is not ours."""

from __future__ import annotations

import re
import tomllib

from helpers import PROJECT, invoke_cli

from softmax_cli.render.plots import INSTALL_HINT

NAME = "softmax-tool"


def test_the_distribution_has_its_own_name() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert project["name"] == NAME
    assert project["scripts"] == {"softmax": "softmax_cli.cli.main:main"}


def test_ci_checks_the_wheel_of_that_name() -> None:
    wheel = NAME.replace("-", "_")
    run = (PROJECT / ".ci" / "run").read_text()
    assert f"/dist/{wheel}-*.whl" in run
    assert "softmax_cli-*.whl" not in run


def test_the_plot_hint_names_matplotlib_itself() -> None:
    assert INSTALL_HINT == "--plot needs matplotlib: pip install matplotlib"


def test_no_user_facing_text_names_the_other_distribution() -> None:
    texts = [PROJECT / "README.md", PROJECT / "pyproject.toml"]
    texts += sorted((PROJECT / "softmax_cli").rglob("*.py"))
    texts += sorted(path for path in (PROJECT / "completions").iterdir() if path.is_file())
    for path in texts:
        text = path.read_text()
        assert "softmax-cli[" not in text, path
        assert not re.search(r"pip install\s+'?softmax-cli\b", text), path
    code, _, err = invoke_cli(["--help"])
    assert code == 0 and "softmax-cli[" not in err
