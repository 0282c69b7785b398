"""Running one `replicate run --json` in-process, shared by the replication tests."""

from __future__ import annotations

import json


def run_json(cli, *args: str) -> dict:
    r = cli("replicate", "run", *args, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def async_timeline(cli, *args: str) -> list[dict]:
    """The timeline of an async run of 300 writes with `args` added."""
    return run_json(cli, "--mode", "async", "--writes", "300", *args)["timeline"]
