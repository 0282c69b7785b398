"""`protolab pcap info / summary` through the CLI, against capinfos and tshark."""

from __future__ import annotations

import json
import re
import subprocess

import pytest


def capinfos_table(capinfos: str, path) -> dict[str, str]:
    out = subprocess.run([capinfos, "-T", "-M", "-r", "-c", "-d", "-u", "-a", "-e", "-o", "-E", "-s", str(path)],
                         capture_output=True, text=True).stdout
    names = ["file", "encapsulation", "packets", "size", "duration", "first", "last", "sorted", "data"]
    return dict(zip(names, out.strip().split("\t"), strict=False))


TLS = ["tls/openssl/tls12-rsa-ems.pcap", "tls/openssl/tls12-rsa-noems.pcap", "tls/openssl/tls12-ecdhe.pcap",
       "tls/openssl/tls13.pcap", "tls/illustrated-tls12/captures/capture.pcap",
       "tls/illustrated-tls13/captures/capture.pcap"]


def test_info_agrees_with_capinfos(cli, tool, shared):
    capinfos = tool("capinfos")
    wifi = sorted(shared("wifi/captures").glob("*.*ap"))
    wifi.sort(key=lambda p: p.name != "aircrack__pmkid-not-recognized.cap")
    paths = wifi + [shared(name) for name in TLS]
    result = cli("pcap", "info", "--json", *map(str, paths))
    assert result.exit_code == 0, result.stderr
    infos = json.loads(result.stdout)
    for path, info in zip(paths, infos, strict=True):
        assert info["path"] == str(path)
        out = subprocess.run([capinfos, "-M", "-c", "-d", "-u", "-a", "-e", "-o", "-S", "-s", str(path)],
                             capture_output=True, text=True).stdout
        fields = dict(re.findall(r"^([^:\n]+):\s+(.*)$", out, re.M))
        assert info["packets"] == int(fields["Number of packets"]), path.name
        assert info["data_bytes"] == int(fields["Data size"].split()[0]), path.name
        assert info["file_size"] == int(fields["File size"].split()[0]), path.name
        assert f"{info['duration_s']:.6f}" == fields["Capture duration"].split()[0], path.name
        assert f"{info['first_ns'] / 1e9:.6f}" == fields["First packet time"], path.name
        assert f"{info['last_ns'] / 1e9:.6f}" == fields["Last packet time"], path.name
        assert info["in_order"] == (fields["Strict time order"] == "True"), path.name
    assert len(infos) == 18
    pmkid = infos[0]
    assert len(pmkid["warnings"]) == 1 and "cut short" in pmkid["warnings"][0]
    assert "cut short" in result.stderr


