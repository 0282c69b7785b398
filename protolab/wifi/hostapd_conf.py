"""hostapd.conf read as hostapd reads it (hostapd/config_file.c), into a BeaconSpec.

The line rules are hostapd's: a line is a comment only when its first character is '#'; an empty line is
skipped; every other line is key=value split at the first '=', nothing stripped (" ssid=x" is the key
" ssid", which hostapd does not know either). So an inline "# comment" works only where hostapd's reading of
the value stops before it: numbers are read as atoi reads them (the leading number; the rest is ignored),
country_code takes two letters, ht_capab looks for its [FLAGS]; an SSID, a word list (wpa_key_mgmt,
rsn_pairwise) or hw_mode takes the whole text, so a comment there is part of the SSID or an unknown word.
One deliberate difference: a number key whose value holds no number is refused (atoi would read 0).

Every key is applied (the spec's declarations), or one hostapd knows but that changes nothing in a beacon,
or one that shapes hostapd's beacon in a way not built here (hostapd_keys.py); both are listed once in the
result, and refused by ``strict``. A key hostapd does not know is refused. ``bss=`` starts another BSS:
only the first BSS is built, and the lines from there on are counted as one more BSS not built.
"""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from dataclasses import dataclass

from protolab.errors import BadInput
from protolab.wifi import hostapd_keys
from protolab.wifi import spec_values as v
from protolab.wifi.spec import (
    CENTRE_KEYS,
    DEFAULT_CHANNEL,
    FIELDS,
    HOSTAPD_KEYS,
    HOSTAPD_WMM,
    KEY_MGMT_PROFILES,
    PROFILES,
    SEG1_KEYS,
    BeaconSpec,
)
from protolab.wifi.suites import FT_AKMS, KEY_MGMT, KEY_MGMT_NAME, KEY_MGMT_NOT_BUILT, akm_order

LINE_BUFFER = 4096  # hostapd reads lines with fgets into a buffer this size (the newline included)
_ATOI = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")
# hostapd's cipher names (wpa_parse_cipher) -> suite type; NONE/WEP are refused as pairwise by hostapd
CIPHERS = {"CCMP": 4, "CCMP-256": 10, "GCMP": 8, "GCMP-256": 9, "TKIP": 2}


@dataclass(frozen=True)
class HostapdConf:
    """What a hostapd.conf gives: the spec, and the keys it holds that the beacon does not reflect."""

    spec: BeaconSpec
    not_in_beacon: tuple[str, ...] = ()  # keys hostapd knows that never change a beacon
    not_built: tuple[tuple[str, str], ...] = ()  # (key, what it changes in hostapd's beacon)
    other_bss_line: int | None = None  # the first bss= line: that BSS and those after it are not built


def atoi(value: str, where: str) -> int:
    """A number as hostapd's atoi reads it: the leading number, whatever follows (an inline comment)."""
    match = _ATOI.match(value)
    if match is None:
        raise BadInput(f"{where}: not a number: {value!r}")
    return int(match.group(1))


