"""Review fixes of the beacon lab: each test failed before its fix (MCS maps, spec ranges, VHT highest rates,
WPA+WPA2 mixed mode, --limit, +HTC, channel 14, hostapd centre-frequency keys)."""

from __future__ import annotations

import json
import subprocess

import pytest

from protolab.errors import BadInput
from protolab.wifi.build import build_train, write_pcap
from protolab.wifi.dissect import dissect_file
from protolab.wifi.spec import BeaconSpec, resolve, spec_from_hostapd


def _tshark_fields(tshark: str, path, *fields: str) -> list[list[str]]:
    cmd = [tshark, "-r", str(path), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout  # exit 2 on a capture cut short
    return [line.split("\t") for line in out.splitlines()]


def _field(element, name):
    return next(f for f in element.fields if f.name == name)


# ---- 1. basic VHT-/HE-MCS and NSS set ------------------------------------------------------------

MCS_1SS = "0xfffc: 1 SS: MCS 0-7; 2-8 SS: not supported"


def test_basic_mcs_sets_are_1ss_mcs0_7_for_tshark_and_dissect(tmp_path, tool, cli):
    path = tmp_path / "vht_he.pcap"
    specs = [BeaconSpec(band="5", channel=36, width=80, vht=True, he=True),
             BeaconSpec(band="6", channel=37, width=160, he=True)]
    write_pcap([b for s in specs for b in build_train(s)], path)
    rows = _tshark_fields(tool("tshark"), path, "wlan.vht.op.basicmcsmap",
                          "wlan.ext_tag.he_operation.basic_he_mcs_and_nss")
    assert rows == [["0xfffc", "0xfffc"], ["", "0xfffc"]]
    beacons = dissect_file(path).beacons
    assert _field(beacons[0].element(192), "mcs_set").value == 0xFFFC
    for b in beacons:
        he_op = b.element(255, 36)
        assert _field(he_op, "basic_he_mcs_and_nss_set").value == 0xFFFC
        assert _field(he_op, "basic_he_mcs_and_nss_set").shown == MCS_1SS
    result = cli("beacon", "dissect", str(path), "--json")
    vht_op = next(e for e in json.loads(result.stdout)["beacons"][0]["elements"] if e["id"] == 192)
    assert {"name": "mcs_set", "value": 0xFFFC, "shown": MCS_1SS}.items() <= next(
        f for f in vht_op["fields"] if f["name"] == "mcs_set").items()


def test_basic_mcs_map_reading_agrees_with_tshark_on_real_captures(shared, tool):
    path = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    rows = _tshark_fields(tool("tshark"), path, "wlan.fc.type_subtype", "wlan.vht.op.basicmcsmap",
                          "wlan.ext_tag.he_operation.basic_he_mcs_and_nss")
    wanted = [r[1:] for r in rows if r[0] == "0x0008"]
    beacons = dissect_file(path).beacons
    got = []
    for b in beacons:
        vht_op, he_op = b.element(192), b.element(255, 36)
        got.append([f"0x{_field(vht_op, 'mcs_set').value:04x}" if vht_op else "",
                    f"0x{_field(he_op, 'basic_he_mcs_and_nss_set').value:04x}" if he_op else ""])
    assert got == wanted and ["0xfffc", "0xfffc"] in got


def test_mcs_map_text_per_stream():
    from protolab.wifi.meanings import HE_TOP, VHT_TOP, mcs_map_from_list, mcs_map_text

    assert mcs_map_from_list([3, 3, 3, 0, 3, 3, 3, 3]) == 0xFFFC
    assert mcs_map_text(0xFFFA, VHT_TOP) == "0xfffa: 1-2 SS: MCS 0-9; 3-8 SS: not supported"
    assert mcs_map_text(0xFF3F, HE_TOP) == "0xff3f: 1-3 SS: not supported; 4 SS: MCS 0-7; 5-8 SS: not supported"


# ---- 2. out-of-range numbers in a spec: one clear line, exit 2 ------------------------------------

@pytest.mark.parametrize(("toml", "message"), [
    ('security = "wpa2-personal"\npairwise = [256]', "cipher suite type 256 is not 0..255"),
    ('security = "wpa2-personal"\npairwise = [-1]', "cipher suite type -1 is not 0..255"),
    ("pairwise = [" + ", ".join(["4"] * 70) + "]", "70 pairwise ciphers: at most 32"),
    ('country = "US"\ncountry_triplets = [' + ", ".join(["[1, 1, 20]"] * 90) + "]", "90 country triplets"),
])
def test_out_of_range_spec_numbers_exit_2(tmp_path, cli, toml, message):
    spec = tmp_path / "s.toml"
    spec.write_text(toml + "\n")
    result = cli("beacon", "build", "--spec", str(spec), "-o", str(tmp_path / "o.pcap"))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr


def test_out_of_range_pairwise_refused_by_resolve_too():
    with pytest.raises(BadInput, match="0..255"):
        resolve(BeaconSpec(pairwise=(4, 300)))


# ---- 3. VHT capabilities: 13-bit highest rates ---------------------------------------------------

def test_vht_highest_rates_are_13_bits_like_tshark(shared, tool):
    path = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    rows = [r[1:] for r in _tshark_fields(tool("tshark"), path, "wlan.fc.type_subtype",
                                          "wlan.vht.mcsset.rxhighestlonggirate", "wlan.vht.mcsset.max_nsts_total",
                                          "wlan.vht.mcsset.txhighestlonggirate", "wlan.vht.ncsset.ext_nss_bw_cap")
            if r[0] == "0x0008"]
    assert rows == [["0x0000", "0", "0x0000", "1"]]
    vht = dissect_file(path).beacons[0].element(191)
    got = [vht.get(n) for n in ("rx_highest_rate", "max_nsts_total", "tx_highest_rate", "ext_nss_bw_capable")]
    assert got == [int(rows[0][0], 16), int(rows[0][1]), int(rows[0][2], 16), int(rows[0][3])]


def test_vht_highest_rate_words_split():
    from protolab.wifi.dissect import decode_element

    body = bytes(4) + (0xFFFA).to_bytes(2, "little") + (0x6000 | 780).to_bytes(2, "little") + (
        0xFFFA).to_bytes(2, "little") + (0x2000 | 433).to_bytes(2, "little")
    vht = decode_element(191, body, 0, len(body))
    assert (vht.get("rx_highest_rate"), vht.get("max_nsts_total")) == (780, 3)
    assert (vht.get("tx_highest_rate"), vht.get("ext_nss_bw_capable"), vht.get("vht_reserved")) == (433, 1, 0)


# ---- 4. hostapd wpa=3: WPA+WPA2 mixed mode ----------------------------------------------------------

MIXED_CONF = """interface=wlan0
ssid=mixed
channel=6
wpa=3
wpa_key_mgmt=WPA-PSK
wpa_pairwise=TKIP
rsn_pairwise=CCMP
wpa_passphrase=abcdefgh
"""


def test_hostapd_wpa3_mixed_mode_builds_wpa_and_rsn_elements(tmp_path, tool, cli):
    conf = tmp_path / "mixed.conf"
    conf.write_text(MIXED_CONF)
    path = tmp_path / "mixed.pcap"
    result = cli("beacon", "build", "--hostapd", str(conf), "-o", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    fields = ["wlan.rsn.gcs.type", "wlan.rsn.pcs.type", "wlan.rsn.akms.type", "wlan.wfa.ie.wpa.mcs.type",
              "wlan.wfa.ie.wpa.ucs.type", "wlan.wfa.ie.wpa.type", "_ws.expert.message"]
    (row,) = _tshark_fields(tool("tshark"), path, *fields)
    assert dict(zip(fields, row, strict=True)) == {
        "wlan.rsn.gcs.type": "2", "wlan.rsn.pcs.type": "4", "wlan.rsn.akms.type": "2",
        "wlan.wfa.ie.wpa.mcs.type": "2", "wlan.wfa.ie.wpa.ucs.type": "2", "wlan.wfa.ie.wpa.type": "2",
        "_ws.expert.message": ""}
    spec = resolve(spec_from_hostapd(MIXED_CONF))
    assert (spec.security, spec.effective_pairwise, spec.effective_wpa_pairwise) == ("wpa-wpa2-personal", (4,), (2,))
    from protolab.wifi.dissect import spec_from_beacon

    assert spec_from_beacon(dissect_file(path).beacons[0]) == spec


def test_mixed_mode_own_wpa_ciphers_round_trip_and_misuse():
    from protolab.wifi.dissect import dissect_frame, spec_from_beacon

    spec = resolve(BeaconSpec(security="wpa-wpa2-personal", wpa_pairwise=(2, 4), pairwise=(4,)))
    frame = build_train(spec)[0]
    assert spec_from_beacon(dissect_frame(frame.frame[frame.radiotap_len:])) == spec
    with pytest.raises(BadInput, match="must include TKIP"):
        spec_from_hostapd(MIXED_CONF.replace("wpa_pairwise=TKIP", "wpa_pairwise=CCMP"))
    with pytest.raises(BadInput, match="wpa_pairwise is the WPA element's list"):
        resolve(BeaconSpec(security="wpa2-personal", wpa_pairwise=(2,)))


# ---- 5. dissect --limit ------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["0", "-3"])
def test_dissect_limit_below_1_is_refused(cli, limit):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "captures/beacon/train-dtim3.pcap"
    result = cli("beacon", "dissect", str(sample), "--limit", limit)
    assert result.exit_code == 2 and result.stderr.strip() == f"error: --limit must be 1 or more, not {limit}"
    assert len(dissect_file(sample, limit=2).beacons) == 2


# ---- 6a. +HTC: a 4-byte HT Control field after the sequence control -------------------------------

def test_order_bit_ht_control_is_skipped_like_tshark(tmp_path, tool):
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.dissect import field_spans
    from protolab.wifi.survey import survey_file

    built = build_train(BeaconSpec(ssid=b"htc-ap", beacon_interval=200, band="5", channel=36, vht=True))[0]
    rt, frame = built.frame[:built.radiotap_len], bytearray(built.frame[built.radiotap_len:])
    frame[1] |= 0x80  # Order: +HTC
    frame[24:24] = bytes.fromhex("fcff0000")
    path = tmp_path / "htc.pcap"
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as writer:
        writer.write(rt + bytes(frame), built.timestamp_ns)
    fields = ["wlan.fc.order", "wlan.htc", "wlan.ssid", "wlan.fixed.beacon", "wlan.fixed.timestamp",
              "wlan.vht.op.basicmcsmap", "_ws.malformed"]
    (row,) = _tshark_fields(tool("tshark"), path, *fields)
    got = dict(zip(fields, row, strict=True))
    assert (got["wlan.fc.order"], got["wlan.ssid"], got["wlan.fixed.beacon"], got["_ws.malformed"]) == (
        "1", b"htc-ap".hex(), "200", "")
    (beacon,) = dissect_file(path).beacons
    assert not beacon.malformed
    assert beacon.value("header", "ht control") == "fcff0000"
    assert beacon.value("fixed", "beacon interval") == 200 == int(got["wlan.fixed.beacon"])
    assert beacon.value("fixed", "timestamp") == int(got["wlan.fixed.timestamp"])
    assert bytes.fromhex(beacon.element(0).get("ssid")) == b"htc-ap"
    assert _field(beacon.element(192), "mcs_set").value == int(got["wlan.vht.op.basicmcsmap"], 16)
    spans = {s.name: s for s in field_spans(beacon)}
    assert (spans["ht control"].offset, spans["timestamp"].offset, spans["SSID"].offset) == (24, 28, 40)
    survey = survey_file(path, each=True)
    (net,) = survey.networks
    assert (net.ssid, net.interval_tu, net.malformed, net.phy) == ("htc-ap", 200, 0, "ac")
    assert survey.rows[0].tsf == beacon.value("fixed", "timestamp")


# ---- 6b. 2.4 GHz channel 14: DSSS/CCK only ----------------------------------------------------------

def test_channel_14_builds_dsss_only(tmp_path, tool, cli):
    path = tmp_path / "c14.pcap"
    assert cli("beacon", "build", "--band", "2.4", "--channel", "14", "-o", str(path)).exit_code == 0
    fields = ["wlan_radio.channel", "wlan.supported_rates", "wlan.extended_supported_rates", "wlan.ht.capabilities",
              "wlan.erp_info", "radiotap.datarate", "_ws.expert.message"]
    (row,) = _tshark_fields(tool("tshark"), path, *fields)
    assert row == ["14", "0x82,0x84,0x8b,0x96", "", "", "", "1", ""]


@pytest.mark.parametrize("args", [["--ht"], ["--width", "40"], ["--rates", "1,2,6"], ["--vht"]])
def test_channel_14_refuses_ofdm_and_ht(cli, tmp_path, args):
    result = cli("beacon", "build", "--band", "2.4", "--channel", "14", *args, "-o", str(tmp_path / "x.pcap"))
    assert result.exit_code == 2 and "channel 14 is DSSS/CCK only" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(BadInput, match="channel 14"):
        spec_from_hostapd_resolved("interface=w\nssid=j\nchannel=14\nieee80211n=1\n")


def spec_from_hostapd_resolved(text: str):
    return resolve(spec_from_hostapd(text))


# ---- 6c. hostapd centre channel keys ------------------------------------------------------------------

VHT80_CONF = """ssid=test
hw_mode=a
channel=36
ieee80211n=1
ieee80211ac=1
ht_capab=[HT40+]
vht_oper_chwidth=1
vht_oper_centr_freq_seg0_idx=42
vht_oper_centr_freq_seg1_idx=0
"""
HE160_6G_CONF = """ssid=six
op_class=134
hw_mode=a
channel=37
ieee80211ax=1
he_oper_chwidth=2
he_oper_centr_freq_seg0_idx=47
he_oper_centr_freq_seg1_idx=0
"""


def test_hostapd_centre_channel_keys_accepted_when_they_agree(tmp_path, tool):
    path = tmp_path / "centre.pcap"
    specs = [resolve(spec_from_hostapd(VHT80_CONF)), resolve(spec_from_hostapd(HE160_6G_CONF))]
    assert [(s.band, s.channel, s.width) for s in specs] == [("5", 36, 80), ("6", 37, 160)]
    write_pcap([build_train(s)[0] for s in specs], path)
    rows = _tshark_fields(tool("tshark"), path, "wlan.vht.op.channelcenter0",
                          "wlan.ext_tag.he_operation.6ghz.chan_center_freq_seg_0",
                          "wlan.ext_tag.he_operation.6ghz.chan_center_freq_seg_1")
    assert rows == [["42", "", ""], ["", "39", "47"]]  # 160 MHz: CCFS0 the 80 MHz part, CCFS1 the whole


@pytest.mark.parametrize(("conf", "message"), [
    (VHT80_CONF.replace("seg0_idx=42", "seg0_idx=58"), "vht_oper_centr_freq_seg0_idx=58 disagrees with channel 36 "
                                                       "at 80 MHz, whose centre is channel 42"),
    (HE160_6G_CONF.replace("seg0_idx=47", "seg0_idx=39"), "he_oper_centr_freq_seg0_idx=39 disagrees"),
    (VHT80_CONF.replace("seg1_idx=0", "seg1_idx=155"), "80+80 MHz is not built"),
])
def test_hostapd_centre_channel_keys_refused_when_they_disagree(tmp_path, cli, conf, message):
    path = tmp_path / "h.conf"
    path.write_text(conf)
    result = cli("beacon", "build", "--hostapd", str(path), "-o", str(tmp_path / "h.pcap"))
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
