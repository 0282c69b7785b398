"""A beacon with the Order bit set (+HTC): the 4-byte HT Control field after the sequence control is skipped
as tshark skips it, by dissect, the field spans and survey."""

from __future__ import annotations

from protolab.wifi.build import build_train
from protolab.wifi.dissect import dissect_file
from protolab.wifi.spec import BeaconSpec

from .tshark import element_field, tshark_fields


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
    (row,) = tshark_fields(tool("tshark"), path, *fields)
    got = dict(zip(fields, row, strict=True))
    assert (got["wlan.fc.order"], got["wlan.ssid"], got["wlan.fixed.beacon"], got["_ws.malformed"]) == (
        "1", b"htc-ap".hex(), "200", "")
    (beacon,) = dissect_file(path).beacons
    assert not beacon.malformed
    assert beacon.value("header", "ht control") == "fcff0000"
    assert beacon.value("fixed", "beacon interval") == 200 == int(got["wlan.fixed.beacon"])
    assert beacon.value("fixed", "timestamp") == int(got["wlan.fixed.timestamp"])
    assert bytes.fromhex(beacon.element(0).get("ssid")) == b"htc-ap"
    assert element_field(beacon.element(192), "mcs_set").value == int(got["wlan.vht.op.basicmcsmap"], 16)
    spans = {s.name: s for s in field_spans(beacon)}
    assert (spans["ht control"].offset, spans["timestamp"].offset, spans["SSID"].offset) == (24, 28, 40)
    survey = survey_file(path, each=True)
    (net,) = survey.networks
    assert (net.ssid, net.interval_tu, net.malformed, net.phy) == ("htc-ap", 200, 0, "ac")
    assert survey.rows[0].tsf == beacon.value("fixed", "timestamp")
