"""BeaconSpec: everything `beacon build` needs, from CLI options, a TOML file or a hostapd.conf subset.

A spec is plain data. `resolve(spec)` fills the seeded defaults (BSSID, TSF start) and checks it;
build.py turns a resolved spec into frames; dissect.py's `spec_from_beacon` turns a dissected frame back
into a spec, and the round-trip test checks both directions agree. Fields marked compare=False are
properties of the train (seed, count, start values), not of the beacon, and do not take part in `==`.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path

from protolab import schema, tomlfile
from protolab.errors import BadInput
from protolab.wifi import spec_values as v

BANDS = ("2.4", "5", "6")
WIDTHS = (20, 40, 80, 160)
HIDDEN = ("no", "empty", "zeros")


@dataclass(frozen=True)
class SecurityProfile:
    name: str
    title: str
    privacy: bool
    rsn_akms: tuple[int, ...] = ()   # empty: no RSN element
    wpa_akms: tuple[int, ...] = ()   # empty: no WPA1 vendor element
    pairwise: tuple[int, ...] = (4,)
    wpa_pairwise: tuple[int, ...] = ()  # WPA+WPA2 mixed mode: the WPA element's own pairwise ciphers
    mfp: str = "off"                 # off | capable | required
    hostapd: tuple[int, str] = (0, "")  # wpa=, wpa_key_mgmt=


PROFILES: dict[str, SecurityProfile] = {p.name: p for p in [
    SecurityProfile("open", "open (no protection)", False),
    SecurityProfile("wep", "WEP (privacy bit only)", True),
    SecurityProfile("wpa", "WPA (vendor element, TKIP, PSK)", True, wpa_akms=(2,), pairwise=(2,),
                    hostapd=(1, "WPA-PSK")),
    SecurityProfile("wpa2-personal", "WPA2-Personal (CCMP, PSK)", True, rsn_akms=(2,), hostapd=(2, "WPA-PSK")),
    SecurityProfile("wpa2-enterprise", "WPA2-Enterprise (CCMP, 802.1X)", True, rsn_akms=(1,),
                    hostapd=(2, "WPA-EAP")),
    SecurityProfile("wpa3-personal", "WPA3-Personal (SAE, MFP required)", True, rsn_akms=(8,), mfp="required",
                    hostapd=(2, "SAE")),
    SecurityProfile("wpa3-transition", "WPA3 transition (PSK + SAE, MFP capable)", True, rsn_akms=(2, 8),
                    mfp="capable", hostapd=(2, "WPA-PSK SAE")),
    SecurityProfile("owe", "OWE (enhanced open, MFP required)", True, rsn_akms=(18,), mfp="required",
                    hostapd=(2, "OWE")),
    # hostapd wpa=3: a WPA vendor element (wpa_pairwise) and an RSN element (rsn_pairwise), TKIP group cipher
    SecurityProfile("wpa-wpa2-personal", "WPA+WPA2 mixed (WPA TKIP + RSN CCMP, PSK)", True, rsn_akms=(2,),
                    wpa_akms=(2,), pairwise=(4,), wpa_pairwise=(2,), hostapd=(3, "WPA-PSK")),
]}
MFP_MODES = ("off", "capable", "required")
MAX_PAIRWISE = 32  # the RSN / WPA element must stay within 255 bytes


_f = schema.field
_H = schema.Hostapd
_WMM_KEYS = " ".join(f"wmm_ac_{ac}_{p}" for ac in ("be", "bk", "vi", "vo")
                     for p in ("aifs", "cwmin", "cwmax", "txop_limit", "acm"))


def _opt(names: str, **more) -> schema.Flag:
    return schema.Flag(names, **more)


@dataclass
class BeaconSpec:
    ssid: bytes = _f(b"protolab", v.SSID, "SSID (UTF-8), or hex:... for any bytes (max 32).", flag=_opt("--ssid"),
                     hostapd=_H("ssid ssid2", by_hand=True))
    hidden: str = _f("no", v.TEXT, "Hide the SSID: empty (length 0) or zeros.", choices=HIDDEN,
                     message=f"hidden must be one of {', '.join(HIDDEN)}", flag=_opt("--hidden", choice_menu=True),
                     hostapd=_H("ignore_broadcast_ssid", by_hand=True))
    bssid: str | None = _f(None, v.TEXT, "BSSID (default: seeded random).", flag=_opt("--bssid"),
                           hostapd=_H("bssid"))
    band: str = _f("2.4", v.BAND, "2.4, 5 or 6 (GHz).", choices=BANDS,
                   message="unknown band {value!r} (one of: 2.4, 5, 6)", flag=_opt("--band", choice_menu=True),
                   hostapd=_H("hw_mode op_class", by_hand=True))
    channel: int | None = _f(None, v.WHOLE, "Channel number in the band (default: 6, 36 or 37).",
                             flag=_opt("--channel"), hostapd=_H("channel", by_hand=True))
    width: int = _f(20, v.WHOLE, "Channel width in MHz: 20, 40, 80, 160.", choices=WIDTHS,
                    message=f"width must be one of {', '.join(map(str, WIDTHS))} MHz", flag=_opt("--width"),
                    hostapd=_H("ht_capab vht_oper_chwidth he_oper_chwidth", by_hand=True))
    secondary: str = _f("", v.TEXT, "40 MHz in 2.4 GHz: secondary channel above or below (hostapd's HT40+ / "
                        "HT40-; default: the usual side).", flag=_opt("--secondary"),
                        hostapd=_H("ht_capab", by_hand=True))
    beacon_interval: int = _f(100, v.WHOLE, "Beacon interval in TU (1 TU = 1024 us).", low=1, high=65535,
                              message="beacon interval must be 1..65535 TU", flag=_opt("--interval"),
                              hostapd=_H("beacon_int"))
    dtim_period: int = _f(2, v.WHOLE, "DTIM period (beacons).", low=1, high=255, message="DTIM period must be 1..255",
                          flag=_opt("--dtim-period"), hostapd=_H("dtim_period"))
    security: str = _f("wpa2-personal", v.TEXT, "open, wep, wpa, wpa2-personal, wpa2-enterprise, wpa3-personal, "
                       "wpa3-transition, owe, wpa-wpa2-personal (WPA+WPA2 mixed).", choices=PROFILES,
                       message="unknown security profile {value!r} (one of: {choices})", flag=_opt("--security"),
                       hostapd=_H("wpa wep_key0 wep_key1 wep_key2 wep_key3", by_hand=True))
    akm: tuple[int, ...] | None = _f(None, v.AKMS, "AKM suites of the RSN element, by hostapd's wpa_key_mgmt names "
                              "(WPA-PSK, WPA-PSK-SHA256, SAE, SAE-EXT-KEY, FT-PSK, FT-SAE, FT-EAP, WPA-EAP, "
                              "WPA-EAP-SHA256, WPA-EAP-SUITE-B-192, OWE...; repeat; default: the profile's).",
                              flag=_opt("--akm"), hostapd=_H("wpa_key_mgmt", by_hand=True), json_omit_none=True)
    pairwise: tuple[int, ...] = _f((), v.CIPHERS, "Pairwise cipher (CCMP, GCMP-256, TKIP...; repeat).",
                                   flag=_opt("--pairwise"), hostapd=_H("rsn_pairwise wpa_pairwise", by_hand=True))
    wpa_pairwise: tuple[int, ...] = _f((), v.CIPHERS, "wpa-wpa2-personal only: the WPA element's pairwise cipher "
                                       "(default TKIP; repeat).", flag=_opt("--wpa-pairwise"),
                                       hostapd=_H("wpa_pairwise", by_hand=True))
    mfp: str = _f("", v.TEXT, "off, capable or required (default: the profile's).", flag=_opt("--mfp"),
                  hostapd=_H("ieee80211w", by_hand=True))
    rates: tuple[float, ...] = _f((), v.RATES, "Supported rates in Mb/s, e.g. 6,9,12,18,24,36,48,54 (default: the "
                                  "band's; past 8 they go in Extended Rates).", flag=_opt("--rates"),
                                  hostapd=_H("supported_rates", by_hand=True))
    basic_rates: tuple[float, ...] = _f((), v.RATES, "Basic rates in Mb/s (default: the band's among --rates).",
                                        flag=_opt("--basic-rates"), hostapd=_H("basic_rates", by_hand=True))
    country: str | None = _f(None, v.TEXT, "Country code (adds the country element).", flag=_opt("--country"),
                             hostapd=_H("country_code ieee80211d", by_hand=True))
    country_triplets: tuple[tuple[int, int, int], ...] = _f(
        (), v.TRIPLETS, "first-channel,channels,max-dBm (repeat; default: the band's).",
        flag=_opt("--country-triplet", read=v.triplets_option))
    spectrum_mgmt: bool = _f(False, v.BOOL, "802.11h.", flag=_opt("--spectrum-mgmt"),
                             hostapd=_H("ieee80211h", by_hand=True))
    power_constraint: int | None = _f(None, v.WHOLE, "Power constraint in dB.", low=0, high=255,
                                      message="the power constraint (dB) must be {low}..{high}, not {value}",
                                      flag=_opt("--power-constraint"), hostapd=_H("local_pwr_constraint", by_hand=True))
    bss_load: tuple[int, int, int] | None = _f(None, v.NUMBERS, "stations,utilisation,capacity (BSS load).",
                                               flag=_opt("--bss-load", cli_type=str, read=v.bss_load_option))
    ht: bool | None = _f(None, v.BOOL, "HT (802.11n) elements.", flag=_opt("--ht/--no-ht"),
                         hostapd=_H("ieee80211n", absent="0"))
    vht: bool = _f(False, v.BOOL, "VHT (802.11ac) elements.", flag=_opt("--vht/--no-vht"),
                   hostapd=_H("ieee80211ac", absent="0"))
    he: bool = _f(False, v.BOOL, "HE (802.11ax) elements.", flag=_opt("--he/--no-he"),
                  hostapd=_H("ieee80211ax", absent="0"))
    wmm: bool | None = _f(None, v.BOOL, "WMM parameter element (default: with HT or HE, as hostapd's "
                          "wmm_enabled=-1).", flag=_opt("--wmm/--no-wmm"), hostapd=_H("wmm_enabled"))
    wmm_ac: dict = _f({}, v.WMM, "WMM parameters of one access category (be/bk/vi/vo), e.g. "
                      "vo:aifsn=2,cwmin=2,cwmax=3,txop=47 (cwmin/cwmax are exponents: CW = 2^n - 1; txop in 32 us "
                      "units; repeat).", flag=_opt("--wmm-ac", read=v.wmm_option), hostapd=_H(_WMM_KEYS, by_hand=True))
    uapsd: bool = _f(False, v.BOOL, "Advertise U-APSD.", flag=_opt("--uapsd"),
                     hostapd=_H("uapsd_advertisement_enabled", absent="0"))
    cf: bool = _f(False, v.BOOL, "CF parameter set (legacy PCF).", flag=_opt("--cf"))
    short_preamble: bool = _f(False, v.BOOL, "Short preamble capability bit (hostapd: only with preamble=1).",
                              flag=_opt("--short-preamble/--long-preamble"), hostapd=_H("preamble", absent="0"))
    mobility_domain: int | None = _f(None, v.WHOLE, "802.11r MDID, hex (e.g. a1b2).", low=0, high=0xFFFF,
                                     message="the mobility domain id must be {low}..{high}, not {value}",
                                     flag=_opt("--mobility-domain", cli_type=str, read=v.mobility_domain_option),
                                     hostapd=_H("mobility_domain", by_hand=True))
    rrm: bool = _f(False, v.BOOL, "802.11k RM enabled capabilities.", flag=_opt("--rrm"),
                   hostapd=_H("rrm_neighbor_report", absent="0"))
    bss_transition: bool = _f(False, v.BOOL, "802.11v BSS transition.", flag=_opt("--bss-transition"),
                              hostapd=_H("bss_transition", absent="0"))
    vendor: tuple[bytes, ...] = _f((), v.HEX_LIST, "Raw vendor element: OUI+data in hex (repeat).",
                                   flag=_opt("--vendor", read=v.vendor_option),
                                   hostapd=_H("vendor_elements", by_hand=True))
    extra_capabilities: tuple[str, ...] = _f((), v.NAMES, "Extra capability bit by name, e.g. QoS (repeat).",
                                             flag=_opt("--cap"))
    # properties of the train (not of the beacon): not part of ==
    buffered_aids: tuple[int, ...] = _f((), v.NUMBERS, "AID with buffered frames (repeat).", compare=False,
                                        flag=_opt("--buffered-aid"))
    multicast_buffered: bool = _f(False, v.BOOL, "Group traffic buffered (DTIMs).", compare=False,
                                  flag=_opt("--multicast"))
    dtim_count: int = _f(0, v.WHOLE, "DTIM count of the first beacon.", compare=False, flag=_opt("--dtim-count"))
    signal_dbm: int = _f(-42, v.WHOLE, "Radiotap signal in dBm.", low=-128, high=127, compare=False,
                         message="the signal (dBm) must be {low}..{high}, not {value}", flag=_opt("--signal"))
    tsf_start: int | None = _f(None, v.WHOLE, "TSF of the first beacon, in us (default: seeded)", low=0,
                               high=2**64 - 1, message="the first TSF must be {low}..{high}, not {value}",
                               compare=False)
    seq_start: int = _f(0, v.WHOLE, "sequence number of the first beacon", low=0, high=4095, compare=False,
                        message="the first sequence number must be {low}..{high}, not {value}")
    count: int = _f(1, v.WHOLE, "Beacons in the train.", low=1, high=1_000_000, message="count must be 1..1000000",
                    compare=False, flag=_opt("--count"))
    seed: int = _f(1, v.WHOLE, "Seed for the BSSID and TSF start.", compare=False, flag=_opt("--seed"))

    @property
    def profile(self) -> SecurityProfile:
        return PROFILES[self.security]

    @property
    def effective_pairwise(self) -> tuple[int, ...]:
        return self.pairwise or self.profile.pairwise

    @property
    def effective_wpa_pairwise(self) -> tuple[int, ...]:
        """The WPA element's pairwise ciphers: a list of their own in WPA+WPA2 mixed mode, else the one list."""
        if self.profile.wpa_pairwise:
            return self.wpa_pairwise or self.profile.wpa_pairwise
        return self.effective_pairwise

    @property
    def rsn_akms(self) -> tuple[int, ...]:
        """The RSN element's AKMs: the spec's list (in hostapd's order) or the profile's."""
        return self.akm or self.profile.rsn_akms

    @property
    def wpa_akms(self) -> tuple[int, ...]:
        """The WPA element's AKMs: the spec's PSK/802.1X ones, or the profile's."""
        from protolab.wifi.suites import WPA1_AKMS

        if self.akm and self.profile.wpa_akms:
            return tuple(a for a in self.akm if a in WPA1_AKMS)
        return self.profile.wpa_akms

    @property
    def group_cipher(self) -> int:
        """hostapd's choice from the pairwise ciphers of the elements sent (GCMP-256 alone -> GCMP-256)."""
        from protolab.wifi.suites import group_cipher

        profile = self.profile
        return group_cipher(self.effective_wpa_pairwise if profile.wpa_akms else (),
                            self.effective_pairwise if profile.rsn_akms else ())

    @property
    def effective_mfp(self) -> str:
        return self.mfp or self.profile.mfp


