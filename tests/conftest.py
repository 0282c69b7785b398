"""Shared fixtures. The rule for outside tools lives here, once:
a missing tool skips the test, except under CI=true where it fails it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def need_tool(name: str) -> str:
    """Path of an outside tool (tshark, openssl, redis-server...), or skip/fail when missing."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is required under CI=true but is not installed")
    pytest.skip(f"{name} not installed")


def need_shared(relative: str) -> Path:
    """A file or folder of ../shared (read-only test data), or skip/fail when absent."""
    path = SHARED / relative
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"../shared/{relative} is required under CI=true but is missing")
    pytest.skip(f"../shared/{relative} not present")


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch):
    """Piped output is COLUMNS wide (120 by default); pin it so a test's view does not depend on the
    terminal pytest runs in (pytest-xdist workers export COLUMNS=80)."""
    monkeypatch.setenv("COLUMNS", "120")


@pytest.fixture
def tool():
    """`tool("tshark")` -> path of the tool; skips (or fails under CI=true) when missing."""
    return need_tool


@pytest.fixture
def shared():
    return need_shared


@pytest.fixture
def cli():
    """Invoke the protolab CLI in-process: cli("tour", "--json") -> click Result."""
    from typer.testing import CliRunner

    from protolab.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(app, list(args), env=env, input=input)

    return invoke
