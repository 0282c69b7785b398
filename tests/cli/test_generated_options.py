"""Options generated from declarations are worked out when a command is built: `protolab --help` does not
import the models they come from, and a command's own help override wins over the field's."""

from __future__ import annotations

import subprocess
import sys


def test_top_level_help_imports_no_declared_model():
    code = ("import sys\nfrom protolab.cli.app import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('protolab.schema', 'protolab.replication.scenario', "
            "'protolab.wifi.spec', 'protolab.cli.chaos_settings') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in proc.stdout, proc.stdout + proc.stderr


def test_building_a_group_works_the_options_out(cli):
    out = cli("replicate", "run", "--help").stdout
    assert "--replicas" in out and "--down-after" in out and "--svg" in out


def test_compare_offers_only_the_seed_with_its_own_help(cli):
    out = cli("replicate", "compare", "--help").stdout
    assert "--seed" in out and "Random seed." in out and "same seed, same run" not in out
    assert "--replicas" not in out and "--mode " not in out
