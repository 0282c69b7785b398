"""The conventions every command shares: help, exit codes, JSON, colour, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from protolab.cli.app import GROUPS as APP_GROUPS
from protolab.tour import StopReport, TourStop

GROUPS = ["beacon", "tls", "replicate", "pcap", "ha"]


def test_root_help_lists_groups_and_tour(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in GROUPS + ["tour"]:
        assert f"  {name} " in result.stdout


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_has_help_with_one_sentence(cli, group):
    result = cli(group, "--help")
    assert result.exit_code == 0
    assert f"Usage: protolab {group}" in result.stdout
    # The group's one-sentence help is shown.
    assert len(result.stdout.split("Options:")[0].split("\n\n")[1].strip()) > 30


@pytest.mark.parametrize("name", sorted(APP_GROUPS))
def test_every_group_help_has_an_example_and_the_root_help_only_the_first_sentence(cli, name):
    r = cli(name, "--help")
    assert r.exit_code == 0 and "Example: protolab " + name in " ".join(r.stdout.split())
    assert "Example: protolab " + name not in " ".join(cli("--help").stdout.split())


def test_group_without_command_shows_help(cli):
    result = cli("tls")
    assert result.exit_code == 0
    assert "Usage: protolab tls" in result.stdout


def test_version(cli):
    from protolab import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"protolab {__version__}"


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, "-m", "protolab", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert "tour" in proc.stdout


def test_help_does_not_import_scapy_or_cryptography():
    code = ("import sys\nfrom protolab.cli.app import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "try:\n    app(['tls', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('scapy', 'cryptography.hazmat.bindings._rust') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["pcap", "nope"], ["tour", "--only"], ["tour", "--only", "zz"]])
def test_bad_arguments_give_one_line_exit_2(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr + result.stdout


def _stop(name: str, ok: bool) -> TourStop:
    return TourStop(name, f"{name} stop", lambda: StopReport(name, f"{name} stop", [f"{name} showed x"], ok=ok))


def test_tour_exit_codes_and_json(cli, monkeypatch):
    import protolab.cli.tour as tour_cli

    monkeypatch.setattr("protolab.tour.registered_stops", lambda: [_stop("good", True)])
    result = cli("tour", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["stops"][0]["lines"] == ["good showed x"]

    monkeypatch.setattr("protolab.tour.registered_stops", lambda: [_stop("good", True), _stop("bad", False)])
    result = cli("tour", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False  # the result is still printed, only as JSON
    assert result.stderr.strip().splitlines() == ["error: tour stop(s) failed their checks: bad"]
    assert tour_cli is not None


def test_real_tour_runs_every_registered_stop(cli):
    from protolab.tour import registered_stops

    result = cli("tour", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["stops"]] == [s.name for s in registered_stops()]
    assert all(s["lines"] for s in data["stops"])


def test_internal_errors_are_one_line_and_debug_shows_traceback(cli, monkeypatch):
    def boom():
        raise RuntimeError("kaboom")

    monkeypatch.setattr("protolab.tour.registered_stops", boom)
    result = cli("tour")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: internal error: RuntimeError: kaboom")
    assert "Traceback" not in result.stderr
    result = cli("--debug", "tour")
    assert "Traceback" in result.stderr


ANSI = "\x1b["


def test_no_color_and_piped_output_have_no_escape_codes(monkeypatch):
    monkeypatch.setattr("protolab.tour.registered_stops", lambda: [_stop("good", True)])
    env = dict(os.environ, NO_COLOR="1")
    for extra_env in (env, dict(os.environ)):
        proc = subprocess.run([sys.executable, "-m", "protolab", "tour", "--only", "nope"], capture_output=True,
                              text=True, env=extra_env, timeout=60)
        assert ANSI not in proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "protolab", "tour"], capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)
    assert proc.returncode == 0
    assert ANSI not in proc.stdout


def test_stdout_console_respects_no_color_on_a_tty(monkeypatch):
    from protolab.render import console as console_mod

    monkeypatch.setattr(console_mod, "is_tty", lambda stream=None: True)
    monkeypatch.setenv("NO_COLOR", "1")
    con = console_mod.stdout_console()
    assert con.no_color is True
    monkeypatch.delenv("NO_COLOR")
    assert console_mod.stdout_console().no_color is False


def test_progress_is_silent_when_not_a_tty(capsys):
    from protolab.render.progress import progress

    with progress(100, "reading") as advance:
        advance(50)
        advance(50)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