def _seeded_bssid(seed: int) -> str:
    octets = bytearray(random.Random(f"bssid:{seed}").randbytes(6))
    octets[0] = (octets[0] & 0xFC) | 0x02  # unicast, locally administered
    return ":".join(f"{b:02x}" for b in octets)


def parse_mac(text: str) -> str:
    parts = text.replace("-", ":").lower().split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts):
        raise BadInput(f"not a MAC address: {text!r} (expected 6 hex octets like 02:00:00:00:00:01)")
    return ":".join(parts)


DEFAULT_CHANNEL = {"2.4": 6, "5": 36, "6": 37}  # 37: a 6 GHz preferred scanning channel


def resolve(spec: BeaconSpec) -> BeaconSpec:
    """Check a spec and fill its seeded defaults; BadInput names the first problem."""
    schema.check(spec, "")  # every declared range and choice (the frame field each value must fit in)
    if spec.channel is None:
        spec = dataclasses.replace(spec, channel=DEFAULT_CHANNEL[spec.band])
    from protolab.wifi.channels import CHANNELS_TEXT, check_width, valid_channel

    if not valid_channel(spec.band, spec.channel):
        raise BadInput(f"channel {spec.channel} is not a {spec.band} GHz channel ({CHANNELS_TEXT[spec.band]})")
    if spec.width in WIDTHS:
        check_width(spec.band, spec.channel, spec.width)
    spec = _check_channel_14(spec)
    if len(spec.ssid) > 32:
        raise BadInput(f"SSID is {len(spec.ssid)} bytes; at most 32")
    if spec.mfp and spec.mfp not in MFP_MODES:
        raise BadInput(f"mfp must be one of {', '.join(MFP_MODES)}")
    if spec.country is not None and (len(spec.country) != 2 or not spec.country.isascii()):
        raise BadInput(f"country code must be two letters, not {spec.country!r}")
    if any(not 1 <= aid <= 2007 for aid in spec.buffered_aids):
        raise BadInput("buffered AIDs must be 1..2007")
    if spec.bss_load is not None:
        if len(spec.bss_load) != 3 or not (0 <= spec.bss_load[0] <= 65535 and 0 <= spec.bss_load[1] <= 255
                                           and 0 <= spec.bss_load[2] <= 65535):
            raise BadInput("BSS load is stations (0..65535), channel utilisation (0..255), admission capacity "
                           "(0..65535, units of 32 us/s)")
    if not 0 <= spec.dtim_count < spec.dtim_period:
        raise BadInput(f"DTIM count of the first beacon must be 0..{spec.dtim_period - 1} (below the DTIM period)")
    from protolab.wifi.fixedfields import CAP_BY_NAME

    unknown = [c for c in spec.extra_capabilities if c not in CAP_BY_NAME]
    if unknown:
        raise BadInput(f"unknown capability bit {unknown[0]!r} (one of: {', '.join(CAP_BY_NAME)})")
    for raw in spec.vendor:
        if not 3 <= len(raw) <= 255:
            raise BadInput("a vendor element is an OUI (3 bytes) plus up to 252 bytes")
    changes: dict = {}
    if spec.band == "6":  # no HT/VHT in 6 GHz: HE carries everything
        changes.update(ht=False, vht=False, he=True)
    if spec.band == "2.4" and spec.width > 40:
        raise BadInput("2.4 GHz channels are 20 or 40 MHz wide")
    if spec.width >= 40 and not (spec.ht or spec.he):
        raise BadInput("a 40 MHz channel needs HT (--ht) or HE")
    if spec.width >= 80 and spec.band == "5" and not spec.vht:
        raise BadInput("80/160 MHz on 5 GHz needs VHT (--vht)")
    if spec.band != "6" and (spec.vht or spec.he) and not spec.ht:
        raise BadInput("VHT and HE stations are HT stations too in 2.4/5 GHz: add HT (--ht, ieee80211n=1)")
    if spec.band == "5" and spec.he and not spec.vht:
        raise BadInput("an HE AP in 5 GHz is VHT capable too: add VHT (--vht, ieee80211ac=1)")
    profile = PROFILES[spec.security]
    for ciphers in (spec.pairwise, spec.wpa_pairwise):
        if len(ciphers) > MAX_PAIRWISE:
            raise BadInput(f"{len(ciphers)} pairwise ciphers: at most {MAX_PAIRWISE}")
        if any(not 0 <= c <= 255 for c in ciphers):
            raise BadInput(f"pairwise cipher suite types are 0..255, not {ciphers}")
    if spec.akm:
        changes["akm"] = _check_akms(spec, profile)
    if spec.mobility_domain is not None:
        from protolab.wifi.suites import FT_AKMS

        if not FT_AKMS & set(spec.akm or profile.rsn_akms):
            raise BadInput("the Mobility Domain element goes with an FT AKM (hostapd sends it only then): add one, "
                           "e.g. --akm FT-PSK (mobility_domain with wpa_key_mgmt=... FT-PSK)")
    if spec.wpa_pairwise and not profile.wpa_pairwise:
        raise BadInput(f"wpa_pairwise is the WPA element's list in WPA+WPA2 mixed mode (wpa-wpa2-personal), "
                       f"not {spec.security}: use pairwise")
    if spec.pairwise and not (profile.rsn_akms or profile.wpa_akms):
        raise BadInput(f"{spec.security} has no cipher suites: pairwise ciphers need a WPA/RSN profile")
    if spec.mfp and spec.mfp != profile.mfp and not profile.rsn_akms:
        raise BadInput(f"management frame protection is an RSN capability: {spec.security} has no RSN element")
    if spec.wmm is None:  # hostapd's wmm_enabled=-1: on with HT or HE (hostapd.c)
        changes["wmm"] = bool(changes.get("ht", spec.ht) or changes.get("he", spec.he))
    if not changes.get("wmm", spec.wmm) and (spec.uapsd or spec.wmm_ac):
        raise BadInput("U-APSD and per-AC parameters are advertised in the WMM element: they need WMM (--wmm; "
                       "without it WMM is on only with HT or HE)")
    changes["secondary"] = _check_secondary(spec)
    # The spec holds what the beacon carries (a hidden AP's real name is not in it), and an empty or
    # zero-filled SSID is a hidden one however it was asked for.
    ssid = {"no": spec.ssid, "empty": b"", "zeros": b"\x00" * len(spec.ssid)}[spec.hidden]
    changes.update(ssid=ssid, hidden="no" if any(ssid) else "zeros" if ssid else "empty")
    if spec.bssid is None:
        changes["bssid"] = _seeded_bssid(spec.seed)
    else:
        changes["bssid"] = parse_mac(spec.bssid)
    if spec.tsf_start is None:
        changes["tsf_start"] = random.Random(f"tsf:{spec.seed}").randrange(10**9, 10**11)
    if spec.country is not None:
        changes["country"] = spec.country.upper()
    if spec.mfp == PROFILES[spec.security].mfp:
        changes["mfp"] = ""  # the profile's own: one spelling, so that specs compare equal
    if tuple(spec.pairwise) == PROFILES[spec.security].pairwise:
        changes["pairwise"] = ()
    if tuple(spec.wpa_pairwise) == PROFILES[spec.security].wpa_pairwise:
        changes["wpa_pairwise"] = ()
    if spec.extra_capabilities:  # one spelling: sorted by bit, no duplicates
        changes["extra_capabilities"] = tuple(sorted(set(spec.extra_capabilities), key=lambda c: CAP_BY_NAME[c].bit))
    if spec.spectrum_mgmt and spec.power_constraint is None:
        changes["power_constraint"] = 0
    from protolab.wifi import bss_params as bp

    rates, basic = tuple(float(r) for r in spec.rates), tuple(float(r) for r in spec.basic_rates)
    bp.check_rates(spec.band, rates, basic)
    changes["rates"], changes["basic_rates"] = bp.canonical_rates(spec.band, rates, basic)
    triplets = tuple(tuple(int(x) for x in t) for t in spec.country_triplets)
    bp.check_triplets(triplets, spec.country)
    changes["country_triplets"] = () if triplets == bp.default_triplets(spec.band, spec.country) else triplets
    changes["wmm_ac"] = bp.canonical_wmm(bp.effective_rates(spec.band, rates, basic)[0], spec.wmm_ac or {})
    return _canonical_security(dataclasses.replace(spec, **changes))


