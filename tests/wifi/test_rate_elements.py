"""The rate fields of the VHT/HE elements: basic MCS and NSS sets, per-stream MCS maps and the 13-bit highest
rates, built by us and read by tshark and our dissect alike."""

from __future__ import annotations

import json

from protolab.wifi.build import build_train, write_pcap
from protolab.wifi.dissect import dissect_file
from protolab.wifi.spec import BeaconSpec

from .tshark import element_field, tshark_fields

MCS_1SS = "0xfffc: 1 SS: MCS 0-7; 2-8 SS: not supported"


def test_basic_mcs_sets_are_1ss_mcs0_7_for_tshark_and_dissect(tmp_path, tool, cli):
    path = tmp_path / "vht_he.pcap"
    specs = [BeaconSpec(band="5", channel=36, width=80, vht=True, he=True),
             BeaconSpec(band="6", channel=37, width=160, he=True)]
    write_pcap([b for s in specs for b in build_train(s)], path)
    rows = tshark_fields(tool("tshark"), path, "wlan.vht.op.basicmcsmap",
                          "wlan.ext_tag.he_operation.basic_he_mcs_and_nss")
    assert rows == [["0xfffc", "0xfffc"], ["", "0xfffc"]]
    beacons = dissect_file(path).beacons
    assert element_field(beacons[0].element(192), "mcs_set").value == 0xFFFC
    for b in beacons:
        he_op = b.element(255, 36)
        assert element_field(he_op, "basic_he_mcs_and_nss_set").value == 0xFFFC
        assert element_field(he_op, "basic_he_mcs_and_nss_set").shown == MCS_1SS
    result = cli("beacon", "dissect", str(path), "--json")
    vht_op = next(e for e in json.loads(result.stdout)["beacons"][0]["elements"] if e["id"] == 192)
    assert {"name": "mcs_set", "value": 0xFFFC, "shown": MCS_1SS}.items() <= next(
        f for f in vht_op["fields"] if f["name"] == "mcs_set").items()


def test_basic_mcs_map_reading_agrees_with_tshark_on_real_captures(shared, tool):
    path = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    rows = tshark_fields(tool("tshark"), path, "wlan.fc.type_subtype", "wlan.vht.op.basicmcsmap",
                          "wlan.ext_tag.he_operation.basic_he_mcs_and_nss")
    wanted = [r[1:] for r in rows if r[0] == "0x0008"]
    beacons = dissect_file(path).beacons
    got = []
    for b in beacons:
        vht_op, he_op = b.element(192), b.element(255, 36)
        got.append([f"0x{element_field(vht_op, 'mcs_set').value:04x}" if vht_op else "",
                    f"0x{element_field(he_op, 'basic_he_mcs_and_nss_set').value:04x}" if he_op else ""])
    assert got == wanted and ["0xfffc", "0xfffc"] in got


def test_mcs_map_text_per_stream():
    from protolab.wifi.meanings import HE_TOP, VHT_TOP, mcs_map_from_list, mcs_map_text

    assert mcs_map_from_list([3, 3, 3, 0, 3, 3, 3, 3]) == 0xFFFC
    assert mcs_map_text(0xFFFA, VHT_TOP) == "0xfffa: 1-2 SS: MCS 0-9; 3-8 SS: not supported"
    assert mcs_map_text(0xFF3F, HE_TOP) == "0xff3f: 1-3 SS: not supported; 4 SS: MCS 0-7; 5-8 SS: not supported"


def test_vht_highest_rates_are_13_bits_like_tshark(shared, tool):
    path = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    rows = [r[1:] for r in tshark_fields(tool("tshark"), path, "wlan.fc.type_subtype",
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
