"""`replicate run/compare/explain` show what the sync channels measured, and `run --metrics` writes it."""

from __future__ import annotations

import json


def test_run_view_shows_the_channel_measures(cli):
    result = cli("replicate", "run", "quorum-lagging")
    data = json.loads(cli("replicate", "run", "quorum-lagging", "--json").stdout)
    stale = next(m["value"] for m in data["channel"]["measures"] if m["name"] == "stale reads")
    assert "leaderless: stale reads" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if "leaderless: stale reads" in ln)
    assert str(stale) in line


def test_compare_view_has_channel_columns_only_when_a_row_has_them(cli):
    both = cli("replicate", "compare", "channels-compare", "--modes", "async,broker-at-least-once")
    assert both.exit_code == 0, both.stderr
    header = next(ln for ln in both.stdout.splitlines() if " mode " in ln)
    assert "dups" in header and "div" in header
    data = json.loads(cli("replicate", "compare", "channels-compare", "--modes", "async,broker-at-least-once",
                          "--json").stdout)
    dups = next(r for r in data["rows"] if r["mode"] == "broker-at-least-once")["duplicates_applied"]
    row = next(ln for ln in both.stdout.splitlines() if "broker-at-least-once" in ln)
    assert dups > 0 and row.split("│")[-3].strip() == str(dups)  # the dups column, before stale
    db_only = cli("replicate", "compare", "async-crash", "--modes", "async,sync")
    header = next(ln for ln in db_only.stdout.splitlines() if " mode " in ln)
    assert "dups" not in header and "stale" not in header


def test_explain_lists_the_sync_channels(cli):
    out = cli("replicate", "explain").stdout
    assert "sync channels:" in out and "leaderless" in out and "events" in out


def test_run_metrics_writes_openmetrics(cli, tmp_path):
    path = tmp_path / "m.txt"
    result = cli("replicate", "run", "async-crash", "--metrics", str(path))
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert "# TYPE protolab_availability gauge" in text
    assert 'mode="async"' in text and 'scenario="async-crash"' in text
    bad = cli("replicate", "run", "async-crash", "--metrics", str(tmp_path / "nope" / "m.txt"))
    assert bad.exit_code == 2 and bad.stderr.startswith("error: cannot write")