def profile_for(privacy: bool, rsn_akms: tuple[int, ...], wpa_akms: tuple[int, ...]
                ) -> tuple[SecurityProfile, tuple[int, ...] | None] | None:
    """The profile a beacon's security elements spell, and the AKM list it needs on top (None: the profile's
    own): the profile with exactly these AKMs, else the first with the same elements. None: no profile fits."""
    from protolab.wifi.suites import akm_order

    shape = [p for p in PROFILES.values()
             if (p.privacy, bool(p.rsn_akms), bool(p.wpa_akms)) == (privacy, bool(rsn_akms), bool(wpa_akms))]
    exact = [p for p in shape if (p.rsn_akms, p.wpa_akms) == (rsn_akms, wpa_akms)]
    if exact:
        return exact[0], None
    return (shape[0], akm_order(rsn_akms or wpa_akms)) if shape else None


def _canonical_security(spec: BeaconSpec) -> BeaconSpec:
    """One spelling of a security setup with its own AKM list: the profile the beacon's elements spell (as
    dissect reads it back), the MFP and cipher lists relative to that profile."""
    if spec.akm is None:
        return spec
    own = spec.profile
    profile, akm = profile_for(own.privacy, spec.rsn_akms if own.rsn_akms else (), spec.wpa_akms)
    mfp, pairwise, wpa_pairwise = spec.effective_mfp, spec.effective_pairwise, spec.effective_wpa_pairwise
    return dataclasses.replace(
        spec, security=profile.name, akm=akm, mfp="" if mfp == profile.mfp else mfp,
        pairwise=() if pairwise == profile.pairwise else pairwise,
        wpa_pairwise=() if not profile.wpa_pairwise or wpa_pairwise == profile.wpa_pairwise else wpa_pairwise)


