"""A pcapng whose if_tsresol was mutated (nanosecond ticks read as seconds: years far beyond 9999) never
raises: pcap info, beacon survey (table, narrow cards, CSV, JSON), dissect and summary print the times
raw, with one warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protolab.capture.reader import open_capture
from protolab.capture.timestamps import FIRST_SECOND, LAST_SECOND, OUT_OF_RANGE, clock, in_range, raw, utc_time
from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapngWriter

REPO = Path(__file__).resolve().parents[2]
TRAIN = REPO / "captures" / "beacon" / "train-dtim3.pcap"
TSRESOL_NS = bytes([9, 0, 1, 0, 9])  # option code 9 (if_tsresol), length 1, value 9: nanoseconds


@pytest.fixture(scope="module")
def mutated(tmp_path_factory) -> Path:
    """The sample beacon train as pcapng, its if_tsresol changed from 9 (ns) to 0 (s) after writing."""
    path = tmp_path_factory.mktemp("ts") / "far.pcapng"
    with open_capture(TRAIN) as cap:
        packets = [(p.data, p.timestamp_ns) for p in cap]
    with PcapngWriter(str(path)) as w:
        w.add_interface(LINKTYPE_RADIOTAP, tsresol=9)
        for data, ts in packets:
            w.write(data, ts)
    data = path.read_bytes()
    assert data.count(TSRESOL_NS) == 1
    path.write_bytes(data.replace(TSRESOL_NS, TSRESOL_NS[:4] + b"\0"))
    return path


@pytest.fixture(scope="module")
def first_ns(mutated) -> int:
    with open_capture(mutated) as cap:
        ns = next(iter(cap)).timestamp_ns
    assert not in_range(ns) and ns // 10**9 > LAST_SECOND  # what the mutation did: far past the year 9999
    return ns


def test_pcap_info_prints_the_raw_times_with_a_warning(cli, mutated, first_ns):
    r = cli("pcap", "info", str(mutated))
    assert r.exit_code == 0, r.output
    lines = dict(line.split(":", 1) for line in r.stdout.splitlines() if ":" in line)
    assert lines["First packet time"].strip() == f"{first_ns} ns since 1970"
    assert lines["warning"].strip() == OUT_OF_RANGE


def test_pcap_info_json_keeps_the_raw_values_and_the_warning(cli, mutated, first_ns):
    r = cli("pcap", "info", str(mutated), "--json")
    assert r.exit_code == 0
    (info,) = json.loads(r.stdout)
    assert (info["first_time"], info["first_ns"]) == (None, first_ns)
    assert info["warnings"] == [OUT_OF_RANGE]
    assert r.stderr == f"warning: {mutated}: {OUT_OF_RANGE}\n"


@pytest.mark.parametrize("columns", ["120", "80"], ids=["table", "cards"])
def test_survey_views_show_raw_seconds_with_a_warning(cli, mutated, first_ns, columns):
    r = cli("beacon", "survey", str(mutated), env={"COLUMNS": columns})
    assert r.exit_code == 0, r.output
    assert clock(first_ns) == "1.70e+18 s" and "1.70e+18 s" in r.stdout
    assert r.stderr == f"warning: {mutated}: {OUT_OF_RANGE}\n"


def test_survey_csv_and_json_carry_the_raw_nanoseconds(cli, mutated, first_ns):
    r = cli("beacon", "survey", str(mutated), "--csv")
    assert r.exit_code == 0 and str(first_ns) in r.stdout.splitlines()[1].split(",")
    assert r.stderr == f"warning: {mutated}: {OUT_OF_RANGE}\n"
    r = cli("beacon", "survey", str(mutated), "--json")
    data = json.loads(r.stdout)
    assert data["networks"][0]["first_seen_ns"] == first_ns and data["warnings"] == [OUT_OF_RANGE]


@pytest.mark.parametrize("argv", [["beacon", "dissect", "{}", "--limit", "1"], ["beacon", "dissect", "{}", "--json"],
                                  ["pcap", "summary", "{}"], ["pcap", "summary", "{}", "--json"]])
def test_other_views_of_the_capture_do_not_raise(cli, mutated, argv):
    r = cli(*[str(mutated) if a == "{}" else a for a in argv])
    assert r.exit_code == 0 and "error" not in r.stderr, r.output


def test_the_range_is_the_years_1_to_9999():
    assert in_range(None) and in_range(0) and in_range(-1)
    assert in_range(LAST_SECOND * 10**9 + 999_999_999) and not in_range((LAST_SECOND + 1) * 10**9)
    assert in_range(FIRST_SECOND * 10**9) and not in_range(FIRST_SECOND * 10**9 - 1)
    assert utc_time(LAST_SECOND * 10**9, 3) == "9999-12-31 23:59:59.000Z"
    assert utc_time(FIRST_SECOND * 10**9, 0, "") == "0001-01-01 00:00:00"
    assert utc_time((LAST_SECOND + 1) * 10**9) is None and utc_time(-(10**40)) is None
    assert clock(1_700_000_000 * 10**9) == "22:13:20"
    assert clock(10**400) == "1.00e+391 s" and clock(-(10**30)) == "-1.00e+21 s"
    assert raw(-5) == "-5 ns since 1970"