class _Conf:
    """The applied keys of one BSS: key -> (value, line number), the last line of a key winning, as in hostapd."""

    def __init__(self, source: str):
        self.source, self.values, self.lines = source, {}, {}

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def where(self, key: str) -> str:
        return f"{self.source}:{self.lines[key]}" if key in self.lines else self.source

    def text(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def number(self, key: str, default: int | None = None) -> int | None:
        return atoi(self.values[key], self.where(key) + f": {key}") if key in self.values else default

    def choice(self, key: str, choices: dict, default: str):
        value = self.values.get(key, default)
        if value not in choices:
            raise BadInput(f"{self.where(key)}: {key}={value} is not built by beacon build (one of: "
                           f"{', '.join(choices)})")
        return choices[value]

    @contextmanager
    def at(self, key: str):
        """Errors of reading ``key``'s value name its file and line."""
        try:
            yield
        except BadInput as exc:
            if str(exc).startswith(self.source + ":"):
                raise
            raise BadInput(f"{self.where(key)}: {exc}") from None


def _lines(text: str, source: str):
    """(line number, key, value) of every line hostapd would read as a setting."""
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("#") or line == "":
            continue
        if len(line.encode()) >= LINE_BUFFER:
            raise BadInput(f"{source}:{number}: longer than hostapd's {LINE_BUFFER - 1}-byte line")
        key, sep, value = line.partition("=")
        if not sep:
            raise BadInput(f"{source}:{number}: invalid line {line!r} (hostapd reads key=value; a comment "
                           "starts with '#' in the first column)")
        yield number, key, value


def read_hostapd(text: str, source: str = "hostapd.conf", *, strict: bool = False) -> HostapdConf:
    """The spec a hostapd.conf describes; BadInput names the file and line of the first problem."""
    conf = _Conf(source)
    applied = set(HOSTAPD_KEYS)
    not_in_beacon: dict[str, None] = {}
    not_built: dict[str, str] = {}
    other_bss = None
    for number, raw_key, value in _lines(text, source):
        key = hostapd_keys.canonical_key(raw_key)
        if key == "bss":
            if strict:
                raise BadInput(f"{source}:{number}: bss={value}: a further BSS (Multiple BSSID) is not built "
                               "(--strict)")
            other_bss = number
            break
        if key in applied:
            conf.values[key], conf.lines[key] = value, number
            continue
        reason = hostapd_keys.not_built_reason(key)
        if reason is None and not hostapd_keys.not_in_beacon(key):
            raise BadInput(f"{source}:{number}: unknown hostapd key {raw_key!r} (hostapd refuses it too)")
        if strict:
            what = (f"shapes hostapd's beacon ({reason}), which beacon build does not build" if reason
                    else "is not part of a beacon")
            raise BadInput(f"{source}:{number}: {raw_key} {what} (--strict refuses it)")
        if reason:
            not_built.setdefault(raw_key, reason)
        else:
            not_in_beacon.setdefault(raw_key, None)
    spec = _spec(conf)
    if "mobility_domain" in conf and spec.mobility_domain is None:  # no FT AKM: hostapd sends no MDE
        not_in_beacon.setdefault("mobility_domain", None)
    return HostapdConf(spec, tuple(not_in_beacon), tuple(not_built.items()), other_bss)


def spec_from_hostapd(text: str, source: str = "hostapd.conf", *, strict: bool = False) -> BeaconSpec:
    return read_hostapd(text, source, strict=strict).spec


# the reading of a one-key field's value by its kind's type, as hostapd reads such a value
def _as_bool(conf: _Conf, key: str) -> bool:
    return conf.number(key) != 0


_ONE_KEY_READ = {v.BOOL: _as_bool, v.WHOLE: lambda conf, key: conf.number(key),
                 v.TEXT: lambda conf, key: conf.text(key)}


def _spec(conf: _Conf) -> BeaconSpec:
    c: dict = {}
    if "ssid2" in conf:
        raw = conf.text("ssid2")
        with conf.at("ssid2"):
            c["ssid"] = raw[1:-1].encode() if raw.startswith('"') and raw.endswith('"') else v.hex_bytes(raw, "ssid2")
    elif "ssid" in conf:
        c["ssid"] = conf.text("ssid").encode("utf-8")
    if "ssid" in c and not 1 <= len(c["ssid"]) <= 32:
        key = "ssid2" if "ssid2" in conf else "ssid"
        raise BadInput(f"{conf.where(key)}: invalid SSID ({len(c['ssid'])} bytes; hostapd takes 1..32)")
    if conf.text("channel") == "acs_survey":
        raise BadInput(f"{conf.where('channel')}: channel=acs_survey (automatic channel selection) cannot be built: "
                       "give a channel")
    channel = conf.number("channel")
    if channel == 0:
        raise BadInput(f"{conf.where('channel')}: channel=0 (automatic channel selection) cannot be built: "
                       "give a channel")
    op_class = conf.number("op_class")
    hw_mode = conf.choice("hw_mode", {"a": "a", "b": "b", "g": "g"}, "g")
    band = "6" if op_class is not None and 131 <= op_class <= 137 else "5" if hw_mode == "a" else "2.4"
    if hw_mode == "b" and "supported_rates" not in conf:  # an 802.11b AP: DSSS/CCK rates only
        from protolab.wifi.bss_params import DSSS_RATES

        c["rates"] = DSSS_RATES
    c.update(band=band, channel=channel)
    for f in FIELDS.values():  # a key that sets one field (absent: hostapd's default)
        h = f.hostapd
        if h and not h.by_hand:
            if h.keys in conf:
                with conf.at(h.keys):
                    c[f.name] = f.kind.read(_ONE_KEY_READ[f.kind](conf, h.keys), h.keys)
            elif h.absent is not None:
                c[f.name] = f.kind.read(h.absent, h.keys)
    c["hidden"] = conf.choice("ignore_broadcast_ssid", {"0": "no", "1": "empty", "2": "zeros"},
                              str(conf.number("ignore_broadcast_ssid", 0)))
    if conf.number("ieee80211d", 0):
        if "country_code" not in conf:
            raise BadInput(f"{conf.where('ieee80211d')}: ieee80211d=1 needs country_code")
        code = conf.text("country_code")
        if not re.match("[A-Z]{2}", code):  # hostapd takes the first two characters, capitals only
            raise BadInput(f"{conf.where('country_code')}: invalid country_code {code!r} (two capital letters)")
        c["country"] = code[:2]
    from protolab.wifi.bss_params import parse_rate_list

    for key, name in (("supported_rates", "rates"), ("basic_rates", "basic_rates")):
        if key in conf:  # hostapd: units of 100 kb/s, space-separated
            with conf.at(key):
                c[name] = parse_rate_list(conf.text(key), 10, key)
    wmm_ac: dict[str, dict[str, int]] = {}
    for key in conf.values:
        if key.startswith("wmm_ac_"):
            ac, param = key[7:9], key[10:]
            wmm_ac.setdefault(ac, {})[HOSTAPD_WMM[param]] = conf.number(key)
    if wmm_ac:
        c["wmm_ac"] = wmm_ac
    if conf.number("ieee80211h", 0):
        c["spectrum_mgmt"] = True
        c["power_constraint"] = conf.number("local_pwr_constraint", 0)
    c.update(_security(conf))
    c.update(_width(conf, band, channel))
    if band == "6":
        _check_6ghz(conf, c)
    if "mobility_domain" in conf:
        # hostapd writes the MDID as the two octets in frame order; the field is little-endian
        text = conf.text("mobility_domain")
        with conf.at("mobility_domain"):
            mdid = v.hex_bytes(text, "mobility_domain") if len(text) == 4 else b""
        if len(mdid) != 2:
            raise BadInput(f"{conf.where('mobility_domain')}: mobility_domain={text}: 2 bytes of hex (e.g. a1b2)")
        if FT_AKMS & set(c.get("akm") or PROFILES[c["security"]].rsn_akms):  # hostapd's MDE needs an FT AKM
            c["mobility_domain"] = int.from_bytes(mdid, "little")
    if "vendor_elements" in conf:
        with conf.at("vendor_elements"):
            c["vendor"] = _vendor_elements(conf.text("vendor_elements"))
    return dataclasses.replace(BeaconSpec(), **c)


def _key_mgmt(conf: _Conf) -> tuple[int, ...]:
    """wpa_key_mgmt's AKMs (hostapd's default: WPA-PSK): words split at spaces and tabs, each one known."""
    words = conf.text("wpa_key_mgmt", "WPA-PSK").replace("\t", " ").split(" ")
    akms = []
    for word in filter(None, words):
        if word in KEY_MGMT_NOT_BUILT:
            raise BadInput(f"{conf.where('wpa_key_mgmt')}: wpa_key_mgmt {word} is not built by beacon build")
        if word not in KEY_MGMT:
            raise BadInput(f"{conf.where('wpa_key_mgmt')}: invalid key_mgmt {word!r} (one of: {', '.join(KEY_MGMT)})")
        akms.append(KEY_MGMT[word])
    if not akms:
        raise BadInput(f"{conf.where('wpa_key_mgmt')}: no key_mgmt values")
    return akm_order(akms)


def _ciphers(conf: _Conf, key: str, default: str) -> tuple[int, ...]:
    words = [w for w in conf.text(key, default).replace("\t", " ").split(" ") if w]
    unknown = [w for w in words if w not in CIPHERS]
    if unknown or not words:
        raise BadInput(f"{conf.where(key)}: {key}: unknown or unsupported pairwise cipher "
                       f"{unknown[0] if unknown else ''!r} (one of: {', '.join(CIPHERS)})")
    return tuple(CIPHERS[w] for w in words)


def _security(conf: _Conf) -> dict:
    """security, akm, pairwise ciphers and MFP from wpa (bit 0: WPA, bit 1: RSN), wpa_key_mgmt, the cipher
    lists and ieee80211w (hostapd's default 0: no MFP, whatever the AKMs)."""
    wpa = conf.number("wpa", 0) & 3
    mfp = conf.choice("ieee80211w", {"0": "off", "1": "capable", "2": "required"}, str(conf.number("ieee80211w", 0)))
    if not wpa:
        return {"security": "wep" if any(f"wep_key{i}" in conf for i in range(4)) else "open"}
    akms = _key_mgmt(conf)
    names = " ".join(sorted(KEY_MGMT_NAME[a] for a in akms))
    c: dict = {"security": KEY_MGMT_PROFILES.get((wpa, names))}
    if c["security"] is None:
        # a list no profile has: on the profile with these elements (resolve spells it as dissect reads it)
        c["security"] = {1: "wpa", 3: "wpa-wpa2-personal"}.get(wpa, "wpa2-personal")
        c["akm"] = akms
    # hostapd: wpa_pairwise defaults to TKIP, rsn_pairwise to wpa_pairwise
    wpa_ciphers = _ciphers(conf, "wpa_pairwise", "TKIP")
    rsn_ciphers = _ciphers(conf, "rsn_pairwise", "") if "rsn_pairwise" in conf else wpa_ciphers
    if wpa == 3:
        if 2 not in wpa_ciphers:
            raise BadInput(f"{conf.where('wpa_pairwise')}: wpa=3 (WPA+WPA2) is built with a TKIP group cipher: "
                           "wpa_pairwise must include TKIP")
        c["wpa_pairwise"] = wpa_ciphers
    if "wpa_pairwise" in conf or wpa >= 2 and "rsn_pairwise" in conf:  # else the profile's (CCMP; TKIP for WPA)
        c["pairwise"] = wpa_ciphers if wpa == 1 else rsn_ciphers
    if wpa & 2:  # MFP is an RSN capability; hostapd ignores ieee80211w without RSN
        c["mfp"] = mfp
    return c


def _check_6ghz(conf: _Conf, c: dict) -> None:
    """hostapd refuses a 6 GHz BSS without RSN alone, MFP required, no PSK AKM and no TKIP (ap_config.c)."""
    from protolab.wifi.spec import PROFILES

    profile = PROFILES[c["security"]]
    akms = c.get("akm") or profile.rsn_akms
    if profile.wpa_akms or not profile.rsn_akms:
        raise BadInput(f"{conf.where('wpa')}: 6 GHz allows no pre-RSNA security (wpa=2 with an RSN AKM only)")
    if (c.get("mfp") or profile.mfp) != "required":
        raise BadInput(f"{conf.where('ieee80211w')}: management frame protection is required in 6 GHz "
                       "(ieee80211w=2)")
    if set(akms) & {2, 4, 6}:
        raise BadInput(f"{conf.where('wpa_key_mgmt')}: WPA-PSK, FT-PSK and WPA-PSK-SHA256 are not allowed in 6 GHz")
    if 2 in c.get("pairwise", ()):
        raise BadInput(f"{conf.where('rsn_pairwise')}: TKIP is not allowed in 6 GHz")


def _width(conf: _Conf, band: str, channel: int | None) -> dict:
    c: dict = {}
    width = 20
    ht_capab = conf.text("ht_capab", "")
    if "[HT40+]" in ht_capab or "[HT40-]" in ht_capab:
        width = 40
        c["secondary"] = "above" if "[HT40+]" in ht_capab else "below"
    for key in ("vht_oper_chwidth", "he_oper_chwidth"):
        if key in conf:  # 0: 20/40 MHz as ht_capab says, 1: 80, 2: 160 (3, 80+80, is not built)
            width = conf.choice(key, {"0": width, "1": 80, "2": 160}, str(conf.number(key)))
    c["width"] = width
    with conf.at("channel"):  # a channel in no block of that width: the channel's line
        _check_centre_keys(conf, band, channel or DEFAULT_CHANNEL[band], width, c.get("secondary", ""))
    return c


def _check_centre_keys(conf: _Conf, band: str, channel: int, width: int, secondary: str) -> None:
    """The centre channel keys must say what beacon build computes from the channel and width (0 is
    accepted for 20/40 MHz, where hostapd ignores them); 80+80 MHz (a non-zero seg1) is not built."""
    from protolab.wifi.channels import center_channel, secondary_above

    if band == "2.4" and width == 40:  # either side of the primary: the HT40+/- choice
        centre = channel + (2 if (secondary == "above" if secondary else secondary_above(band, channel)) else -2)
    else:
        centre = center_channel(band, channel, width)
    for key in CENTRE_KEYS:
        if key in conf:
            value = conf.number(key)
            if value != centre and not (value == 0 and width <= 40):
                raise BadInput(f"{conf.where(key)}: {key}={value} disagrees with channel {channel} at {width} MHz, "
                               f"whose centre is channel {centre}")
    for key in SEG1_KEYS:
        if key in conf and conf.number(key) != 0:
            raise BadInput(f"{conf.where(key)}: {key}={conf.text(key)}: 80+80 MHz is not built (leave it 0)")


def _vendor_elements(text: str) -> tuple[bytes, ...]:
    """hostapd's vendor_elements: whole elements in hex (dd len OUI data ...)."""
    raw = v.hex_bytes(text, "vendor_elements")
    vendor, i = [], 0
    while i < len(raw):
        if raw[i] != 221 or i + 2 > len(raw) or i + 2 + raw[i + 1] > len(raw):
            raise BadInput(f"vendor_elements: not a chain of whole vendor elements (dd len OUI data ...) at byte {i}")
        vendor.append(raw[i + 2:i + 2 + raw[i + 1]])
        i += 2 + raw[i + 1]
    return tuple(vendor)
