"""WPA+WPA2 mixed mode (hostapd wpa=3): the WPA and the RSN element are both built, each with its own ciphers,
read back into the same spec, and checked by tshark; misuse is refused."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.wifi.build import build_train
from protolab.wifi.dissect import dissect_file
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import BeaconSpec, resolve

from .tshark import tshark_fields

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
    (row,) = tshark_fields(tool("tshark"), path, *fields)
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
