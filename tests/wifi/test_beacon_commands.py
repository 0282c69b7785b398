"""The beacon commands through the CLI: outputs, JSON, exit codes, explain, send, the tour stop."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "captures" / "beacon"


def test_build_writes_pcap_and_shows_tree(cli, tmp_path):
    out = tmp_path / "b.pcap"
    r = cli("beacon", "build", "--ssid", "lab", "--band", "5", "--channel", "100", "--vht", "--width", "80",
            "--security", "wpa3-personal", "--count", "5", "--buffered-aid", "9", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "built 5 beacon(s)" in r.stdout and "[security]" in r.stdout and "[power save]" in r.stdout
    assert "802.11 frame bytes" in r.stdout  # the annotated hex dump
    r = cli("beacon", "survey", str(out), "--json")
    (net,) = json.loads(r.stdout)["networks"]
    assert (net["ssid"], net["channel"], net["beacons"], net["enc"], net["auth"], net["mfp"], net["phy"],
            net["width_mhz"]) == ("lab", 100, 5, "WPA3", "SAE", "required", "ac", 80)
    assert net["measured_tu"] == 100.0
    wide = tmp_path / "160.pcap"
    cli("beacon", "build", "--band", "5", "--channel", "100", "--vht", "--width", "160", "-o", str(wide))
    (net,) = json.loads(cli("beacon", "survey", str(wide), "--json").stdout)["networks"]
    assert (net["phy"], net["width_mhz"]) == ("ac", 160)  # VHT operation width 1 with CCFS1 set


def test_build_json_and_hostapd(cli, tmp_path):
    conf = tmp_path / "hostapd.conf"
    conf.write_text("ssid=home\nhw_mode=g\nchannel=11\nwpa=2\nwpa_key_mgmt=WPA-EAP\nieee80211n=1\n")
    r = cli("beacon", "build", "--hostapd", str(conf), "--json", "--country", "NZ")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["spec"]["security"] == "wpa2-enterprise" and data["spec"]["country"] == "NZ"
    names = [e["name"] for e in data["beacon"]["elements"]]
    assert names[:3] == ["SSID", "Supported Rates", "DS Parameter Set"] and "Country" in names and "RSN" in names


def test_build_rates_country_triplets_and_wmm_options(cli):
    r = cli("beacon", "build", "--band", "2.4", "--channel", "3", "--rates", "1,2,5.5,11", "--basic-rates", "2,11",
            "--country", "US", "--country-triplet", "1,6,27", "--country-triplet", "7,5,20",
            "--wmm-ac", "vi:txop=0,acm=1", "--wmm-ac", "vo:aifsn=3", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    elements = {e["name"]: {f["name"]: f["value"] for f in e["fields"]} for e in data["beacon"]["elements"]}
    assert elements["Supported Rates"]["rates"] == [0x02, 0x84, 0x0B, 0x96]
    assert "Extended Supported Rates" not in elements and "ERP" not in elements  # 11b only: no ERP, no ext rates
    assert [list(d.values()) for d in elements["Country"]["descriptors"]] == [[1, 6, 27], [7, 5, 20]]
    acs = {a["aci"]: a for a in elements["WMM"]["ac_parameters"]}
    # an 11b-only BSS gets the DSSS defaults (CWmin 31: exponent 5) under the overrides
    assert (acs[0]["ecw_min"], acs[2]["txop_limit"], acs[2]["acm"], acs[3]["aifsn"], acs[3]["txop_limit"]) == (
        5, 0, 1, 3, 102)
    assert {f["name"]: f["value"] for f in data["beacon"]["radio"]}["rate"] == 2.0  # the lowest basic rate
    assert data["spec"]["wmm_ac"] == {"vi": {"txop": 0, "acm": 1}, "vo": {"aifsn": 3}}


@pytest.mark.parametrize("args, message", [
    (("build", "--band", "5", "--channel", "7"), "channel 7 is not a 5 GHz channel"),
    (("build", "--security", "wpa9"), "unknown security profile"),
    (("build", "--bss-load", "1,2"), "--bss-load"),
    (("build", "-o", "/nonexistent/dir/b.pcap"), "cannot write /nonexistent/dir/b.pcap: no such file or directory"),
    (("build", "--mobility-domain", "a1b2c3"), "--mobility-domain is 2 bytes"),
    (("build", "--power-constraint", "300"), "the power constraint (dB) must be 0..255"),
    (("build", "--dtim-period", "3", "--dtim-count", "3"), "DTIM count of the first beacon must be 0..2"),
    (("build", "--band", "6", "--channel", "5", "--rates", "1,6"), "only in 2.4 GHz"),
    (("build", "--rates", "6,7"), "not an 802.11b/a/g rate"),
    (("build", "--wmm-ac", "vo:aifsn=1"), "aifsn 2..15"),
    (("build", "--wmm-ac", "vo"), "--wmm-ac wants"),
    (("build", "--country-triplet", "1,13,20"), "need a country code"),
    (("dissect", "/nonexistent.pcap"), "no such file"),
    (("survey", str(REPO / "README.md")), "not a pcap or pcapng capture"),
    (("build", "--spec", "/nonexistent.toml"), "--spec /nonexistent.toml: no such file"),
    (("build", "--hostapd", str(SAMPLES)), "is a directory"),
    (("dissect", str(SAMPLES / "train-dtim3.pcap"), "--frame", "99"), "frame 99"),
    (("explain", "nonsense"), "unknown topic"),
    (("send", "--iface", "no-such-if0"), "no such network interface"),
    (("send", "--iface", "lo", "--interval", "-1"), "--interval must be 0..3600"),
    (("send", "--iface", "lo", "--interval", "nan"), "--interval must be 0..3600"),
])
def test_bad_input_is_one_line_exit_2(cli, args, message):
    r = cli("beacon", *args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and message in r.stderr
    assert "Traceback" not in r.output


def test_send_needs_root(cli, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    r = cli("beacon", "send", "--iface", "lo")
    assert r.exit_code == 2 and r.stderr == ("error: beacon send needs root (raw packet sockets); run it with sudo "
                                             "or CAP_NET_RAW\n")


def test_dissect_one_frame_with_hex(cli):
    r = cli("beacon", "dissect", str(SAMPLES / "train-dtim3.pcap"), "--frame", "3", "--hex")
    assert r.exit_code == 0, r.output
    assert "frame 3: beacon from" in r.stdout and "TIM (id 5" in r.stdout and "0000  80 00 00 00" in r.stdout
    r = cli("beacon", "dissect", str(SAMPLES / "hidden-and-gbk-ssid.pcap"), "--json", "--limit", "1")
    (b,) = json.loads(r.stdout)["beacons"]
    assert b["elements"][0]["fields"][0]["shown"] == "\\xb2\\xe2\\xca\\xd4"
    assert {f["name"]: f["shown"] for f in b["fixed"]}["beacon interval"] == "100 TU = 102.4 ms"


def test_dissect_says_what_values_mean(cli):
    r = cli("beacon", "dissect", str(SAMPLES / "train-dtim3.pcap"), "--frame", "4", "--json")
    (b,) = json.loads(r.stdout)["beacons"]
    tim = {f["name"]: f for f in next(e for e in b["elements"] if e["id"] == 5)["fields"]}
    assert tim["buffered AIDs"]["value"] == [1, 5, 12] and tim["DTIM beacon"]["value"] is True
    assert tim["buffered AIDs"]["role"] == "power save"
    r = cli("beacon", "dissect", str(SAMPLES / "g-only-custom-wmm.pcap"), "--json")
    (b,) = json.loads(r.stdout)["beacons"]
    fields = {f["name"]: f for e in b["elements"] for f in e["fields"]}
    assert fields["AC_VO voice"]["shown"] == "AIFSN 2, CWmin 3, CWmax 7, TXOP 1504 us, admission control"
    assert fields["AC_BE best effort"]["value"]["cwmax"] == 63
    assert fields["code"]["shown"] == "DE (any environment)"
    assert fields["basic rates"]["value"] == [6.0, 12.0, 24.0]
    r = cli("beacon", "dissect", str(SAMPLES / "profile-wpa3-transition.pcap"), "--frame", "1", "--json")
    fields = {f["name"]: f for e in json.loads(r.stdout)["beacons"][0]["elements"] for f in e["fields"]}
    assert fields["summary"]["shown"] == ("join with PSK or SAE, unicast CCMP-128, group CCMP-128, "
                                          "management frame protection capable")
    r = cli("beacon", "dissect", str(SAMPLES / "band-5ghz-vht80.pcap"), "--json")
    fields = {f["name"]: f for e in json.loads(r.stdout)["beacons"][0]["elements"] for f in e["fields"]}
    assert fields["operating width"]["shown"] == "80 MHz centred on channel 106"
    supports = [f["shown"] for e in json.loads(r.stdout)["beacons"][0]["elements"] for f in e["fields"]
                if f["name"] == "supports"]
    assert supports[1] == "2 spatial stream(s) up to MCS 9, channels up to 80 MHz"  # VHT: the built MCS map 0xfffa
    assert supports[0].startswith("2 spatial stream(s) (MCS 0-15), 20/40 MHz")  # HT
    assert fields["secondary channel"]["shown"] == "above the primary channel (40 MHz)"
    r = cli("beacon", "dissect", str(SAMPLES / "band-6ghz-he160.pcap"), "--json")
    fields = {f["name"]: f for e in json.loads(r.stdout)["beacons"][0]["elements"] for f in e["fields"]}
    assert fields["6 GHz channel"]["value"] == [37, 160] and fields["6 GHz channel"]["role"] == "discovery"


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_dissect_limit_below_1_is_refused(cli, limit):
    from protolab.wifi.dissect import dissect_file

    sample = SAMPLES / "train-dtim3.pcap"
    result = cli("beacon", "dissect", str(sample), "--limit", limit)
    assert result.exit_code == 2 and result.stderr.strip() == f"error: --limit must be 1 or more, not {limit}"
    assert len(dissect_file(sample, limit=2).beacons) == 2


def test_survey_csv_sort_and_each(cli):
    r = cli("beacon", "survey", str(SAMPLES / "profile-wpa.pcap"), "--csv")
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("bssid,ssid,ssid_hex,channel") and ",WPA,TKIP,PSK,no," in lines[1]
    import csv
    import io

    r = cli("beacon", "survey", str(SAMPLES / "profile-wpa.pcap"), "--csv", "--each")
    row = next(csv.DictReader(io.StringIO(r.stdout)))
    assert json.loads(row["wpa"]) == {"version": 1, "group": 2, "pairwise": [2], "akms": [2]}
    assert json.loads(row["elements"])[:4] == [0, 1, 3, 5] and row["rsn"] == ""
    r = cli("beacon", "survey", str(SAMPLES / "train-dtim3.pcap"), "--json", "--each", "--sort", "bssid")
    rows = json.loads(r.stdout)["rows"]
    assert [row["dtim_count"] for row in rows] == [0, 2, 1] * 4
    assert all(b["tsf"] - a["tsf"] == 102400 for a, b in zip(rows, rows[1:], strict=False))


def test_survey_refuses_two_output_formats(cli):
    r = cli("beacon", "survey", str(SAMPLES / "train-dtim3.pcap"), "--csv", "--json")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("error: --csv and --json")


def test_survey_table_and_narrow_view_show_names_literally(cli, tmp_path):
    out = tmp_path / "odd.pcap"
    r = cli("beacon", "build", "--ssid", "[red]ap:cd:", "--bssid", "1e:cd:3c:62:3c:48", "--count", "3", "-o", str(out))
    assert r.exit_code == 0, r.output
    wide = cli("beacon", "survey", str(out), env={"COLUMNS": "160"}).stdout
    narrow = cli("beacon", "survey", str(out), env={"COLUMNS": "80"}).stdout
    for text in (wide, narrow):
        assert "1e:cd:3c:62:3c:48" in text and "[red]ap:cd:" in text  # no emoji, no markup
    assert "PWR avg" in wide and max(map(len, wide.splitlines()[:-1])) <= 122
    for text in (wide, narrow):  # every column says which of the six reasons it serves
        assert "roles: discovery BSSID / SSID CH GHz # seen" in text and "security ENC CIPHER AUTH MFP" in text
    data = json.loads(cli("beacon", "survey", str(out), "--json").stdout)
    assert set(data["column_roles"]) == set(data["networks"][0])
    hexdump = cli("beacon", "dissect", str(out), "--frame", "1", "--hex").stdout
    assert "1e:cd:3c:62:3c:48 (discovery)" in hexdump and "[red]ap:cd: (discovery)" in hexdump
    assert "TIM" in hexdump and "(power save)" in hexdump  # every span of the legend says its role
    assert "ENC WPA2  CIPHER CCMP  AUTH PSK" in narrow and max(map(len, narrow.splitlines()[1:])) <= 80


def test_survey_of_a_capture_without_beacons(cli, shared):
    dmg = str(shared("wifi/captures") / "aircrack__80211ad_beacon.pcap")
    r = cli("beacon", "survey", dmg)
    assert r.exit_code == 0 and "no beacons in 1 frame(s) (not beacons: dmg-beacon 1)" in r.stdout
    r = cli("beacon", "survey", dmg, "--csv")
    assert r.stdout.startswith("bssid,ssid,ssid_hex,channel,") and r.stdout.count("\n") == 1  # header only


def test_survey_of_a_beacon_flood_draws_the_first_ones(cli, tmp_path, monkeypatch):
    import protolab.render.beacon as beacon_render
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.build import build_train
    from protolab.wifi.spec import BeaconSpec

    assert beacon_render.SURVEY_MAX_SHOWN == 100
    monkeypatch.setattr(beacon_render, "SURVEY_MAX_SHOWN", 5)  # the same logic as 100 of 100,000, drawn quicker
    b = build_train(BeaconSpec(ssid=b"flood"))[0]
    path, rt = tmp_path / "flood.pcap", b.radiotap_len
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as w:
        for i in range(8):  # 8 BSSIDs, one beacon each (mdk3 style)
            mac = bytes([2, 0, 0, 0, 0, i])
            w.write(b.frame[:rt + 10] + mac + mac + b.frame[rt + 22:], i * 1000)
    for columns in ("160", "80"):
        text = cli("beacon", "survey", str(path), env={"COLUMNS": columns}).stdout
        assert "8 beacons from 8 BSS(s)" in text and "... and 3 more BSS(s)" in text
        assert "02:00:00:00:00:04" in text and "02:00:00:00:00:05" not in text  # sorted by BSSID at equal signal
    assert len(json.loads(cli("beacon", "survey", str(path), "--json").stdout)["networks"]) == 8


def test_explain_topics(cli):
    r = cli("beacon", "explain", "--json")
    overview = json.loads(r.stdout)
    assert [row["role"] for row in overview["rows"]] == ["discovery", "time sync", "power save", "compatibility",
                                                        "security", "roaming"]
    assert "Shown on: timestamp, beacon interval, CF Parameter Set: cfp_count" in overview["rows"][1]["meaning"]
    r = cli("beacon", "explain", "time-sync", "--json")
    rows = {row["name"]: row for row in json.loads(r.stdout)["rows"]}
    assert rows["timestamp"]["role"] == "time sync" and "DTIMs until" in rows["CF Parameter Set: cfp_count"]["meaning"]
    assert all(row["role"] == "time sync" for row in rows.values())
    r = cli("beacon", "explain", "power-save", "--json")
    ps = json.loads(r.stdout)
    woke = [s["beacon"] for s in ps["timeline"] if not s["station"].startswith("dozing")]
    assert woke == [0, 2, 3, 4, 6, 8, 9]
    assert any(s["multicast"] and s["dtim_count"] == 0 for s in ps["timeline"])
    names = {row["name"] for row in ps["rows"]}
    assert {"TIM", "capability bit 11: APSD", "WMM: uapsd", "HE Capabilities: twt_responder"} <= names
    r = cli("beacon", "explain", "rsn")
    assert r.exit_code == 0 and "RSN (element 48)" in r.stdout and "security" in r.stdout
    r = cli("beacon", "explain", "he-6ghz", "--json")
    assert "extension 59" in json.loads(r.stdout)["title"]


def test_help_has_examples(cli):
    for command in ("build", "dissect", "survey", "explain", "send"):
        r = cli("beacon", command, "--help")
        assert r.exit_code == 0 and ("Example: protolab beacon" in r.stdout or "Example: sudo protolab" in r.stdout)


def test_tour_stop():
    from protolab.wifi.tour import STOP

    started = time.perf_counter()
    report = STOP.run()
    assert report.ok and time.perf_counter() - started < 2
    assert any("DTIM count 0 of 3" in line for line in report.lines)


def test_send_on_veth_and_sniff(cli, tool):
    ip = tool("ip")
    if os.geteuid() != 0:
        pytest.skip("needs root to create a veth pair")
    name = f"plb{uuid.uuid4().hex[:6]}"
    made = subprocess.run([ip, "link", "add", name + "a", "type", "veth", "peer", "name", name + "b"],
                          capture_output=True, text=True)
    if made.returncode != 0:
        if "permitted" in made.stderr.lower() or "permission" in made.stderr.lower():
            pytest.skip(f"cannot create a veth pair here: {made.stderr.strip()}")
        pytest.fail(made.stderr)
    try:
        for end in ("a", "b"):
            subprocess.run([ip, "link", "set", name + end, "up"], check=True)
        from scapy.sendrecv import AsyncSniffer

        from protolab.wifi.build import build_train
        from protolab.wifi.spec import BeaconSpec

        sniffer = AsyncSniffer(iface=name + "b", store=True)
        sniffer.start()
        time.sleep(0.3)
        r = cli("beacon", "send", "--iface", name + "a", "--count", "3", "--interval", "0.01", "--json")
        time.sleep(0.3)
        got = [bytes(p) for p in (sniffer.stop() or [])]
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["sent"] == 3
        want = [b.frame for b in build_train(BeaconSpec(count=3, seed=1))]
        assert [g for g in got if g in want] == want
    finally:
        subprocess.run([ip, "link", "del", name + "a"], capture_output=True)
