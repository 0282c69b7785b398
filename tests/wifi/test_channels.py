"""Channel rules: 2.4 GHz channel 14 is DSSS/CCK only; hostapd's centre-frequency keys are accepted when they
agree with the channel and width and refused in one line when they do not."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.wifi.build import build_train, write_pcap
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import resolve

from .tshark import tshark_fields


def test_channel_14_builds_dsss_only(tmp_path, tool, cli):
    path = tmp_path / "c14.pcap"
    assert cli("beacon", "build", "--band", "2.4", "--channel", "14", "-o", str(path)).exit_code == 0
    fields = ["wlan_radio.channel", "wlan.supported_rates", "wlan.extended_supported_rates", "wlan.ht.capabilities",
              "wlan.erp_info", "radiotap.datarate", "_ws.expert.message"]
    (row,) = tshark_fields(tool("tshark"), path, *fields)
    assert row == ["14", "0x82,0x84,0x8b,0x96", "", "", "", "1", ""]


@pytest.mark.parametrize("args", [["--ht"], ["--width", "40"], ["--rates", "1,2,6"], ["--vht"]])
def test_channel_14_refuses_ofdm_and_ht(cli, tmp_path, args):
    result = cli("beacon", "build", "--band", "2.4", "--channel", "14", *args, "-o", str(tmp_path / "x.pcap"))
    assert result.exit_code == 2 and "channel 14 is DSSS/CCK only" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(BadInput, match="channel 14"):
        resolve(spec_from_hostapd("interface=w\nssid=j\nchannel=14\nieee80211n=1\n"))


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
wpa=2
wpa_key_mgmt=SAE
ieee80211w=2
"""


def test_hostapd_centre_channel_keys_accepted_when_they_agree(tmp_path, tool):
    path = tmp_path / "centre.pcap"
    specs = [resolve(spec_from_hostapd(VHT80_CONF)), resolve(spec_from_hostapd(HE160_6G_CONF))]
    assert [(s.band, s.channel, s.width) for s in specs] == [("5", 36, 80), ("6", 37, 160)]
    write_pcap([build_train(s)[0] for s in specs], path)
    rows = tshark_fields(tool("tshark"), path, "wlan.vht.op.channelcenter0",
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