def _check_akms(spec: BeaconSpec, profile: SecurityProfile) -> tuple[int, ...] | None:
    """The spec's AKM list in hostapd's element order; None when it is the profile's own."""
    from protolab.wifi.suites import WPA1_AKMS, akm_order

    if not (profile.rsn_akms or profile.wpa_akms):
        raise BadInput(f"{spec.security} has no RSN or WPA element: an AKM list needs a WPA/RSN profile")
    akms = akm_order(spec.akm)
    if len(akms) > MAX_PAIRWISE:
        raise BadInput(f"{len(akms)} AKMs: at most {MAX_PAIRWISE}")
    if profile.wpa_akms and not any(a in WPA1_AKMS for a in akms):
        raise BadInput("the WPA (v1) element carries only WPA-PSK and WPA-EAP: give one of them")
    if not profile.rsn_akms and any(a not in WPA1_AKMS for a in akms):
        raise BadInput(f"{spec.security} has only the WPA (v1) element, which carries only WPA-PSK and WPA-EAP")
    return None if akms == (profile.rsn_akms or profile.wpa_akms) else akms


def _check_channel_14(spec: BeaconSpec) -> BeaconSpec:
    """2.4 GHz channel 14 (Japan) allows only DSSS/CCK: no OFDM rates, no HT/VHT/HE, 20 MHz. Fills the
    default HT (on everywhere else) and the rates (1, 2, 5.5, 11 Mb/s) there."""
    from protolab.wifi.bss_params import DSSS_RATES

    if not (spec.band == "2.4" and spec.channel == 14):
        return dataclasses.replace(spec, ht=True) if spec.ht is None else spec
    refused = [what for what, on in (("HT", spec.ht), ("VHT", spec.vht), ("HE", spec.he),
                                     (f"{spec.width} MHz", spec.width != 20)) if on]
    ofdm = [r for r in (*spec.rates, *spec.basic_rates) if float(r) not in DSSS_RATES]
    if refused or ofdm:
        what = ", ".join(refused) or f"rate {ofdm[0]:g} Mb/s"
        raise BadInput(f"2.4 GHz channel 14 is DSSS/CCK only (Japan, 802.11b): {what} not allowed there "
                       "(20 MHz, rates 1, 2, 5.5, 11 Mb/s)")
    return dataclasses.replace(spec, ht=False, rates=spec.rates or DSSS_RATES)


