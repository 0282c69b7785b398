"""Non-finite or oversized loads are refused by `replicate run`, from flags or from a scenario file: one error
line and exit 2."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args", [
    ("--mode", "async", "--rate", "nan", "--writes", "3"),
    ("--mode", "async", "--rate", "inf", "--writes", "3"),
    ("--mode", "async", "--writes", "100000000", "--rate", "1000000000"),
])
def test_nan_inf_and_oversized_loads_exit_2(cli, args):
    r = cli("replicate", "run", *args)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("error:")
    assert "finite" in r.stderr or "at most 10,000,000" in r.stderr


@pytest.mark.parametrize("body", ['[[client]]\nname = "c1"\nrate = nan\nwrites = 3\n', "duration = nan\n",
                                  "[network]\nlatency = nan\n", '[[client]]\nname = "c1"\ntimeout = inf\n'])
def test_nan_in_a_scenario_file_exits_2(cli, tmp_path, body):
    path = tmp_path / "nan.toml"
    path.write_text('mode = "async"\n' + body)
    r = cli("replicate", "run", str(path))
    assert r.exit_code == 2 and "finite" in r.stderr and r.stderr.count("\n") == 1
