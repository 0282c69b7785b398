"""`protolab pcap info / summary` through the CLI, against capinfos and tshark."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from protolab.capture.reader import open_capture

TLS = ["tls/openssl/tls12-rsa-ems.pcap", "tls/openssl/tls12-rsa-noems.pcap", "tls/openssl/tls12-ecdhe.pcap",
       "tls/openssl/tls13.pcap", "tls/illustrated-tls12/captures/capture.pcap",
       "tls/illustrated-tls13/captures/capture.pcap"]


def test_info_agrees_with_capinfos(cli, tool, shared, tmp_path):
    capinfos, editcap = tool("capinfos"), tool("editcap")
    wifi = sorted(shared("wifi/captures").glob("*.*ap"))
    wifi.sort(key=lambda p: p.name != "aircrack__pmkid-not-recognized.cap")
    induction = shared("wifi/captures/thiagosmith__wpa-Induction.pcap")
    made = [tmp_path / "induction.pcapng", tmp_path / "induction-ns.pcap", tmp_path / "induction.pcap.gz"]
    subprocess.run([editcap, "-F", "pcapng", str(induction), str(made[0])], check=True, capture_output=True)
    subprocess.run([editcap, "-F", "nsecpcap", str(induction), str(made[1])], check=True, capture_output=True)
    made[2].write_bytes(gzip.compress(induction.read_bytes()))
    paths = wifi + [shared(name) for name in TLS] + made
    result = cli("pcap", "info", "--json", *map(str, paths))
    assert result.exit_code == 0, result.stderr
    infos = json.loads(result.stdout)

    def epoch(ns: int, digits: int) -> str:
        return f"{ns // 10**9}.{ns % 10**9:09d}"[:11 + digits]

    for path, info in zip(paths, infos, strict=True):
        assert info["path"] == str(path)
        out = subprocess.run([capinfos, "-M", "-c", "-d", "-u", "-a", "-e", "-o", "-S", "-s", "-E", "-t", str(path)],
                             capture_output=True, text=True).stdout
        fields = dict(re.findall(r"^([^:\n]+):\s+(.*)$", out, re.M))
        digits = info["precision_digits"]
        assert info["packets"] == int(fields["Number of packets"]), path.name
        assert info["data_bytes"] == int(fields["Data size"].split()[0]), path.name
        assert info["file_size"] == int(fields["File size"].split()[0]), path.name
        assert f"{info['duration_s']:.{digits}f}" == fields["Capture duration"].split()[0], path.name
        assert epoch(info["first_ns"], digits) == fields["First packet time"], path.name
        assert epoch(info["last_ns"], digits) == fields["Last packet time"], path.name
        assert info["in_order"] == (fields["Strict time order"] == "True"), path.name
        assert info["interfaces"][0]["linktype_name"] == fields["File encapsulation"], path.name
        nsec = "nsec" if info["format"] == "pcap" and info["precision"] == "nanoseconds" else ""
        assert fields["File type"].split()[0] == nsec + info["format"], path.name   # pcap, nsecpcap, pcapng
        assert info["compressed"] == ("gzip" in fields["File type"]), path.name
    assert len(infos) == 21 and infos[-2]["precision_digits"] == 9
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


def test_info_on_a_terminal_says_what_the_plain_view_says(cli, shared):
    """On a TTY the view goes through rich (bold labels, yellow warnings); piped it is plain text without
    importing rich. Both must hold the same lines."""
    from protolab.capture.info import capture_info
    from protolab.render.pcap import info_view

    paths = [shared("wifi/captures/aircrack__pmkid-not-recognized.cap"), shared("tls/openssl/tls13.pcap")]
    plain = cli("pcap", "info", *map(str, paths)).stdout
    styled = info_view([capture_info(path) for path in paths])
    assert styled.plain == plain and plain.count("File name:") == 2
    assert any(span.style == "yellow" for span in styled.spans)


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


@dataclass
class Tshark:
    """What one tshark run says about a file: frames, wlan.fc.type_subtype/wlan.bssid per frame, io,phs frame
    counts, and the TCP conversations {"tcp": ..., "tls": ...} as sets of (endpoints, frames, bytes)."""

    frames: int
    rows: list[list[str]]
    phs: dict[str, int]
    convs: dict[str, set]


CONV_ROW = re.compile(r"^(\S+)\s+<-> (\S+)\s+\d+ [\d,]+ \w+\s+\d+ [\d,]+ \w+\s+(\d+) ([\d,]+) \w+", re.M)


def tshark_on_all(tshark: str, mergecap: str, files: list[Path], tmp: Path) -> dict[Path, Tshark]:
    """tshark on every file in as few runs as possible (tshark's start-up is most of its time on small files):
    `mergecap -a -I none` puts files one after another in one pcapng where each keeps interfaces of its own,
    so frame.interface_id says which file a frame came from, and `-z ...,frame.interface_id==k` filters give
    each file's io,phs and conv,tcp tables. mergecap stops at a cut-short file, so each group ends with at
    most one of those."""
    cut, good, ifaces = [], [], {}
    for path in files:
        with open_capture(path) as cap:
            for _ in cap:
                pass
            ifaces[path] = len(cap.interfaces)
            (cut if cap.warnings else good).append(path)
    groups = [good + cut[:1]] + [[path] for path in cut[1:]]
    with ThreadPoolExecutor(2) as pool:
        parts = pool.map(lambda n: _tshark_on_group(tshark, mergecap, groups[n], ifaces, tmp / f"all{n}.pcapng"),
                         range(len(groups)))
        return {path: t for part in parts for path, t in part.items()}


def _tshark_on_group(tshark: str, mergecap: str, files: list[Path], ifaces: dict[Path, int],
                     merged: Path) -> dict[Path, Tshark]:
    subprocess.run([mergecap, "-a", "-I", "none", "-F", "pcapng", "-w", str(merged), *map(str, files)],
                   capture_output=True)
    which: dict[int, Path] = {}
    stats_args: list[str] = []
    for path in files:
        ids = range(len(which), len(which) + ifaces[path])
        which.update((i, path) for i in ids)
        only = " || ".join(f"frame.interface_id=={i}" for i in ids)
        stats_args += ["-z", f"io,phs,{only}", "-z", f"conv,tcp,{only}", "-z", f"conv,tcp,tls && ({only})"]
    cmd = [tshark, "-r", str(merged), "-T", "fields", "-e", "frame.interface_id", "-e", "wlan.fc.type_subtype",
           "-e", "wlan.bssid", *stats_args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    head, _, stats = out.partition("=" * 20)
    truth = {path: Tshark(0, [], {}, {"tcp": set(), "tls": set()}) for path in files}
    for line in head.splitlines():
        if line.strip():
            row = line.split("\t")
            t = truth[which[int(row[0])]]
            t.frames += 1
            t.rows.append(row)
    for block in re.split(r"^=+$", stats, flags=re.M):
        found = re.search(r"^Filter: ?(?:tls && )?\(?frame\.interface_id==(\d+)", block, re.M)
        if not found:
            continue
        t = truth[which[int(found[1])]]
        if "Protocol Hierarchy Statistics" in block:
            for name, frames in re.findall(r"^\s*(\S+)\s+frames:(\d+)", block, re.M):
                t.phs.setdefault(name, int(frames))     # the outermost occurrence of a protocol
        elif "TCP Conversations" in block:
            key = "tls" if re.search(r"^Filter:tls", block, re.M) else "tcp"
            for a, b, frames, size in CONV_ROW.findall(block):
                t.convs[key].add((frozenset((a, b)), int(frames), int(size.replace(",", ""))))
    return truth


def shared_captures(shared) -> list[Path]:
    wifi = sorted(shared("wifi/captures").glob("*.*ap"))
    tls = sorted(p for p in shared("tls").rglob("*") if p.suffix in (".pcap", ".pcapng", ".cap"))
    return wifi + tls


@pytest.fixture(scope="module")
def tshark_says(tmp_path_factory):
    """tshark_says(tool, shared) -> {path: Tshark} for every shared capture, made once for this module."""
    cache: dict[Path, Tshark] = {}

    def get(tool, shared) -> dict[Path, Tshark]:
        if not cache:
            cache.update(tshark_on_all(tool("tshark"), tool("mergecap"), shared_captures(shared),
                                       tmp_path_factory.mktemp("tshark")))
        return cache
    return get


def test_every_shared_capture_reads_with_tsharks_frame_count(tool, shared, tshark_says):
    truth = tshark_says(tool, shared)
    assert len(truth) >= 18
    for path, t in truth.items():
        with open_capture(path) as cap:
            packets = list(cap)
        assert len(packets) == t.frames, path.name
        assert [p.number for p in packets] == list(range(1, t.frames + 1))
        with open_capture(path) as again:
            assert again.tally().packets == t.frames


def test_summary_ip_agrees_with_tshark(cli, tool, shared, tshark_says):
    truth = {path: t for path, t in tshark_says(tool, shared).items() if "tls" in path.parts}
    assert len(truth) >= 6

    def plain(endpoint: str) -> str:   # tshark writes an IPv6 endpoint without brackets: ::1:8443
        return endpoint.replace("[", "").replace("]", "")

    for path, t in truth.items():
        result = cli("pcap", "summary", "--json", "--top", "1000", str(path))
        assert result.exit_code == 0, result.stderr
        s = json.loads(result.stdout)
        assert s["packets"] == t.frames == t.phs.get("eth", t.phs.get("null")), path
        ip = s["ip"]
        assert ip["ipv4"] + ip["ipv6"] == t.phs.get("ip", 0) + t.phs.get("ipv6", 0), path
        assert ip["tcp"] == t.phs["tcp"], path
        ours = {(frozenset((plain(c["a"]), plain(c["b"]))), c["packets"], c["bytes"]) for c in ip["top_tcp"]}
        assert ours == t.convs["tcp"] and ours, path
        assert ip["tls_conversations"] == len(t.convs["tls"]) == 1, path


def test_summary_wifi_agrees_with_tshark(cli, tool, shared, tshark_says):
    truth = {path: t for path, t in tshark_says(tool, shared).items() if "wifi" in path.parts}
    assert len(truth) >= 12
    for path, t in truth.items():
        result = cli("pcap", "summary", "--json", "--top", "50", str(path))
        assert result.exit_code == 0, result.stderr
        w = json.loads(result.stdout)["wifi"]
        expected: dict[int, int] = {}
        for row in t.rows:
            if row[1]:
                expected[int(row[1], 16)] = expected.get(int(row[1], 16), 0) + 1
        assert {x["type_subtype"]: x["count"] for x in w["types"]} == expected, path.name
        assert w["frames"] == t.phs["wlan"] == t.frames, path.name
        assert w["bssids"] == len({row[2] for row in t.rows if len(row) > 2 and row[2]}), path.name
        assert w["llc_payloads"].get("eapol", 0) == t.phs.get("eapol", 0), path.name
        if path.name == "thiagosmith__wpa-Induction.pcap":   # 10 frames of bad FCS with protocol version 2-3
            assert w["other_version"] == 10 and w["frames"] - sum(expected.values()) == 10


def _udp_frame(src: tuple[str, int], dst: tuple[str, int], payload: bytes) -> bytes:
    """Ethernet/IPv4/UDP (checksum 0: none, as IPv4 allows)."""
    import socket
    import struct

    udp = struct.pack(">HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, socket.inet_aton(src[0]),
                     socket.inet_aton(dst[0]))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def test_summary_udp_conversations_agree_with_tshark(cli, tool, tmp_path):
    from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter

    dns, ntp = (("10.0.0.1", 5353), ("10.0.0.53", 53)), (("10.0.0.7", 123), ("10.0.0.9", 123))
    plan = [(dns, 0, 30), (dns, 1, 90), (dns, 0, 31), (ntp, 0, 48), (ntp, 1, 48), (dns, 1, 200), (ntp, 0, 48)]
    path = tmp_path / "udp.pcap"
    with PcapWriter(path, linktype=LINKTYPE_ETHERNET) as w:
        for i, (pair, back, size) in enumerate(plan):
            src, dst = pair[::-1] if back else pair
            w.write(_udp_frame(src, dst, bytes(size)), 1_700_000_000_000_000_000 + i * 1000)
    out = subprocess.run([tool("tshark"), "-r", str(path), "-q", "-z", "conv,udp"], capture_output=True,
                         text=True).stdout
    theirs = {(frozenset((a, b)), int(frames), int(size.replace(",", ""))) for a, b, frames, size in
              CONV_ROW.findall(out)}
    result = cli("pcap", "summary", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    ip = json.loads(result.stdout)["ip"]
    ours = {(frozenset((c["a"], c["b"])), c["packets"], c["bytes"]) for c in ip["top_udp"]}
    assert ours == theirs and len(ours) == 2
    assert (ip["udp"], ip["udp_conversations"], ip["tcp_conversations"]) == (7, 2, 0)


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
