"""The one registry of 802.11 elements: id (or extension id, or vendor OUI+type) -> name, role, meaning,
and a struct-level digest.

Theory of operation: a beacon body after the 12 fixed bytes is a chain of elements, each
`id (1) | length (1) | body (length)`. Element 255 carries an extension id as the first body byte;
element 221 carries a 3-byte OUI and (for the OUIs we know) a type byte. `kind_of(eid, body)` finds the
ElementKind for any element; unknown ones get a generic kind. Three users read this table:
  - dissect names each element and tags its fields with the role (its fields are decoded by Scapy and
    the layers of layers.py);
  - survey calls `digest(body, summary)` for the few elements it needs: plain slicing and
    int.from_bytes on the raw bytes, no Scapy, so it stays fast on big captures;
  - explain prints the name, role and meaning.
Digests may assume the body is as long as the element says (the walker checks the bounds) but must
tolerate a body too short for its contents: they raise IndexError/ValueError, the caller marks the
element malformed and keeps what was already decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from protolab.wifi.roles import COMPATIBILITY, DISCOVERY, POWER_SAVE, ROAMING, SECURITY, TIME_SYNC
from protolab.wifi.suites import MS_OUI, WFA_OUI

Digest = Callable[[bytes, dict], None]


@dataclass(frozen=True)
class ElementKind:
    eid: int
    name: str
    topic: str  # short name, used by `beacon explain TOPIC`
    role: str
    meaning: str
    ext: int | None = None  # extension id (eid 255)
    vendor: tuple[int, int] | None = None  # (OUI, type) (eid 221)
    field_roles: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (role, meaning) when the
    # field serves another role than its element
    digest: Digest | None = field(default=None, compare=False, repr=False)

    def role_of(self, field_name: str) -> str:
        entry = self.field_roles.get(field_name)
        return entry[0] if entry else self.role


# ---- struct-level digests (survey) -------------------------------------------------------------

def _u16(b: bytes, o: int) -> int:
    if o + 2 > len(b):
        raise IndexError("short field")
    return b[o] | b[o + 1] << 8


def _ssid(body: bytes, s: dict) -> None:
    s.setdefault("ssid", body)  # the first SSID wins: never overwrite a decoded field


def _rates(body: bytes, s: dict) -> None:
    s.setdefault("rates", []).extend(body)


def _ds(body: bytes, s: dict) -> None:
    s.setdefault("ds_channel", body[0])


def _tim(body: bytes, s: dict) -> None:
    s.setdefault("dtim_count", body[0])
    s.setdefault("dtim_period", body[1])


def _country(body: bytes, s: dict) -> None:
    if len(body) < 2:
        raise IndexError("short country")
    s.setdefault("country", body[:2].decode("latin-1"))


def _suite_list(body: bytes, o: int) -> tuple[tuple[int, ...], int]:
    count = _u16(body, o)
    o += 2
    if o + 4 * count > len(body):
        raise IndexError("suite list past the element")
    return tuple(body[o + 4 * i + 3] for i in range(count)), o + 4 * count


def parse_rsn(body: bytes) -> dict:
    """RSN element body -> version, group, pairwise, akms, mfpc, mfpr (missing tail fields stay absent)."""
    out: dict = {"version": _u16(body, 0)}
    if len(body) >= 6:
        out["group"] = body[5]
    if len(body) >= 8:
        out["pairwise"], o = _suite_list(body, 6)
        if len(body) >= o + 2:
            out["akms"], o = _suite_list(body, o)
            if len(body) >= o + 2:
                caps = _u16(body, o)
                out["caps"] = caps
                out["mfpc"] = caps >> 7 & 1
                out["mfpr"] = caps >> 6 & 1
    return out


def _rsn(body: bytes, s: dict) -> None:
    if "rsn" not in s:
        s["rsn"] = parse_rsn(body)


def _wpa(body: bytes, s: dict) -> None:
    # After OUI + type: the same layout as RSN up to the AKM list (no capabilities).
    if "wpa" not in s:
        s["wpa"] = parse_rsn(body[4:])


def _ht_cap(body: bytes, s: dict) -> None:
    s.setdefault("ht_cap", _u16(body, 0))


def _ht_op(body: bytes, s: dict) -> None:
    s.setdefault("ht_primary", body[0])
    s.setdefault("ht_secondary_offset", body[1] & 3)


def _vht_cap(body: bytes, s: dict) -> None:
    if len(body) < 4:
        raise IndexError("short VHT capabilities")
    s.setdefault("vht_cap", int.from_bytes(body[:4], "little"))


def _vht_op(body: bytes, s: dict) -> None:
    s.setdefault("vht_width", body[0])
    s.setdefault("vht_center0", body[1])
    s.setdefault("vht_center1", body[2])


def _he_op(body: bytes, s: dict) -> None:
    params = body[1] | body[2] << 8 | body[3] << 16
    o = 1 + 3 + 1 + 2  # ext id, parameters, BSS colour, basic HE-MCS set
    if params >> 14 & 1:
        o += 3  # VHT operation information
    if params >> 15 & 1:
        o += 1  # max co-hosted BSSID indicator
    if params >> 17 & 1:
        s.setdefault("he6_primary", body[o])
        s.setdefault("he6_width", body[o + 1] & 3)


def _present(key: str) -> Digest:
    """A digest that only notes the element is there (survey's HE / WMM / WPS / 802.11k columns)."""
    def digest(body: bytes, s: dict) -> None:
        s[key] = True
    return digest


def _ext_cap(body: bytes, s: dict) -> None:
    s.setdefault("btm", len(body) > 2 and bool(body[2] >> 3 & 1))  # bit 19: BSS transition


def _mde(body: bytes, s: dict) -> None:
    s.setdefault("mdid", _u16(body, 0))


def _bss_load(body: bytes, s: dict) -> None:
    s.setdefault("bss_load", (_u16(body, 0), body[2]))


def _power_constraint(body: bytes, s: dict) -> None:
    s.setdefault("power_constraint", body[0])


# ---- the registry ---------------------------------------------------------------------------------

def _k(eid, name, topic, role, meaning, **kw) -> ElementKind:
    return ElementKind(eid, name, topic, role, meaning, **kw)


ELEMENTS: dict[int, ElementKind] = {k.eid: k for k in [
    _k(0, "SSID", "ssid", DISCOVERY, "the network name: 0-32 arbitrary bytes (empty or zero-filled: hidden)",
       digest=_ssid),
    _k(1, "Supported Rates", "rates", COMPATIBILITY,
       "up to 8 rates in 500 kb/s units; the top bit marks a basic rate every station must support",
       digest=_rates),
    _k(2, "FH Parameter Set", "fh", COMPATIBILITY, "obsolete frequency-hopping PHY parameters"),
    _k(3, "DS Parameter Set", "ds", DISCOVERY,
       "the AP's current channel (receivers hear neighbouring 2.4 GHz channels too)", digest=_ds),
    _k(4, "CF Parameter Set", "cf", COMPATIBILITY,
       "contention-free period (PCF) schedule: count, period, max duration, remaining",
       field_roles={"cfp_count": (TIME_SYNC, "DTIMs until the next contention-free period starts"),
                    "cfp_period": (TIME_SYNC, "DTIM intervals from one contention-free period to the next")}),
    _k(5, "TIM", "tim", POWER_SAVE,
       "traffic indication map: DTIM count/period and a bitmap of association ids with buffered frames",
       digest=_tim),
    _k(6, "IBSS Parameter Set", "ibss", POWER_SAVE, "ad hoc ATIM window"),
    _k(7, "Country", "country", COMPATIBILITY,
       "regulatory domain: country code, environment, allowed channels and max transmit power (802.11d)",
       digest=_country),
    _k(11, "BSS Load", "bss-load", ROAMING,
       "stations associated, channel utilisation, admission capacity: a hint for choosing an AP",
       digest=_bss_load),
    _k(12, "EDCA Parameter Set", "edca", COMPATIBILITY, "802.11e access category parameters"),
    _k(32, "Power Constraint", "power-constraint", COMPATIBILITY,
       "dB to subtract from the country's max transmit power (802.11h)", digest=_power_constraint),
    _k(35, "TPC Report", "tpc", COMPATIBILITY, "transmit power and link margin"),
    _k(37, "Channel Switch Announcement", "csa", COMPATIBILITY, "the AP is moving to another channel"),
    _k(40, "Quiet", "quiet", COMPATIBILITY, "a quiet period for radar detection"),
    _k(42, "ERP", "erp", COMPATIBILITY, "802.11g protection: non-ERP (11b) stations present, use protection"),
    _k(45, "HT Capabilities", "ht", COMPATIBILITY, "802.11n: MCS set, 40 MHz, short GI, STBC, A-MPDU",
       field_roles={"SM_Power_Save": (POWER_SAVE, "spatial multiplexing power save: a station may keep only one "
                                                  "receive chain on")}, digest=_ht_cap),
    _k(47, "ERP (pre-standard)", "erp-old", COMPATIBILITY, "pre-standard id of the ERP element"),
    _k(48, "RSN", "rsn", SECURITY,
       "robust security network: group and pairwise ciphers, AKM suites, capabilities incl. MFP",
       digest=_rsn),
    _k(50, "Extended Supported Rates", "ext-rates", COMPATIBILITY, "rates beyond the first 8", digest=_rates),
    _k(51, "AP Channel Report", "ap-channel-report", ROAMING, "channels where other APs of this ESS may be"),
    _k(54, "Mobility Domain", "mde", ROAMING,
       "802.11r fast transition: mobility domain id, FT over the DS, resource request", digest=_mde),
    _k(59, "Supported Operating Classes", "op-classes", COMPATIBILITY, "operating classes the AP supports"),
    _k(61, "HT Operation", "ht-op", COMPATIBILITY,
       "802.11n operation: primary channel, secondary channel offset, protection", digest=_ht_op,
       field_roles={"primary_channel": (DISCOVERY, "the AP's primary 20 MHz channel")}),
    _k(62, "Secondary Channel Offset", "sco", COMPATIBILITY, "40 MHz secondary channel above or below"),
    _k(70, "RM Enabled Capabilities", "rm", ROAMING,
       "802.11k radio measurement: neighbour report, beacon reports, link measurement", digest=_present("rrm")),
    _k(71, "Multiple BSSID", "mbssid", DISCOVERY, "several virtual APs announced in one beacon"),
    _k(72, "20/40 BSS Coexistence", "coex", COMPATIBILITY, "40 MHz intolerance and coexistence"),
    _k(74, "Overlapping BSS Scan Parameters", "obss", COMPATIBILITY, "how stations scan for 20/40 MHz coexistence"),
    _k(107, "Interworking", "interworking", DISCOVERY, "802.11u / Hotspot 2.0: access network type"),
    _k(108, "Advertisement Protocol", "anqp", DISCOVERY, "ANQP queries before association"),
    _k(111, "Roaming Consortium", "roaming-consortium", ROAMING, "Hotspot 2.0 roaming partners"),
    _k(113, "Mesh Configuration", "mesh-config", DISCOVERY, "802.11s mesh configuration"),
    _k(114, "Mesh ID", "mesh-id", DISCOVERY, "802.11s mesh name"),
    _k(127, "Extended Capabilities", "ext-cap", COMPATIBILITY,
       "a long bit field of optional features; bit 19 BSS transition (802.11v) serves roaming",
       field_roles={
           "bss_transition": (ROAMING, "BSS transition management (802.11v): the AP may steer a station to a "
                                       "better AP"),
           "wnm_sleep_mode": (POWER_SAVE, "WNM sleep: a station may sleep through many DTIMs and stay associated"),
           "tfs": (POWER_SAVE, "traffic filtering: the AP holds back frames a sleeping station does not want"),
           "fms": (POWER_SAVE, "flexible multicast: group frames at a longer interval than the DTIM period"),
           "tim_broadcast": (POWER_SAVE, "TIM frames between beacons, so stations wake for less"),
           "interworking": (DISCOVERY, "802.11u interworking (Hotspot 2.0): query services before joining"),
           "ssid_list": (DISCOVERY, "probe requests may ask for several SSIDs at once"),
           "multiple_bssid": (DISCOVERY, "this radio announces several BSSIDs in one beacon"),
           "timing_measurement": (TIME_SYNC, "timing measurement: stations can measure their clock offset"),
           "ftm_responder": (TIME_SYNC, "fine timing measurement responder (802.11mc ranging / location)"),
           "ftm_initiator": (TIME_SYNC, "fine timing measurement initiator")}, digest=_ext_cap),
    _k(191, "VHT Capabilities", "vht", COMPATIBILITY, "802.11ac: widths up to 160 MHz, MCS/NSS map, beamforming",
       digest=_vht_cap),
    _k(192, "VHT Operation", "vht-op", COMPATIBILITY, "802.11ac operating width and centre channels",
       digest=_vht_op),
    _k(195, "Transmit Power Envelope", "tpe", COMPATIBILITY, "max transmit power per bandwidth"),
    _k(199, "Operating Mode Notification", "opmode", COMPATIBILITY, "width / spatial streams changes"),
    _k(201, "Reduced Neighbor Report", "rnr", DISCOVERY, "co-located APs (e.g. a 6 GHz AP announced on 5 GHz)"),
    _k(221, "Vendor Specific", "vendor", COMPATIBILITY, "OUI + vendor data; a few are standard in practice"),
    _k(255, "Element ID Extension", "extension", COMPATIBILITY, "an element identified by an extension id"),
]}

EXTENSIONS: dict[int, ElementKind] = {k.ext: k for k in [
    _k(255, "HE Capabilities", "he", COMPATIBILITY, "802.11ax (Wi-Fi 6): MAC/PHY capabilities, HE-MCS map",
       ext=35, digest=_present("he"), field_roles={
           "twt_responder": (POWER_SAVE, "target wake time: the AP agrees wake-up schedules, stations sleep "
                                         "in between"),
           "twt_requester": (POWER_SAVE, "target wake time requester")}),
    _k(255, "HE Operation", "he-op", COMPATIBILITY,
       "802.11ax operation: BSS colour, basic HE-MCS, 6 GHz operation information", ext=36, digest=_he_op,
       field_roles={"twt_required": (POWER_SAVE, "stations must use target wake time"),
                    "he_6g_operation_info": (DISCOVERY, "where a 6 GHz AP operates: there is no DS parameter set "
                                                        "nor HT operation in 6 GHz"),
                    "6 GHz channel": (DISCOVERY, "the 6 GHz primary channel and width, in words")}),
    _k(255, "UL OFDMA Random Access Parameter Set", "uora", COMPATIBILITY, "OFDMA random access", ext=37),
    _k(255, "MU EDCA Parameter Set", "mu-edca", COMPATIBILITY, "EDCA parameters for multi-user stations", ext=38),
    _k(255, "Spatial Reuse Parameter Set", "spatial-reuse", COMPATIBILITY, "OBSS PD spatial reuse", ext=39),
    _k(255, "HE 6 GHz Band Capabilities", "he-6ghz", COMPATIBILITY,
       "6 GHz: A-MPDU/MPDU limits and SM power save (there is no HT element there)", ext=59, digest=_present("he6_cap"),
       field_roles={"sm_power_save": (POWER_SAVE, "spatial multiplexing power save (as in HT capabilities)")}),
    _k(255, "EHT Operation", "eht-op", COMPATIBILITY, "802.11be (Wi-Fi 7) operation", ext=106),
    _k(255, "Multi-Link", "ml", DISCOVERY, "802.11be multi-link device", ext=107),
    _k(255, "EHT Capabilities", "eht", COMPATIBILITY, "802.11be (Wi-Fi 7) capabilities", ext=108,
       digest=_present("eht")),
]}

VENDORS: dict[tuple[int, int], ElementKind] = {k.vendor: k for k in [
    _k(221, "WPA (vendor)", "wpa", SECURITY, "WPA1 (pre-802.11i) security: the RSN layout in a Microsoft element",
       vendor=(MS_OUI, 1), digest=_wpa),
    _k(221, "WMM", "wmm", COMPATIBILITY,
       "Wi-Fi multimedia (QoS): for each access category (voice, video, best effort, background) how long a "
       "station waits once the medium is idle (AIFSN slots), its random backoff window (CWmin..CWmax slots, sent "
       "as exponents: CW = 2^e - 1) and how long it may transmit once it wins (TXOP, 32 us units, 0 = one "
       "frame): voice waits least and backs off least; U-APSD for power save",
       vendor=(MS_OUI, 2), digest=_present("wmm"), field_roles={
           "uapsd": (POWER_SAVE, "U-APSD: a sleeping station triggers delivery of its buffered frames instead "
                                 "of polling for each")}),
    _k(221, "WPS", "wps", SECURITY, "Wi-Fi protected setup: push-button / PIN enrolment state",
       vendor=(MS_OUI, 4), digest=_present("wps")),
    _k(221, "P2P (Wi-Fi Direct)", "p2p", DISCOVERY, "Wi-Fi Direct group information", vendor=(WFA_OUI, 9)),
    _k(221, "Hotspot 2.0 Indication", "hs20", DISCOVERY, "Passpoint support", vendor=(WFA_OUI, 0x10)),
    _k(221, "OWE Transition Mode", "owe-transition", SECURITY, "points an open BSS at its OWE twin",
       vendor=(WFA_OUI, 0x1C)),
]}



def generic_kind(eid: int) -> ElementKind:
    return ElementKind(eid, f"Unknown element {eid}", f"element-{eid}", COMPATIBILITY, "not in protolab's registry")


def kind_of(eid: int, body: bytes) -> ElementKind:
    """The ElementKind for an element with this id and body (extension and vendor aware)."""
    if eid == 255 and body:
        kind = EXTENSIONS.get(body[0])
        if kind is not None:
            return kind
    elif eid == 221 and len(body) >= 4:
        kind = VENDORS.get((int.from_bytes(body[:3], "big"), body[3]))
        if kind is not None:
            return kind
    kind = ELEMENTS.get(eid)
    return kind if kind is not None else generic_kind(eid)


def all_kinds() -> list[ElementKind]:
    return [*ELEMENTS.values(), *EXTENSIONS.values(), *VENDORS.values()]


def find_topic(topic: str) -> ElementKind | None:
    t = topic.lower()
    for kind in all_kinds():
        if t in (kind.topic, kind.name.lower()):
            return kind
    return None


# For the fast walk: eid -> digest, and the extension/vendor digests behind 255/221.
FAST_DIGESTS: dict[int, Digest] = {k.eid: k.digest for k in ELEMENTS.values() if k.digest}
EXT_DIGESTS: dict[int, Digest] = {k.ext: k.digest for k in EXTENSIONS.values() if k.digest}
VENDOR_DIGESTS: dict[bytes, Digest] = {
    k.vendor[0].to_bytes(3, "big") + bytes([k.vendor[1]]): k.digest for k in VENDORS.values() if k.digest}


def _extension(body: bytes, s: dict) -> None:
    s["ext_ids"].append(body[0])
    digest = EXT_DIGESTS.get(body[0])
    if digest is not None:
        digest(body, s)


_MS_OUI_BYTES = MS_OUI.to_bytes(3, "big")


def _vendor(body: bytes, s: dict) -> None:
    if body[:3] == _MS_OUI_BYTES and len(body) > 3:
        s.setdefault("wfa_types", []).append(body[3])
    digest = VENDOR_DIGESTS.get(body[:4])
    if digest is not None:
        digest(body, s)


FAST_DIGESTS[255] = _extension
FAST_DIGESTS[221] = _vendor


def digest_elements(frame: bytes, start: int) -> dict:
    """The struct-level walk: element ids in order and what the registry's digests pick up. Never raises."""
    ids: list[int] = []
    s: dict = {"ids": ids, "ext_ids": [], "malformed": False}
    n, i = len(frame), start
    get = FAST_DIGESTS.get
    while i + 2 <= n:
        eid = frame[i]
        j = i + 2 + frame[i + 1]
        ids.append(eid)
        if j > n:
            s["malformed"] = True
            return s
        digest = get(eid)
        if digest is not None:
            try:
                digest(frame[i + 2:j], s)
            except (IndexError, ValueError):
                s["malformed"] = True
        i = j
    if i < n:
        ids.append(frame[i])
        s["malformed"] = True
    return s


# ---- beacon-to-beacon variation (survey) ---------------------------------------------------------------

# Elements whose bodies change between beacons of one AP (the TIM with the DTIM count and the buffered
# traffic, the BSS load with the load), and the digest keys their digests fill.
VARYING: dict[int, tuple[str, ...]] = {5: ("dtim_count", "dtim_period"), 11: ("bss_load",)}


class BodyTemplate:
    """An AP's element body with its varying elements cut out: `match` digests a later beacon of the same
    AP by comparing the unchanged stretches (C-speed `startswith`) and digesting only the varying elements."""

    __slots__ = ("chunks", "ids", "base")

    def __init__(self, chunks: tuple[bytes, ...], ids: tuple[int, ...], base: dict):
        self.chunks, self.ids, self.base = chunks, ids, base

    def match(self, body: bytes) -> dict | None:
        s = dict(self.base)
        n, pos = len(body), 0
        for chunk, eid in zip(self.chunks, self.ids, strict=False):
            if not body.startswith(chunk, pos):
                return None
            pos += len(chunk)
            if pos + 2 > n or body[pos] != eid:
                return None
            end = pos + 2 + body[pos + 1]
            if end > n:
                return None
            try:
                FAST_DIGESTS[eid](body[pos + 2:end], s)
            except (IndexError, ValueError):
                return None
            pos = end
        last = self.chunks[-1]
        if n - pos != len(last) or not body.startswith(last, pos):
            return None
        return s


def make_template(body: bytes, s: dict) -> BodyTemplate | None:
    """The template of a cleanly digested body whose varying elements appear once each (else None)."""
    if s["malformed"]:
        return None
    chunks, ids, i, start, n = [], [], 0, 0, len(body)
    while i + 2 <= n:
        if body[i] in VARYING:
            if body[i] in ids:
                return None
            chunks.append(body[start:i])
            ids.append(body[i])
            start = i + 2 + body[i + 1]
        i += 2 + body[i + 1]
    chunks.append(body[start:])
    varying = {key for eid in ids for key in VARYING[eid]}
    base = {k: v for k, v in s.items() if k not in varying}
    return BodyTemplate(tuple(chunks), tuple(ids), base)