def _check_secondary(spec: BeaconSpec) -> str:
    """The spec's spelling of the secondary 20 MHz channel side: "" when it is the usual one."""
    from protolab.wifi.channels import secondary_above

    if spec.secondary not in ("", "above", "below"):
        raise BadInput(f"secondary must be above or below, not {spec.secondary!r}")
    if not spec.secondary:
        return ""
    if spec.width != 40 or spec.band != "2.4":
        if spec.secondary == ("above" if secondary_above(spec.band, spec.channel) else "below") and spec.width >= 40:
            return ""
        raise BadInput("the secondary channel side is a choice only for 40 MHz in 2.4 GHz (5 and 6 GHz channels "
                       "pair up in fixed blocks)")
    if not 1 <= spec.channel + (4 if spec.secondary == "above" else -4) <= 13:
        raise BadInput(f"channel {spec.channel} has no secondary channel {spec.secondary} it within 1..13")
    return "" if (spec.secondary == "above") == secondary_above(spec.band, spec.channel) else spec.secondary


# ---- sources: TOML and hostapd.conf (values read by their fields' kinds, spec_values.py) ------------

FIELDS = {f.name: f for f in schema.declared(BeaconSpec)}


def apply(spec: BeaconSpec, values: dict) -> BeaconSpec:
    """``spec`` with the given field values (already read by their kinds); a kind that merges (WMM per
    access category) refines the spec's value instead of replacing it."""
    merged = {name: FIELDS[name].kind.merge(getattr(spec, name), value) if FIELDS[name].kind.merge else value
              for name, value in values.items()}
    return dataclasses.replace(spec, **merged)