def test_info_view_and_errors(cli, shared, tmp_path):
    path = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    result = cli("pcap", "info", str(path))
    assert result.exit_code == 0
    lines = dict(re.findall(r"^([^:\n]+:)\s+(.*)$", result.stdout, re.M))
    assert lines["Number of packets:"] == "20056"
    assert lines["File encapsulation:"].startswith("ieee-802-11 (IEEE 802.11 Wireless LAN, link type 105)")
    assert lines["Capture duration:"] == "380.541266 seconds"           # capinfos' names, units and digits
    assert lines["First packet time:"] == "2022-07-27 15:55:14.945169 UTC"
    assert lines["Data bit rate:"] == "23370.84 bits/sec"
    assert lines["Interface #0:"].endswith("capture length 65535, 20056 packets")
    assert result.stdout.count("cut short") == 1 and result.stderr == ""
    bad = tmp_path / "notes.txt"
    bad.write_text("not a capture\n")
    result = cli("pcap", "info", str(bad))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not a pcap or pcapng capture" in result.stderr
    result = cli("pcap", "info", str(path), str(bad))      # the good file is shown, then exit 2
    assert result.exit_code == 2 and "Number of packets:            20056" in result.stdout
    assert result.stderr.count("\n") == 1 and "not a pcap" in result.stderr
    result = cli("pcap", "summary", str(tmp_path / "missing.pcap"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = cli("pcap", "info", "--help")
    assert result.exit_code == 0 and "Example:" in result.stdout


def test_info_interfaces_of_several_sections(cli, tool, shared, tmp_path):
    """Three pcapng sections (editcap/mergecap outputs one after another): each interface is shown with its
    section and its id in it, with the packets tshark gives that (frame.section_number, frame.interface_id)."""
    editcap, mergecap = tool("editcap"), tool("mergecap")
    eth, prism = shared("tls/openssl/tls13.pcap"), shared("wifi/captures/aircrack__wpa.cap")
    parts = [tmp_path / "a.pcapng", tmp_path / "m.pcapng", tmp_path / "b.pcapng"]
    subprocess.run([editcap, "-F", "pcapng", str(eth), str(parts[0])], check=True, capture_output=True)
    subprocess.run([mergecap, "-F", "pcapng", "-w", str(parts[1]), str(eth), str(prism)], check=True,
                   capture_output=True)
    subprocess.run([editcap, "-F", "pcapng", str(prism), str(parts[2])], check=True, capture_output=True)
    path = tmp_path / "sections.pcapng"
    path.write_bytes(b"".join(p.read_bytes() for p in parts))
    out = subprocess.run([tool("tshark"), "-r", str(path), "-T", "fields", "-e", "frame.section_number",
                          "-e", "frame.interface_id"], capture_output=True, text=True).stdout
    expected: dict[tuple[int, int], int] = {}
    for line in out.split("\n"):
        if line.strip():
            section, iface = map(int, line.split("\t"))
            expected[section, iface] = expected.get((section, iface), 0) + 1
    result = cli("pcap", "info", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    (info,) = json.loads(result.stdout)
    ours = {(i["section"], i["section_id"]): i["packets"] for i in info["interfaces"]}
    assert ours == expected == {(1, 0): 19, (2, 0): 19, (2, 1): 13, (3, 0): 13}
    assert [i["id"] for i in info["interfaces"]] == [0, 1, 2, 3] and info["sections"] == 3
    view = cli("pcap", "info", str(path)).stdout
    assert "Section 2, interface #1:" in view and "ieee-802-11-prism" in view
    assert "Per packet: ether (38 packets), ieee-802-11-prism (26 packets)" in view


def tshark_stats(tshark: str, path, fields: tuple[str, ...] = ()) -> tuple[list[list[str]], dict, dict]:
    """One tshark run: (field rows, io,phs frame counts, {"tcp": convs, "tls": convs}) where convs is a set
    of (endpoints, frames, bytes)."""
    cmd = [tshark, "-r", str(path), "-z", "io,phs", "-z", "conv,tcp", "-z", "conv,tcp,tls"]
    cmd += ["-T", "fields", *[x for f in fields for x in ("-e", f)]] if fields else ["-q"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    head, _, stats = out.partition("=" * 20)
    rows = [line.split("\t") for line in head.splitlines() if line.strip()] if fields else []
    phs = {m[0]: int(m[1]) for m in re.findall(r"^\s*(\S+)\s+frames:(\d+)", stats, re.M)}
    convs: dict[str, set] = {"tcp": set(), "tls": set()}
    for block in re.split(r"^TCP Conversations$", stats, flags=re.M)[1:]:
        key = "tls" if re.search(r"^Filter:tls$", block, re.M) else "tcp"
        for a, b, frames, size in re.findall(
                r"^(\S+)\s+<-> (\S+)\s+\d+ [\d,]+ \w+\s+\d+ [\d,]+ \w+\s+(\d+) ([\d,]+) \w+", block, re.M):
            convs[key].add((frozenset((a, b)), int(frames), int(size.replace(",", ""))))
    return rows, phs, convs


@pytest.mark.parametrize("name", TLS)
def test_summary_ip_agrees_with_tshark(cli, tool, shared, name):
    tshark = tool("tshark")
    path = shared(name)
    result = cli("pcap", "summary", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    s = json.loads(result.stdout)
    _, phs, convs = tshark_stats(tshark, path)
    assert s["packets"] == phs.get("eth", phs.get("null"))
    ip = s["ip"]
    assert ip["ipv4"] + ip["ipv6"] == phs.get("ip", 0) + phs.get("ipv6", 0)
    assert ip["tcp"] == phs["tcp"]
    def plain(endpoint: str) -> str:   # tshark writes an IPv6 endpoint without brackets: ::1:8443
        return endpoint.replace("[", "").replace("]", "")

    ours = {(frozenset((plain(c["a"]), plain(c["b"]))), c["packets"], c["bytes"]) for c in ip["top_tcp"]}
    assert ours == convs["tcp"] and ours
    assert ip["tls_conversations"] == len(convs["tls"]) == 1


def test_summary_wifi_agrees_with_tshark(cli, tool, shared):
    tshark = tool("tshark")
    for name in ("aircrack__capture_wds-01.cap", "aircrack__wpa2-psk-linksys.cap", "aircrack__wpa.cap"):
        path = shared(f"wifi/captures/{name}")
        result = cli("pcap", "summary", "--json", "--top", "50", str(path))
        assert result.exit_code == 0, result.stderr
        w = json.loads(result.stdout)["wifi"]
        rows, phs, _ = tshark_stats(tshark, path, ("wlan.fc.type_subtype", "wlan.bssid"))
        expected: dict[int, int] = {}
        for row in rows:
            if row[0]:
                expected[int(row[0], 16)] = expected.get(int(row[0], 16), 0) + 1
        assert {t["type_subtype"]: t["count"] for t in w["types"]} == expected, name
        assert w["frames"] == phs["wlan"], name
        assert w["bssids"] == len({row[1] for row in rows if len(row) > 1 and row[1]}), name
        assert w["llc_payloads"].get("eapol", 0) == phs.get("eapol", 0), name


def test_summary_view(cli, shared):
    result = cli("pcap", "summary", str(shared("wifi/captures/thiagosmith__wpa-Induction.pcap")))
    assert result.exit_code == 0
    for text in ("Beacon", "398", "distinct BSSIDs", "2.4 GHz"):
        assert text in result.stdout


def test_tour_stop(cli):
    result = cli("tour", "--only", "pcap", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    stops = report["stops"] if isinstance(report, dict) else report
    (stop,) = [s for s in stops if s["name"] == "pcap"]
    assert stop["ok"] and stop["seconds"] < 1
    assert any("channel 6" in line for line in stop["lines"])
