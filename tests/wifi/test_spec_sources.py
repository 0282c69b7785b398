"""Where a beacon spec comes from: the defaults per band, a hostapd.conf subset and a TOML [beacon] table, each
read into the same spec; specs that cannot be built are refused with BadInput."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import BeaconSpec, resolve, spec_from_toml


def test_channel_defaults_per_band():
    assert [resolve(BeaconSpec(band=b)).channel for b in ("2.4", "5", "6")] == [6, 36, 37]
    with pytest.raises(BadInput, match="automatic channel selection"):
        spec_from_hostapd("hw_mode=a\nchannel=0\n")


@pytest.mark.parametrize("spec, message", [
    (BeaconSpec(band="5", channel=6), "not a 5 GHz channel"), (BeaconSpec(security="wpa4"), "unknown security"),
    (BeaconSpec(band="2.4", width=80), "20 or 40"), (BeaconSpec(band="5", channel=36, width=80), "needs VHT"),
    (BeaconSpec(bssid="zz:00"), "not a MAC"), (BeaconSpec(buffered_aids=(2008,)), "1..2007"),
])
def test_bad_specs(spec, message):
    with pytest.raises(BadInput, match=message):
        resolve(spec)


HOSTAPD = """\
interface=wlan0
ssid=corp
hw_mode=a
channel=44
beacon_int=200
dtim_period=3
country_code=FR
ieee80211d=1
ieee80211h=1
wpa=2
wpa_key_mgmt=SAE WPA-PSK FT-SAE
rsn_pairwise=CCMP
ieee80211w=1
ieee80211n=1
ieee80211ac=1
ht_capab=[HT40+]
vht_oper_chwidth=1
wmm_enabled=1
mobility_domain=a1b2
rrm_neighbor_report=1
bss_transition=1
supported_rates=60 90 120 180 240 360 480 540
basic_rates=60 120 240
wmm_ac_vo_aifs=2
wmm_ac_vo_cwmin=2
wmm_ac_vo_cwmax=3
wmm_ac_vo_txop_limit=0
wmm_ac_vo_acm=1
wmm_ac_be_aifs=3
"""


def test_hostapd_conf_subset():
    spec = resolve(spec_from_hostapd(HOSTAPD))
    assert (spec.ssid, spec.band, spec.channel, spec.beacon_interval, spec.dtim_period) == (b"corp", "5", 44, 200, 3)
    # an AKM list no profile has: the first RSN profile's spelling, MFP stated against it (as dissect reads it)
    assert (spec.country, spec.spectrum_mgmt, spec.security, spec.mfp, spec.akm) == ("FR", True, "wpa2-personal",
                                                                                     "capable", (2, 8, 9))
    assert (spec.ht, spec.vht, spec.width, spec.wmm, spec.rrm, spec.bss_transition) == (True, True, 80, True,
                                                                                        True, True)
    assert spec.mobility_domain == 0xB2A1  # a1 b2 in frame order, little-endian field
    below = resolve(spec_from_hostapd("hw_mode=g\nchannel=6\nieee80211n=1\nht_capab=[HT40-][SHORT-GI-40]\n"))
    assert (below.width, below.secondary) == (40, "below")
    with pytest.raises(BadInput, match="no secondary channel below"):
        resolve(BeaconSpec(channel=3, width=40, secondary="below"))
    # the 5 GHz defaults restated are stored as "default"; only what differs from hostapd's defaults stays
    assert (spec.rates, spec.basic_rates, spec.wmm_ac) == ((), (), {"vo": {"txop": 0, "acm": 1}})
    g_only = resolve(spec_from_hostapd("hw_mode=g\nchannel=1\nsupported_rates=60 120 240 540\n"
                                       "basic_rates=60 120\ncountry_code=US\nieee80211d=1\n"))
    assert (g_only.rates, g_only.basic_rates, g_only.country) == ((6.0, 12.0, 24.0, 54.0), (6.0, 12.0), "US")
    with pytest.raises(BadInput, match="needs country_code"):
        spec_from_hostapd("ieee80211d=1\n")
    b_only = resolve(spec_from_hostapd("hw_mode=b\nchannel=3\n"))
    assert (b_only.rates, b_only.basic_rates) == ((1.0, 2.0, 5.5, 11.0), ())
    for conf, message in [("ssid2=zz", "ssid2: not hex"), ("mobility_domain=a1", "2 bytes of hex"),
                          ("vendor_elements=dd05", "whole vendor elements"), ("hw_mode=ad", "hw_mode=ad"),
                          ("ieee80211w=5", "ieee80211w=5"), ("ignore_broadcast_ssid=7", "ignore_broadcast_ssid=7"),
                          ("vht_oper_chwidth=3", "vht_oper_chwidth=3"), ("ieee80211n=maybe", "ieee80211n: not a")]:
        with pytest.raises(BadInput, match=message):
            spec_from_hostapd(conf + "\n")
    six = resolve(spec_from_hostapd("ssid=six\nop_class=134\nchannel=37\nieee80211ax=1\nhe_oper_chwidth=2\n"
                                    "wpa=2\nwpa_key_mgmt=SAE\nieee80211w=2\nignore_broadcast_ssid=1\n"))
    assert (six.band, six.width, six.he, six.ht, six.security, six.hidden) == ("6", 160, True, False,
                                                                               "wpa3-personal", "empty")
    with pytest.raises(BadInput, match="hostapd.conf:2: unknown hostapd key 'max_num_stations'"):
        spec_from_hostapd("ssid=x\nmax_num_stations=5\n")
    ft = resolve(spec_from_hostapd("wpa=2\nwpa_key_mgmt=FT-EAP-SHA384\n"))
    assert (ft.security, ft.akm) == ("wpa2-personal", (13,))  # the RSN profile's spelling, AKMs on top


def test_toml_spec(tmp_path):
    path = tmp_path / "ap.toml"
    path.write_text('[beacon]\nssid = "hex:b2e2cad4"\nband = "5"\nchannel = 149\nsecurity = "owe"\n'
                    'pairwise = ["GCMP-256"]\nvht = true\nwidth = 80\ncount = 2\nrates = [6, 12, 24, 54]\n'
                    'country = "NZ"\ncountry_triplets = [[149, 5, 30]]\n'
                    '[beacon.wmm_ac.vi]\ntxop = 0\n[beacon.wmm_ac.be]\naifsn = 3\ncwmin = 5\n')
    spec = resolve(spec_from_toml(path))
    assert (spec.ssid, spec.channel, spec.pairwise, spec.count) == (bytes.fromhex("b2e2cad4"), 149, (9,), 2)
    assert (spec.rates, spec.basic_rates, spec.country_triplets) == ((6.0, 12.0, 24.0, 54.0), (), ((149, 5, 30),))
    assert spec.wmm_ac == {"vi": {"txop": 0}, "be": {"cwmin": 5}}
    path.write_text("[beacon]\nchanel = 1\n")
    with pytest.raises(BadInput, match="unknown spec key"):
        spec_from_toml(path)
    for line, message in [('channel = "abc"', "channel: not a number"), ("ssid = 5", "ssid: a string"),
                          ("width = 40.5", "width: not a whole number"), ('vendor = ["zz"]', "vendor: not hex"),
                          ("country = 12", "country: a string"), ('wmm_ac = {vo = {aifsn = "x"}}', "wmm_ac.vo.aifsn"),
                          ('buffered_aids = ["a"]', "buffered_aids: not a number"), ('ht = "maybe"', "not a boolean")]:
        path.write_text(f"[beacon]\n{line}\n")
        with pytest.raises(BadInput, match=message):
            resolve(spec_from_toml(path))
    path.write_text('[beacon]\nband = 5\nht = "yes"\nextra_capabilities = "QoS"\npairwise = ["gcmp-256"]\n')
    spec = resolve(spec_from_toml(path))
    assert (spec.band, spec.ht, spec.extra_capabilities, spec.pairwise) == ("5", True, ("QoS",), (9,))