def spec_from_mapping(data: dict, base: BeaconSpec | None = None) -> BeaconSpec:
    """A spec from a dict of spec field names (TOML keys, '-' or '_'), values read by the fields' kinds."""
    values = {}
    for key, value in data.items():
        f = FIELDS.get(key.replace("-", "_"))
        if f is None:
            raise BadInput(f"unknown spec key {key!r}")
        values[f.name] = f.kind.read(value, key)
    return apply(base or BeaconSpec(), values)


def spec_from_toml(path: Path) -> BeaconSpec:
    data = tomlfile.read(path, "--spec")
    return spec_from_mapping(data.get("beacon", data))


# hostapd's centre channel indexes: seg0 is the centre of the whole channel, seg1 that of 80+80's second part
CENTRE_KEYS = ("vht_oper_centr_freq_seg0_idx", "he_oper_centr_freq_seg0_idx")
SEG1_KEYS = ("vht_oper_centr_freq_seg1_idx", "he_oper_centr_freq_seg1_idx")
# keys read beside those that set a field: checked against the channel the spec's fields give
HOSTAPD_OTHER_KEYS = (*CENTRE_KEYS, *SEG1_KEYS)
HOSTAPD_KEYS = tuple(dict.fromkeys([k for f in FIELDS.values() if f.hostapd for k in f.hostapd.keys.split()]
                                   + list(HOSTAPD_OTHER_KEYS)))
# hostapd's WMM key suffix -> our parameter name
HOSTAPD_WMM = {"aifs": "aifsn", "cwmin": "cwmin", "cwmax": "cwmax", "txop_limit": "txop", "acm": "acm"}
# hostapd's wpa_key_mgmt (sorted, space-separated) + wpa= -> our profile
KEY_MGMT_PROFILES = {(p.hostapd[0], " ".join(sorted(p.hostapd[1].split()))): p.name
                     for p in PROFILES.values() if p.hostapd[0]}
