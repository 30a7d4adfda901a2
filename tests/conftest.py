"""Shared fixtures: the installed console script, run for real in a subprocess."""

from __future__ import annotations

import subprocess

import pytest
from helpers import SCRIPT, RunScript, clean_env
from hypothesis import settings

# The long run of the property tests: --hypothesis-profile=thorough
settings.register_profile("thorough", max_examples=20_000, deadline=None)


@pytest.fixture
def run_script() -> RunScript:
    """Run the installed ``softmax`` script with real pipes; returns the completed process."""
    if SCRIPT is None:
        pytest.fail("the softmax console script is not installed (pip install -e '.[test]')")

    def run(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None):
        return subprocess.run(
            [SCRIPT, *args], input=stdin, capture_output=True, env=env or clean_env(), timeout=120
        )

    return run
