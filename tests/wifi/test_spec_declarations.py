"""Each beacon spec field is one declaration: the hostapd.conf keys read, the one-key hostapd reads, the TOML
keys, the `beacon build` options and the range checks all come from it."""

from __future__ import annotations

import json

import pytest

from protolab import schema
from protolab.errors import BadInput
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import (
    FIELDS,
    HOSTAPD_KEYS,
    HOSTAPD_OTHER_KEYS,
    BeaconSpec,
    resolve,
    spec_from_mapping,
)


def test_the_hostapd_keys_read_are_those_the_fields_declare():
    declared = {k for f in FIELDS.values() if f.hostapd for k in f.hostapd.keys.split()}
    assert set(HOSTAPD_KEYS) == declared | set(HOSTAPD_OTHER_KEYS)
    assert len(HOSTAPD_KEYS) == len(set(HOSTAPD_KEYS)) == 61
    assert {"beacon_int", "wmm_ac_vo_txop_limit", "vendor_elements", "vht_oper_centr_freq_seg1_idx"} <= declared | set(
        HOSTAPD_OTHER_KEYS)
    with pytest.raises(BadInput, match="unknown hostapd key 'max_num_stas'"):
        spec_from_hostapd("max_num_stas=10\n")


ONE_KEY = {f.name: f.hostapd for f in FIELDS.values() if f.hostapd and not f.hostapd.by_hand}


@pytest.mark.parametrize("name, text, value", [
    ("bssid", "02:00:00:00:00:07", "02:00:00:00:00:07"), ("beacon_interval", "200", 200),
    ("beacon_interval", "200 # TU", 200), ("dtim_period", "3", 3), ("ht", "1", True), ("vht", "1", True),
    ("he", "1", True), ("wmm", "0", False), ("uapsd", "1", True), ("rrm", "1", True), ("bss_transition", "1", True),
])
def test_a_one_key_field_is_read_from_hostapd_by_its_kind(name, text, value):
    key = ONE_KEY[name].keys
    extra = "ieee80211n=1\n" if name in ("vht", "he") else ""
    spec = spec_from_hostapd(f"hw_mode=a\nchannel=36\n{extra}{key}={text}\n")
    assert getattr(spec, name) == value


def test_one_key_fields_absent_from_hostapd_take_hostapds_default():
    assert set(ONE_KEY) == {"bssid", "beacon_interval", "dtim_period", "ht", "vht", "he", "wmm", "uapsd", "rrm",
                            "bss_transition", "short_preamble"}
    spec = spec_from_hostapd("channel=6\n")
    # ieee80211n=0 is hostapd's default, not the spec's "HT unless channel 14"; WMM follows HT/HE in both
    assert (spec.ht, spec.vht, spec.he, spec.uapsd, spec.rrm, spec.bss_transition, spec.wmm) == (
        False, False, False, False, False, False, None)
    assert resolve(spec).wmm is False and resolve(spec_from_hostapd("channel=6\nieee80211n=1\n")).wmm is True
    assert (spec.beacon_interval, spec.dtim_period, spec.bssid) == (100, 2, None)
    with pytest.raises(BadInput, match="beacon_int: not a number: 'soon'"):
        spec_from_hostapd("beacon_int=soon\n")


def test_every_declared_key_is_a_toml_key_and_no_other():
    spec = spec_from_mapping({"beacon-interval": 300, "dtim_period": 4, "wmm_ac": {"VO": {"aifsn": 3}}},
                             BeaconSpec(wmm_ac={"vo": {"cwmin": 2}, "be": {"aifsn": 7}}))
    assert (spec.beacon_interval, spec.dtim_period) == (300, 4)
    assert spec.wmm_ac == {"vo": {"cwmin": 2, "aifsn": 3}, "be": {"aifsn": 7}}  # refined, not replaced
    assert set(FIELDS) == {f.name for f in schema.declared(BeaconSpec)} == set(BeaconSpec.__dataclass_fields__)
    with pytest.raises(BadInput, match="unknown spec key 'beacon_int'"):
        spec_from_mapping({"beacon_int": 100})


@pytest.mark.parametrize("spec, message", [
    (BeaconSpec(beacon_interval=0), "beacon interval must be 1..65535 TU"),
    (BeaconSpec(width=30), "width must be one of 20, 40, 80, 160 MHz"),
    (BeaconSpec(band="7"), "unknown band '7' (one of: 2.4, 5, 6)"),
    (BeaconSpec(hidden="maybe"), "hidden must be one of no, empty, zeros"),
    (BeaconSpec(signal_dbm=200), "the signal (dBm) must be -128..127, not 200"),
    (BeaconSpec(count=0), "count must be 1..1000000"),
    (BeaconSpec(security="wpa4"), "unknown security profile 'wpa4' (one of: open, wep, wpa, "),
])
def test_declared_ranges_are_checked_by_resolve(spec, message):
    with pytest.raises(BadInput) as err:
        resolve(spec)
    assert message in str(err.value)


def test_options_with_a_syntax_of_their_own_reach_the_spec(cli, tmp_path):
    r = cli("beacon", "build", "--band", "5", "--channel", "36", "--bss-load", "3,40,1000", "--mobility-domain",
            "a1b2", "--wmm-ac", "vo:aifsn=3", "--country", "NZ", "--country-triplet", "36,4,23", "--cap", "QoS",
            "--vendor", "0050f2aa", "--buffered-aid", "5", "--akm", "FT-PSK", "--no-wmm", "--json")
    assert r.exit_code == 2 and "WMM" in r.stderr  # per-AC parameters need WMM: the options were all read
    r = cli("beacon", "build", "--band", "5", "--channel", "36", "--bss-load", "3,40,1000", "--mobility-domain",
            "a1b2", "--wmm-ac", "vo:aifsn=3", "--country", "NZ", "--country-triplet", "36,4,23", "--cap", "QoS",
            "--vendor", "0050f2aa", "--buffered-aid", "5", "--akm", "WPA-PSK FT-PSK", "--json")
    assert r.exit_code == 0, r.stderr
    spec = json.loads(r.stdout)["spec"]
    assert spec["bss_load"] == [3, 40, 1000] and spec["mobility_domain"] == 0xB2A1
    assert spec["wmm_ac"]["vo"]["aifsn"] == 3 and spec["country_triplets"] == [[36, 4, 23]]
    assert spec["extra_capabilities"] == ["QoS"] and spec["buffered_aids"] == [5]


@pytest.mark.parametrize("args, message", [
    (("--interval", "0"), "beacon interval must be 1..65535 TU"),
    (("--signal", "-200"), "the signal (dBm) must be -128..127, not -200"),
    (("--band", "7"), "'7' is not one of"),
    (("--pairwise", "RC4"), "--pairwise: unknown cipher 'RC4'"),
    (("--vendor", "zz"), "--vendor takes hex bytes"),
])
def test_option_values_are_checked_with_one_error_line(cli, args, message):
    r = cli("beacon", "build", *args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1
