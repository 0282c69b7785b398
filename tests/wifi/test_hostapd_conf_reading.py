"""hostapd.conf read as hostapd's config_file.c reads it: its line rules (inline comments work only where the
value's reading stops before them), wpa_key_mgmt lists written in hostapd's AKM order, the wpa bits, and every
key hostapd knows either applied or listed once as not reflected in the beacon (--strict refuses those); keys
hostapd does not know are refused with the file and line. Built frames are read back with tshark."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from protolab.errors import BadInput
from protolab.wifi import hostapd_keys
from protolab.wifi.build import build_train, write_pcap
from protolab.wifi.hostapd_conf import read_hostapd, spec_from_hostapd
from protolab.wifi.spec import HOSTAPD_KEYS, resolve

from .tshark import tshark_fields

# the settings of hostapd's example hostapd.conf that are not commented out, as its own file has them
EXAMPLE_ACTIVE = """\
interface=wlan0
logger_syslog=-1
logger_syslog_level=2
logger_stdout=-1
logger_stdout_level=2
ctrl_interface=/var/run/hostapd
ctrl_interface_group=0
ssid=test
hw_mode=g
channel=1
beacon_int=100
dtim_period=2
max_num_sta=255
rts_threshold=-1
fragm_threshold=-1
macaddr_acl=0
auth_algs=3
ignore_broadcast_ssid=0
wmm_enabled=1
wmm_ac_bk_cwmin=4
wmm_ac_bk_cwmax=10
wmm_ac_bk_aifs=7
wmm_ac_bk_txop_limit=0
wmm_ac_bk_acm=0
wmm_ac_be_aifs=3
wmm_ac_be_cwmin=4
wmm_ac_be_cwmax=10
wmm_ac_be_txop_limit=0
wmm_ac_be_acm=0
wmm_ac_vi_aifs=2
wmm_ac_vi_cwmin=3
wmm_ac_vi_cwmax=4
wmm_ac_vi_txop_limit=94
wmm_ac_vi_acm=0
wmm_ac_vo_aifs=2
wmm_ac_vo_cwmin=2
wmm_ac_vo_cwmax=3
wmm_ac_vo_txop_limit=47
wmm_ac_vo_acm=0
eapol_key_index_workaround=0
eap_server=0
own_ip_addr=127.0.0.1
"""
NOT_IN_BEACON = ("interface", "logger_syslog", "logger_syslog_level", "logger_stdout", "logger_stdout_level",
                 "ctrl_interface", "ctrl_interface_group", "max_num_sta", "rts_threshold", "fragm_threshold",
                 "macaddr_acl", "auth_algs", "eapol_key_index_workaround", "eap_server", "own_ip_addr")
MIRROR = Path("/work/.mirror/1g4-mirror+hostap/repo")


def _built(tmp_path, tool, conf: str, *fields: str) -> list[list[str]]:
    path = tmp_path / "b.pcap"
    write_pcap(build_train(resolve(spec_from_hostapd(conf))), path)
    return tshark_fields(tool("tshark"), path, *fields)


def test_the_example_settings_build_and_the_others_are_listed_once(tmp_path, tool):
    conf = read_hostapd(EXAMPLE_ACTIVE + "interface=wlan1\n")
    assert conf.not_in_beacon == NOT_IN_BEACON and conf.not_built == () and conf.other_bss_line is None
    rows = _built(tmp_path, tool, EXAMPLE_ACTIVE, "wlan.ssid", "wlan.ds.current_channel", "wlan.fixed.beacon",
                  "wlan.tim.dtim_period", "wlan.wfa.ie.wme.acp.aifsn")
    assert rows == [[b"test".hex(), "1", "100", "2", "3,7,2,2"]]


def test_cli_lists_the_ignored_keys_in_one_line_and_strict_refuses_them(cli, tmp_path):
    path = tmp_path / "hostapd.conf"
    path.write_text(EXAMPLE_ACTIVE)
    ok = cli("beacon", "build", "--hostapd", str(path), "-o", str(tmp_path / "b.pcap"), "--json")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stderr == f"warning: {path}: not part of a beacon, ignored: {', '.join(NOT_IN_BEACON)}\n"
    strict = cli("beacon", "build", "--hostapd", str(path), "--strict", "-o", str(tmp_path / "s.pcap"))
    assert strict.exit_code == 2
    assert strict.stderr == f"error: {path}:1: interface is not part of a beacon (--strict refuses it)\n"
    path.write_text("ssid=lab\nhe_bss_color=5\n")
    listed = cli("beacon", "build", "--hostapd", str(path), "--json")
    assert listed.exit_code == 0 and "in hostapd's beacon but not built here: he_bss_color (HE" in listed.stderr
    refused = cli("beacon", "build", "--hostapd", str(path), "--strict", "--json")
    assert refused.exit_code == 2 and refused.stderr.startswith(f"error: {path}:2: he_bss_color shapes hostapd's")
    assert not (tmp_path / "s.pcap").exists()


@pytest.mark.parametrize("line, message", [
    ("max_num_stations=3", "hostapd.conf:3: unknown hostapd key 'max_num_stations' (hostapd refuses it too)"),
    (" ssid=lab", "hostapd.conf:3: unknown hostapd key ' ssid'"),  # hostapd strips nothing
    ("ssid = lab", "hostapd.conf:3: unknown hostapd key 'ssid '"),
    ("   ", "hostapd.conf:3: invalid line '   '"),  # only an empty line is skipped
    ("  # indented comment", "hostapd.conf:3: invalid line"),  # a comment starts in the first column
    ("wpa_key_mgmt=SAE # WPA3", "hostapd.conf:3: invalid key_mgmt '#'"),  # a word list takes every word
    ("hw_mode=g # 2.4 GHz", "hostapd.conf:3: hw_mode=g # 2.4 GHz is not built"),  # compared whole
    ("channel=eleven", "hostapd.conf:3: channel: not a number: 'eleven'"),
    ("rsn_pairwise=CCMP WEP40", "hostapd.conf:3: rsn_pairwise: unknown or unsupported pairwise cipher 'WEP40'"),
    ("wpa_key_mgmt=DPP", "hostapd.conf:3: wpa_key_mgmt DPP is not built"),
    ("ssid=" + "x" * 33, "hostapd.conf:3: invalid SSID (33 bytes; hostapd takes 1..32)"),
    ("x" * 4096, "hostapd.conf:3: longer than hostapd's 4095-byte line"),
])
def test_lines_hostapd_refuses_are_refused_naming_the_line(line, message):
    with pytest.raises(BadInput) as exc:
        spec_from_hostapd(f"wpa=2\n#{line}\n{line}\n")
    assert str(exc.value).startswith(message), str(exc.value)


def test_inline_comments_count_where_hostapds_reading_stops_before_them(tmp_path, tool):
    conf = ("ssid=lab # the lab AP\nchannel=11 # 2462 MHz\nbeacon_int=200\t# TU\ndtim_period=3#x\n"
            "country_code=DE # Germany\nieee80211d=1 # send it\nieee80211n=1\nht_capab=[HT40-] # below\n")
    spec = resolve(spec_from_hostapd(conf))
    assert (spec.ssid, spec.channel, spec.beacon_interval, spec.dtim_period, spec.country, spec.width,
            spec.secondary) == (b"lab # the lab AP", 11, 200, 3, "DE", 40, "")
    rows = _built(tmp_path, tool, conf, "wlan.ssid", "wlan.ds.current_channel", "wlan.fixed.beacon",
                  "wlan.tim.dtim_period", "wlan.country_info.code", "wlan.ht.info.secchanoffset")
    assert rows == [[b"lab # the lab AP".hex(), "11", "200", "3", "DE", "0x03"]]  # 3: below


@pytest.mark.parametrize("key_mgmt, akms", [
    ("WPA-PSK WPA-PSK-SHA256 SAE", "2,6,8"),
    ("SAE WPA-PSK-SHA256 WPA-PSK", "2,6,8"),  # hostapd writes its own order, not the config's
    ("SAE\tSAE-EXT-KEY  FT-SAE", "8,24,9"),
    ("FT-PSK WPA-PSK", "2,4"),
    ("WPA-EAP FT-EAP WPA-EAP-SHA256", "1,3,5"),
    ("WPA-EAP-SUITE-B-192", "12"),
    ("OWE", "18"),
])
def test_wpa_key_mgmt_lists_build_the_rsn_akms_in_hostapds_order(tmp_path, tool, key_mgmt, akms):
    conf = f"ssid=akm\nwpa=2\nwpa_key_mgmt={key_mgmt}\nrsn_pairwise=CCMP\nieee80211w=1\n"
    rows = _built(tmp_path, tool, conf, "wlan.rsn.akms.type", "wlan.rsn.capabilities.mfpc", "_ws.expert.message")
    assert rows == [[akms, "1", ""]]


@pytest.mark.parametrize("wpa, has_wpa, has_rsn, group", [
    ("1", "2", "", "2"), ("2", "", "2", "4"), ("3", "2", "2", "2"), ("2 # RSN", "", "2", "4"), ("0", "", "", ""),
])
def test_the_wpa_bits_choose_the_wpa_and_rsn_elements(tmp_path, tool, wpa, has_wpa, has_rsn, group):
    conf = f"ssid=bits\nwpa={wpa}\nwpa_key_mgmt=WPA-PSK\nwpa_pairwise=TKIP\nrsn_pairwise=CCMP\n"
    rows = _built(tmp_path, tool, conf, "wlan.wfa.ie.wpa.type", "wlan.rsn.akms.type",
                  "wlan.wfa.ie.wpa.mcs.type" if wpa.startswith("1") else "wlan.rsn.gcs.type",
                  "wlan.fixed.capabilities.privacy")
    assert rows == [[has_wpa, has_rsn, group, "0" if wpa == "0" else "1"]]


def test_mfp_is_hostapds_default_off_and_6ghz_refuses_what_hostapd_refuses(tmp_path, tool):
    sae = "ssid=s\nwpa=2\nwpa_key_mgmt=SAE\nrsn_pairwise=CCMP\n"
    assert _built(tmp_path, tool, sae, "wlan.rsn.capabilities.mfpc") == [["0"]]  # ieee80211w=0
    six = "ssid=s\nop_class=134\nchannel=37\nieee80211ax=1\n"
    for conf, message in [
        (six + "wpa=2\nwpa_key_mgmt=SAE\n", "hostapd.conf: management frame protection is required in 6 GHz"),
        (six + "wpa=2\nwpa_key_mgmt=SAE\nieee80211w=1\n", "hostapd.conf:7: management frame protection"),
        (six + "wpa=2\nwpa_key_mgmt=SAE WPA-PSK\nieee80211w=2\n", "hostapd.conf:6: WPA-PSK, FT-PSK"),
        (six, "hostapd.conf: 6 GHz allows no pre-RSNA security"),
    ]:
        with pytest.raises(BadInput) as exc:
            spec_from_hostapd(conf)
        assert str(exc.value).startswith(message), str(exc.value)


def test_only_the_first_bss_is_built(cli, tmp_path):
    conf = read_hostapd("ssid=first\nbss=wlan0_1\nssid=second\nnot_a_key=1\n")
    assert (conf.spec.ssid, conf.other_bss_line) == (b"first", 2)
    path = tmp_path / "two.conf"
    path.write_text("ssid=first\nbss=wlan0_1\nssid=second\n")
    r = cli("beacon", "build", "--hostapd", str(path), "--json")
    assert r.exit_code == 0 and r.stderr == f"warning: {path}:2: only the first BSS is built (bss= and what " \
                                            "follows ignored)\n"
    strict = cli("beacon", "build", "--hostapd", str(path), "--json", "--strict")
    assert strict.exit_code == 2 and strict.stderr.startswith(f"error: {path}:2: bss=wlan0_1")


def test_akm_option_is_generated_from_the_declaration(cli, tmp_path, tool):
    assert "--akm" in cli("beacon", "build", "--help").stdout
    path = tmp_path / "a.pcap"
    r = cli("beacon", "build", "--akm", "SAE", "--akm", "WPA-PSK FT-PSK", "-o", str(path), "--json")
    assert r.exit_code == 0, r.stderr
    assert tshark_fields(tool("tshark"), path, "wlan.rsn.akms.type") == [["2,4,8"]]
    bad = cli("beacon", "build", "--akm", "WPA-PSK2")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --akm: unknown AKM 'WPA-PSK2'")
    open_ = cli("beacon", "build", "--security", "open", "--akm", "SAE")
    assert open_.exit_code == 2 and "an AKM list needs a WPA/RSN profile" in open_.stderr


def test_every_key_hostapd_knows_is_applied_or_listed_in_one_table():
    applied = set(HOSTAPD_KEYS)
    listed = [k for k in hostapd_keys.NOT_IN_BEACON if k in hostapd_keys.NOT_BUILT_REASON or k in applied]
    assert listed == []  # one table per key
    assert hostapd_keys.canonical_key("wme_ac_vo_aifs") == "wmm_ac_vo_aifs"
    assert hostapd_keys.not_in_beacon("tx_queue_data2_burst") and not hostapd_keys.not_in_beacon("tx_queue_x")


def test_hostapds_own_example_config_when_a_mirror_is_present():
    """hostapd's example file (third-party: read from a mirror only, never committed): accepted as it is, and
    each of its commented-out settings is a key applied or listed (none refused as unknown)."""
    if not (MIRROR / "HEAD").exists():
        pytest.skip("no hostapd mirror on this machine")
    text = subprocess.run(["git", "-C", str(MIRROR), "show", "HEAD:hostapd/hostapd.conf"], capture_output=True,
                          text=True, check=True).stdout
    conf = read_hostapd(text)
    assert conf.spec.ssid == b"test" and conf.not_in_beacon[0] == "interface"
    keys = {hostapd_keys.canonical_key(m) for m in re.findall(r"^#([a-z0-9_]+)=", text, re.M)}
    unknown = sorted(k for k in keys if k != "bss" and k not in HOSTAPD_KEYS and not hostapd_keys.not_in_beacon(k)
                     and hostapd_keys.not_built_reason(k) is None)
    assert len(keys) > 400 and unknown == []
