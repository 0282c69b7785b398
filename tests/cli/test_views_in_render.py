"""Views live in protolab/render/: a cli module parses, calls the core and hands the result to a view.

Checked on the source (ast): no cli module defines a view or builds rich objects. And a view called
directly on a core result prints what the command prints, so the core result is the whole input.
"""

from __future__ import annotations

import ast
import contextlib
import io
from pathlib import Path

import pytest

import protolab.cli

CLI_DIR = Path(protolab.cli.__file__).parent
RICH_BUILDERS = {"Table", "Panel", "Tree", "Text", "Group", "Columns", "Console"}


def view_code_in(source: str) -> list[str]:
    """What in a module's source belongs in render/: view functions, rich imports, rich objects built."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.endswith(("_view", "_views")):
            found.append(f"def {node.name} (line {node.lineno})")
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "rich" for a in node.names):
            found.append(f"import rich (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rich":
            found.append(f"from {node.module} import (line {node.lineno})")
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in RICH_BUILDERS:
                found.append(f"{name}(...) (line {node.lineno})")
    return found


def test_the_checker_finds_each_kind_of_view_code():
    sample = ("from rich.table import Table\nimport rich.text\n\ndef _run_view(r):\n"
              "    return Table(title=r)\n\ndef run(x):\n    return rich.text.Text(x)\n")
    assert view_code_in(sample) == ["from rich.table import (line 1)", "import rich (line 2)",
                                    "def _run_view (line 4)", "Table(...) (line 5)", "Text(...) (line 8)"]
    assert view_code_in("def run(x):\n    return output(x, False, run_view)\n") == []


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_cli_module_holds_no_view_code(path):
    assert view_code_in(path.read_text(encoding="utf-8")) == []


def cli_imports_in(source: str) -> list[str]:
    """The imports of protolab.cli in a module's source (render/ sits below the cli: no arrow up)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        found += [f"{name} (line {node.lineno})" for name in names if name.split(".")[:2] == ["protolab", "cli"]]
    return found


def test_render_modules_never_import_the_cli():
    import protolab.render

    assert cli_imports_in("import os\nfrom protolab.cli.common import output\n") == [
        "protolab.cli.common (line 2)"]
    for path in sorted(Path(protolab.render.__file__).parent.glob("*.py")):
        assert cli_imports_in(path.read_text(encoding="utf-8")) == [], path.name


def test_every_lab_has_its_render_module():
    import importlib

    for lab, view in (("beacon", "build_view"), ("tls", "walk_view"), ("replicate", "run_view"), ("ha", "spof_view"),
                      ("pcap", "summary_view"), ("tour", "tour_view")):
        assert callable(getattr(importlib.import_module(f"protolab.render.{lab}"), view))


def printed(rendered) -> str:
    """What the CLI prints for a view's renderables (piped stdout, as under CliRunner)."""
    from protolab.render.console import print_renderables

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_renderables(rendered)
    return out.getvalue()


def test_ha_sessions_view_of_the_core_result_is_the_command_output(cli):
    from protolab.ha.sessions import SessionsSpec, simulate_sessions
    from protolab.render.ha import sessions_view

    args = ["--strategy", "shared-store", "--servers", "4", "--users", "120", "--fail", "server-2 at 30s",
            "--seed", "3"]
    command = cli("ha", "sessions", *args)
    assert command.exit_code == 0, command.output
    result = simulate_sessions(SessionsSpec(strategy="shared-store", servers=4, users=120, lb=None, balancers=2,
                                            fail="server-2 at 30s", dns_ttl=60.0, stale_resolvers=0.05,
                                            duration=120.0, seed=3))
    text = printed(sessions_view(result))
    assert text == command.stdout
    assert text.startswith("shared-store sessions, round-robin balancing, 4 servers") and "requests per server" in text


def test_beacon_build_view_of_the_core_result_is_the_command_output(cli):
    from protolab.render.beacon import build_view
    from protolab.wifi.spec import BeaconSpec, resolve
    from protolab.wifi.train import build_and_show

    command = cli("beacon", "build", "--ssid", "lab", "--count", "4", "--frame", "2")
    assert command.exit_code == 0, command.output
    result = build_and_show(resolve(BeaconSpec(ssid=b"lab", count=4)), 2)
    text = printed(build_view(result, show_hex=True))
    assert text == command.stdout
    assert text.startswith("built 4 beacon(s) (no -o: not written)\nframe 2: beacon from ") and "SSID lab" in text
    assert "802.11 frame bytes" in text and "802.11 frame bytes" not in printed(build_view(result, show_hex=False))
