"""The README's reference tables are made from the schema declarations and are current; every declared
option is an option of its command, with the declared help text."""

from __future__ import annotations

import re

import pytest

from protolab import reference, schema
from protolab.errors import BadInput
from tests.conftest import REPO

README = REPO / "README.md"


def test_readme_reference_tables_are_current():
    text = README.read_text(encoding="utf-8")
    assert reference.fill(text) == text, "run: python -m protolab.reference README.md"


def test_each_table_lists_every_declared_key():
    from protolab.ha.topology import TABLES
    from protolab.replication.scenario import Scenario
    from protolab.wifi.spec import BeaconSpec

    tables = reference.tables()
    text = README.read_text(encoding="utf-8")
    for name, cls, keys in [
        ("scenario-fields", Scenario, ["`[sentinel].down_after`", "`[[client]].reads`", "`[network].latency`"]),
        ("beacon-fields", BeaconSpec, ["`beacon_interval`", "`wmm_ac`"]),
        ("topology-fields", None, ["`service`", "`[[group]].of`", "`[[domain]].kind`"]),
    ]:
        rows = tables[name].splitlines()[2:]
        assert all(any(row.startswith(f"| {k} |") for row in rows) for k in keys)
        assert f"<!-- generated:{name} -->\n{tables[name]}<!-- /generated:{name} -->" in text
        if cls is not None:
            assert len(rows) >= len(schema.declared(cls))
    assert sum(len(t.fields) for t in TABLES) + 3 == len(tables["topology-fields"].splitlines()) - 2


def test_a_stale_table_is_filled_in_again_and_missing_markers_are_an_error():
    text = README.read_text(encoding="utf-8")
    stale = re.sub(r"(\| `\[sentinel\]\.count` \| whole number \| )3", r"\g<1>4", text)
    assert stale != text and reference.fill(stale) == text
    with pytest.raises(BadInput, match="generated:beacon-fields"):
        reference.fill(text.replace("<!-- generated:beacon-fields -->", ""))


def test_a_beacon_spec_row_shows_its_option_and_hostapd_key():
    row = next(r for r in reference.tables()["beacon-fields"].splitlines() if r.startswith("| `beacon_interval` |"))
    assert row == ("| `beacon_interval` | whole number | 100 | 1..65535 | `--interval` | `beacon_int` "
                   "| Beacon interval in TU (1 TU = 1024 us). |")


@pytest.mark.parametrize("command, cls_path", [
    (("beacon", "build"), "protolab.wifi.spec:BeaconSpec"),
    (("replicate", "run"), "protolab.replication.scenario:Scenario"),
    (("replicate", "chaos"), "protolab.cli.chaos_settings:ChaosSettings"),
])
def test_every_declared_option_is_in_its_commands_help(cli, command, cls_path):
    import importlib

    module, name = cls_path.split(":")
    cls = getattr(importlib.import_module(module), name)
    def squeezed(text: str) -> str:  # help lines are wrapped, at spaces and after hyphens
        return "".join(text.split())

    help_text = squeezed(cli(*command, "--help").stdout)
    options = schema.flags(cls)
    assert options
    for opt in options:
        assert squeezed(opt.flag.names.replace("/", " / ")) in help_text
        assert squeezed(opt.flag.help or opt.field.help) in help_text
