"""hostapd's defaults where they decide what a beacon carries, read back with tshark: WMM follows HT/HE unless
set (hostapd's wmm_enabled=-1)."""

from __future__ import annotations

from protolab.wifi.build import build_one
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import BeaconSpec, resolve

from .tshark import tshark_fields


def _fields(tmp_path, tool, specs, *fields):
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter

    path = tmp_path / "d.pcap"
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as writer:
        for i, spec in enumerate(specs):
            writer.write(build_one(resolve(spec), 0, False), i * 1000)
    return tshark_fields(tool("tshark"), path, *fields)


def test_wmm_follows_ht_or_he_unless_set(tmp_path, tool):
    specs = [BeaconSpec(ht=False), BeaconSpec(), BeaconSpec(band="6", channel=37, security="wpa3-personal"),
             BeaconSpec(ht=False, wmm=True), BeaconSpec(wmm=False), spec_from_hostapd("ssid=a\nchannel=1\n"),
             spec_from_hostapd("ssid=a\nchannel=1\nieee80211n=1\n"), spec_from_hostapd("ssid=a\nwmm_enabled=1\n")]
    rows = _fields(tmp_path, tool, specs, "wlan.wfa.ie.wme.acp.aifsn", "wlan.ht.capabilities")
    assert [bool(r[0]) for r in rows] == [False, True, True, True, False, False, True, True]
    assert [bool(r[1]) for r in rows] == [False, True, False, False, True, False, True, False]


def test_the_group_cipher_is_hostapds_choice_from_the_pairwise_ciphers(tmp_path, tool):
    cases = {(9,): "9", (4, 9): "4", (4, 2): "2", (8,): "8", (10,): "10", (9, 10): "9", (10, 8): "8"}
    specs = [BeaconSpec(pairwise=p) for p in cases]
    specs.append(spec_from_hostapd("ssid=g\nwpa=2\nwpa_key_mgmt=SAE\nrsn_pairwise=GCMP-256\nieee80211w=2\n"))
    rows = _fields(tmp_path, tool, specs, "wlan.rsn.gcs.type", "wlan.rsn.pcs.type", "_ws.expert.message")
    assert [r[0] for r in rows] == [*cases.values(), "9"]
    assert rows[-1] == ["9", "9", ""]
    mixed = _fields(tmp_path, tool, [BeaconSpec(security="wpa-wpa2-personal", pairwise=(9,))],
                    "wlan.rsn.gcs.type", "wlan.wfa.ie.wpa.mcs.type")
    assert mixed == [["2", "2"]]  # the WPA element's TKIP decides for both elements


def test_short_preamble_only_when_asked_as_hostapds_preamble_1(tmp_path, tool):
    specs = [BeaconSpec(), BeaconSpec(short_preamble=True), spec_from_hostapd("ssid=p\nchannel=6\n"),
             spec_from_hostapd("ssid=p\nchannel=6\npreamble=1\n"), spec_from_hostapd("ssid=p\npreamble=0 # long\n"),
             BeaconSpec(band="5", channel=36, short_preamble=True)]
    rows = _fields(tmp_path, tool, specs, "wlan.fixed.capabilities.short_preamble")
    assert [r[0] for r in rows] == ["0", "1", "0", "1", "0", "1"]


def test_the_mobility_domain_element_only_with_an_ft_akm(tmp_path, tool, cli):
    from protolab.wifi.hostapd_conf import read_hostapd

    ft = "ssid=r\nwpa=2\nwpa_key_mgmt=WPA-PSK FT-PSK\nrsn_pairwise=CCMP\nmobility_domain=a1b2\n"
    no_ft = ft.replace(" FT-PSK", "")
    rows = _fields(tmp_path, tool, [spec_from_hostapd(ft), spec_from_hostapd(no_ft)], "wlan.mobility_domain.mdid",
                   "wlan.rsn.akms.type")
    assert rows == [["0xb2a1", "2,4"], ["", "2"]]
    assert read_hostapd(no_ft).not_in_beacon == ("mobility_domain",)  # hostapd reads it, sends no MDE
    r = cli("beacon", "build", "--mobility-domain", "a1b2")
    assert r.exit_code == 2 and r.stderr.startswith("error: the Mobility Domain element goes with an FT AKM")
    assert cli("beacon", "build", "--mobility-domain", "a1b2", "--akm", "WPA-PSK FT-PSK", "--json").exit_code == 0
