"""`beacon dissect`: every field of every beacon, decoded by Scapy (+ layers.py), tagged with its role.

Theory of operation: the capture is read by protolab.capture (streaming, any link type); frames.classify
finds the 802.11 frame. Scapy decodes the header (Dot11) and fixed fields (our Dot11BeaconNamed). The
elements are split by their own id/length bytes FIRST, and each one is then decoded by Scapy on its own
bytes only, so a lying length inside one element can never spill into the next and overwrite a field
already decoded (the failure of Scapy issue #2683, reproduced by the shared capture
scapy__bad_rsn_parsing_overrides_ssid.pcap). An element whose length runs past the frame is marked
malformed and shown raw; everything before it stays as decoded. A body too short for what it announces
(the registry's struct-level digest fails on it) is marked malformed too, with whatever Scapy made of it.
After Scapy's fields, meanings.py adds what the values mean (buffered AIDs, widths, the security summary).
An AP repeats its header and elements in every beacon, so those decodings are cached by their bytes
(bounded lru_caches); the FCS, when the capture kept it, is checked with CRC-32.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protolab.annotate import FieldSpan
from protolab.errors import BadInput
from protolab.wifi.elements import ElementKind, kind_of
from protolab.wifi.fixedfields import CAPABILITY_BITS, FIXED_FIELDS, HEADER_FIELDS, RADIO_FIELDS
from protolab.wifi.frames import BODY_START, HEADER_LEN, HTC_LEN, classify, htc_len, mac, ssid_display
from protolab.wifi.meanings import HE_TOP, MEANINGS, VHT_TOP, mcs_map_from_list, mcs_map_text
from protolab.wifi.roles import DISCOVERY


@dataclass
class Field:
    name: str
    value: Any
    role: str
    shown: str = ""


@dataclass
class Element:
    offset: int          # in the 802.11 frame
    id: int
    ext_id: int | None
    name: str
    length: int          # the length byte
    role: str
    fields: list[Field] = field(default_factory=list)
    raw: bytes = b""     # the body
    malformed: str = ""  # why, when it is
    layer: str = ""      # the Scapy layer that decoded it

    def get(self, name: str, default=None):
        for f in self.fields:
            if f.name == name:
                return f.value
        return default


@dataclass
class Beacon:
    frame: int
    time_ns: int
    radio: list[Field] = field(default_factory=list)
    header: list[Field] = field(default_factory=list)
    fixed: list[Field] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    malformed: bool = False
    length: int = 0
    raw: bytes = field(default=b"", metadata={"json_skip": True})

    def value(self, section: str, name: str, default=None):
        for f in getattr(self, section):
            if f.name == name:
                return f.value
        return default

    def element(self, key: int | str, ext: int | None = None) -> Element | None:
        for e in self.elements:
            if (e.id == key and (ext is None or e.ext_id == ext)) or e.name == key:
                return e
        return None


@dataclass
class Dissection:
    file: str
    frames: int = 0
    beacons: list[Beacon] = field(default_factory=list)
    not_counted: dict[str, int] = field(default_factory=dict)  # dmg-beacon, other 802.11, not-802.11
    warnings: list[str] = field(default_factory=list)


# ---- Scapy values -> JSON-able values -----------------------------------------------------------

def _plain(fld, pkt, value):
    """A Scapy field value as plain data (ints, strings, lists, dicts) and its display text."""
    from scapy.fields import FlagsField
    from scapy.packet import Packet

    from protolab.wifi.layers import BitNamesField

    if isinstance(value, Packet):
        return _layer_dict(value), _packet_shown(value)
    if isinstance(value, list):
        items = [_layer_dict(v) if isinstance(v, Packet) else _scalar(v) for v in value]
        if value and isinstance(value[0], Packet):
            return items, "; ".join(_packet_shown(v) for v in value)
        return items, ", ".join(_shown(fld, pkt, v) for v in value)
    if isinstance(fld, BitNamesField):
        return fld.set_bits(value), fld.i2repr(pkt, value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex(), value.hex(" ") or "(empty)"
    if isinstance(fld, FlagsField):
        return [n for i, n in enumerate(fld.names) if int(value) >> i & 1], str(value)
    return _scalar(value), _shown(fld, pkt, value)


def _packet_shown(pkt) -> str:
    return " ".join(f"{f.name}={_shown(f, pkt, pkt.getfieldval(f.name))}" for f in _present_fields(pkt))


def _shown(fld, pkt, value) -> str:
    try:
        inner = getattr(fld, "field", None)
        return str((inner or fld).i2repr(pkt, value))
    except Exception:  # a repr that chokes on odd values: the plain value is still there
        return repr(value)


def _scalar(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (int, str, float, bool)) or value is None:
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def _present_fields(pkt):
    from scapy.fields import ConditionalField

    for fld in pkt.fields_desc:
        if isinstance(fld, ConditionalField) and not fld._evalcond(pkt):
            continue
        yield getattr(fld, "fld", fld)


def _layer_dict(pkt) -> dict:
    return {f.name: _plain(f, pkt, pkt.getfieldval(f.name))[0] for f in _present_fields(pkt)}


SKIP = {"ID", "len", "ext_ID"}
# Scapy's lists of 2-bit fields for the basic MCS and NSS sets (their order hides which stream is which):
# shown as the 16-bit value and what it says per stream. Field -> highest MCS per map code.
MCS_MAP_FIELDS = {"mcs_set": VHT_TOP, "basic_he_mcs_and_nss_set": HE_TOP}


def _element_fields(kind: ElementKind, layer) -> list[Field]:
    if kind.eid == 0:
        body = bytes(layer.info or b"")
        return [Field("ssid", body.hex(), kind.role, ssid_display(body))]
    out = []
    for fld in _present_fields(layer):
        if fld.name in SKIP:
            continue
        value, shown = _plain(fld, layer, layer.getfieldval(fld.name))
        if fld.name in MCS_MAP_FIELDS and isinstance(value, list):
            value = mcs_map_from_list(value)
            shown = mcs_map_text(value, MCS_MAP_FIELDS[fld.name])
        out.append(Field(fld.name, value, kind.role_of(fld.name), shown))
    return out


def decode_element(eid: int, body: bytes, offset: int, length: int) -> Element:
    """One element, decoded on its own bytes. An AP repeats its elements in every beacon, so the decoding
    is cached by (id, body) in a bounded cache; the Element (with its offset) is new each time."""
    name, ext_id, role, fields, malformed, layer = _decode_body(eid, body)
    return Element(offset, eid, ext_id, name, length, role, list(fields), body, malformed, layer)


@functools.lru_cache(maxsize=4096)
def _decode_body(eid: int, body: bytes) -> tuple:
    from scapy.layers.dot11 import Dot11Elt
    from scapy.packet import NoPayload, Padding, Raw

    import protolab.wifi.layers  # noqa: F401  (registers our layers)

    kind = kind_of(eid, body)
    ext_id = body[0] if eid == 255 and body else None
    malformed = ""
    if kind.digest is not None:
        try:
            kind.digest(body, {})
        except (IndexError, ValueError) as exc:
            malformed = f"body too short for its contents ({exc})"
    try:
        layer = Dot11Elt(bytes([eid, len(body)]) + body)
    except Exception as exc:  # Scapy gave up: keep the raw bytes
        return kind.name, ext_id, kind.role, (), malformed or f"Scapy could not decode it: {type(exc).__name__}", ""
    fields = _element_fields(kind, layer)
    meaning = MEANINGS.get(kind.topic)
    if meaning is not None and not malformed:
        try:
            extra = meaning({f.name: f.value for f in fields})
        except (KeyError, TypeError, ValueError, IndexError):  # a field this element lacks: no extra lines
            extra = []
        fields += [Field(name, value, kind.role_of(name), shown) for name, value, shown in extra]
    rest = layer.payload
    if not isinstance(rest, NoPayload):
        leftover = bytes(rest.load) if isinstance(rest, (Raw, Padding)) else bytes(rest)
        if leftover:
            fields.append(Field("undecoded", leftover.hex(), kind.role,
                                f"{len(leftover)} byte(s) Scapy did not decode: {leftover[:16].hex(' ')}"))
    return kind.name, ext_id, kind.role, tuple(fields), malformed, type(layer).__name__


def split_elements(frame: bytes, start: int = BODY_START) -> list[tuple[int, int, int, bool]]:
    """(offset, id, length, runs_past_end) for each element of a frame body."""
    out, i, n = [], start, len(frame)
    while i + 2 <= n:
        eid, length = frame[i], frame[i + 1]
        past = i + 2 + length > n
        out.append((i, eid, length, past))
        if past:
            break
        i += 2 + length
    if i < n and (not out or not out[-1][3]) and i + 2 > n:
        out.append((i, frame[i], 0, True))  # a lone trailing byte: an element cut after its id
    return out


# ---- sections ---------------------------------------------------------------------------------------

def _fcs_text(frame: bytes, fcs: bytes, rt) -> str:
    if len(fcs) != 4:
        return "FCS at end, cut short" if fcs or (rt is not None and rt.fcs_at_end) else "no FCS"
    sent, computed = int.from_bytes(fcs, "little"), zlib.crc32(frame)
    verdict = "correct" if sent == computed else f"WRONG (computed 0x{computed:08x})"
    flagged = " (the receiver flagged it bad)" if rt is not None and rt.bad_fcs else ""
    return f"0x{sent:08x}: {verdict}{flagged}"


def _radio_fields(rt, frame: bytes = b"", fcs: bytes = b"") -> list[Field]:
    fcs_field = ("fcs", fcs.hex() or None, _fcs_text(frame, fcs, rt))
    if rt is None:
        return [Field(*fcs_field[:2], RADIO_FIELDS["fcs"].role, fcs_field[2])] if fcs else []
    values = [("frequency", rt.freq_mhz, f"{rt.freq_mhz} MHz" if rt.freq_mhz else "unknown"),
              ("band", rt.band, rt.band or "unknown"),
              ("channel", rt.channel, str(rt.channel) if rt.channel else "unknown"),
              ("signal", rt.signal_dbm, f"{rt.signal_dbm} dBm" if rt.signal_dbm is not None else "unknown"),
              ("rate", rt.rate_mbps, f"{rt.rate_mbps} Mb/s" if rt.rate_mbps else "unknown"), fcs_field]
    return [Field(n, v, RADIO_FIELDS[n].role, s) for n, v, s in values]


def _header_fields(frame: bytes) -> list[Field]:
    seq = frame[22] | frame[23] << 8
    out = [*_header_before_sequence(frame[:22]),
           Field("sequence", seq >> 4, HEADER_FIELDS["sequence"].role, f"sequence {seq >> 4}, fragment {seq & 15}")]
    if htc_len(frame):
        htc = frame[HEADER_LEN:HEADER_LEN + HTC_LEN]
        out.append(Field("ht control", htc.hex(), HEADER_FIELDS["ht control"].role,
                         f"0x{int.from_bytes(htc, 'little'):08x}" if len(htc) == HTC_LEN else "cut short"))
    return out


@functools.lru_cache(maxsize=1024)
def _header_before_sequence(head: bytes) -> tuple[Field, ...]:
    """Frame control to BSSID, decoded by Scapy; the same for every beacon of an AP, so cached (bounded)."""
    from scapy.layers.dot11 import Dot11

    hdr = Dot11(head + b"\0\0")
    fc = head[0] | head[1] << 8
    flags = [n for i, n in enumerate(hdr.get_field("FCfield").names) if head[1] >> i & 1]
    vals = [("frame control", fc, f"0x{fc:04x}: type {hdr.type} subtype {hdr.subtype} flags {flags or 'none'}"),
            ("duration", int(hdr.ID or 0), f"{int(hdr.ID or 0)} us"),
            ("receiver", hdr.addr1, str(hdr.addr1)), ("transmitter", hdr.addr2, str(hdr.addr2)),
            ("bssid", hdr.addr3, str(hdr.addr3))]
    return tuple(Field(n, v, HEADER_FIELDS[n].role, s) for n, v, s in vals)


def uptime_text(tsf_us: int) -> str:
    seconds, us = divmod(tsf_us, 1_000_000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days} d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}.{us:06d} of AP uptime"


def _fixed_fields(frame: bytes) -> list[Field]:
    from protolab.wifi.layers import Dot11BeaconNamed

    start = HEADER_LEN + htc_len(frame)
    fixed = Dot11BeaconNamed(frame[start:start + BODY_START - HEADER_LEN])
    cap = int(fixed.cap)
    interval = int(fixed.beacon_interval)
    out = [Field("timestamp", int(fixed.timestamp), FIXED_FIELDS["timestamp"].role,
                 f"{int(fixed.timestamp)} us = {uptime_text(int(fixed.timestamp))}"),
           Field("beacon interval", interval, FIXED_FIELDS["beacon interval"].role,
                 f"{interval} TU = {interval * 1.024:g} ms"),
           Field("capabilities", cap, FIXED_FIELDS["capabilities"].role, f"0x{cap:04x}: {fixed.cap}")]
    out += [Field(f"cap.{c.name}", bool(cap >> c.bit & 1), c.role, c.meaning) for c in CAPABILITY_BITS]
    return out


# Where each header and fixed field sits in the frame: (offset, length); the fixed fields move 4 bytes on
# behind an HT Control field.
FIELD_PLACES = {"frame control": (0, 2), "duration": (2, 2), "receiver": (4, 6), "transmitter": (10, 6),
                "bssid": (16, 6), "sequence": (22, 2), "ht control": (24, 4), "timestamp": (24, 8),
                "beacon interval": (32, 2), "capabilities": (34, 2)}


def field_spans(beacon: Beacon, width: int = 40) -> list[FieldSpan]:
    """The bytes of each header field, fixed field and element, named, with its value and role: what the
    annotated hex dump draws."""
    def short(text: str) -> str:
        return text if len(text) <= width else text[:width - 1] + "…"

    shift = htc_len(beacon.raw)
    places = {**FIELD_PLACES, **{f.name: (FIELD_PLACES[f.name][0] + shift, FIELD_PLACES[f.name][1])
                                 for f in beacon.fixed if f.name in FIELD_PLACES}}
    spans = [FieldSpan(*places[f.name], f.name, f"{short(f.shown)} ({f.role})")
             for f in (*beacon.header, *beacon.fixed)
             if f.name in places and sum(places[f.name]) <= beacon.length]
    for e in beacon.elements:
        value = "MALFORMED" if e.malformed else (e.fields[0].shown if e.id == 0 and e.fields else "")
        spans.append(FieldSpan(e.offset, min(2 + e.length, beacon.length - e.offset), e.name,
                               f"{short(value)} ({e.role})".lstrip()))
    return spans


def dissect_frame(frame: bytes, number: int = 1, time_ns: int = 0, radiotap=None, fcs: bytes = b"") -> Beacon:
    """One 802.11 beacon frame (no radio header, FCS apart: checked when given) -> Beacon."""
    beacon = Beacon(number, time_ns, radio=_radio_fields(radiotap, frame, fcs), length=len(frame), raw=frame)
    if len(frame) < HEADER_LEN:
        beacon.malformed = True
        beacon.header = [Field("frame control", frame[:2].hex(), DISCOVERY, "header cut short")]
        return beacon
    beacon.header = _header_fields(frame)
    body_start = BODY_START + htc_len(frame)
    if len(frame) < body_start:
        beacon.malformed = True
        return beacon
    beacon.fixed = _fixed_fields(frame)
    for offset, eid, length, past in split_elements(frame, body_start):
        body = frame[offset + 2:offset + 2 + length]
        if past:
            kind = kind_of(eid, body)
            beacon.elements.append(Element(offset, eid, None, kind.name, length, kind.role, raw=body,
                                           malformed=f"length {length} runs past the end of the frame "
                                                     f"({len(frame) - offset - 2} byte(s) left)"))
            beacon.malformed = True
            break
        element = decode_element(eid, body, offset, length)
        beacon.malformed |= bool(element.malformed)
        beacon.elements.append(element)
    return beacon


def dissect_file(path: str | Path, frame: int | None = None, bssid: str | None = None,
                 limit: int | None = None, progress=None) -> Dissection:
    from protolab.capture.reader import open_capture

    if limit is not None and limit < 1:
        raise BadInput(f"--limit must be 1 or more, not {limit}")
    result = Dissection(str(path))
    want_bssid = bssid.lower() if bssid else None
    with open_capture(path, progress=progress) as cap:
        for pkt in cap:
            result.frames += 1
            if frame is not None and pkt.number != frame:
                if pkt.number > frame:
                    break
                continue
            located = classify(pkt)
            if located.kind != "beacon":
                result.not_counted[located.kind] = result.not_counted.get(located.kind, 0) + 1
                continue
            if want_bssid and mac(located.frame[16:22]) != want_bssid:
                continue
            result.beacons.append(dissect_frame(located.frame, pkt.number, pkt.timestamp_ns, located.radiotap,
                                                located.fcs))
            if limit is not None and len(result.beacons) >= limit:
                break
        result.warnings = list(cap.warnings)
    if frame is not None and not result.beacons:
        raise BadInput(f"frame {frame} of {path} is not a beacon (or there is no such frame)")
    return result


# ---- back to a spec (the round trip of `beacon build`) -----------------------------------------------

def _security_of(beacon: Beacon) -> tuple[str, tuple[int, ...], tuple[int, ...], str, tuple[int, ...] | None]:
    """(profile, pairwise, WPA-element pairwise in mixed mode, mfp, AKMs), each empty (AKMs: None) when it is
    the profile's."""
    from protolab.wifi.spec import profile_for
    from protolab.wifi.suites import group_cipher

    privacy = bool(beacon.value("fixed", "cap.privacy"))
    rsn = beacon.element(48)
    wpa = next((e for e in beacon.elements if e.name == "WPA (vendor)"), None)
    rsn_akms = tuple(a["suite"] for a in rsn.get("akm_suites", [])) if rsn else ()
    wpa_akms = tuple(a["suite"] for a in wpa.get("akm_suites", [])) if wpa else ()
    source = rsn or wpa
    group = source.get("group_cipher_suite", {}).get("cipher") if source else 4
    pairwise = tuple(c["cipher"] for c in source.get("pairwise_cipher_suites", [])) if source else (4,)
    wpa_pairwise = tuple(c["cipher"] for c in wpa.get("pairwise_cipher_suites", [])) if rsn and wpa else ()
    mfp = "off"
    if rsn and rsn.get("mfp_capable"):
        mfp = "required" if rsn.get("mfp_required") else "capable"
    wpa_list = tuple(c["cipher"] for c in wpa.get("pairwise_cipher_suites", [])) if wpa else ()
    if source and group != group_cipher(wpa_list, pairwise if rsn else ()):
        raise BadInput(f"frame {beacon.frame}: group cipher {group} is not the one hostapd picks for these pairwise "
                       "ciphers (beacon build derives it)")
    found = profile_for(privacy, rsn_akms, wpa_akms)
    if found is not None:
        profile, akm = found
        return (profile.name, () if pairwise == profile.pairwise or not source else pairwise,
                () if wpa_pairwise == profile.wpa_pairwise else wpa_pairwise, "" if mfp == profile.mfp else mfp, akm)
    raise BadInput(f"frame {beacon.frame}: security does not match a built-in profile "
                   f"(privacy={privacy}, RSN AKMs {rsn_akms}, WPA AKMs {wpa_akms})")


def spec_from_beacon(beacon: Beacon):
    """The BeaconSpec that `beacon build` would need to make this beacon (the fields that `==` compares)."""
    from protolab.wifi import bss_params as bp
    from protolab.wifi.channels import BAND_OF_NAME
    from protolab.wifi.spec import BeaconSpec

    ssid_elt = beacon.element(0)
    ssid = bytes.fromhex(ssid_elt.get("ssid", "")) if ssid_elt else b""
    hidden = "no" if ssid and any(ssid) else ("empty" if not ssid else "zeros")
    ds, ht_op, vht_op = beacon.element(3), beacon.element(61), beacon.element(192)
    he_op = beacon.element(255, 36)
    he6 = he_op.get("he_6g_operation_info") if he_op else None
    channel = (ds.get("channel") if ds else None) or (ht_op.get("primary_channel") if ht_op else None) or (
        he6 or {}).get("primary_channel")
    band = BAND_OF_NAME.get(beacon.value("radio", "band") or "", "6" if he6 else (
        "2.4" if channel and channel <= 14 else "5"))
    width, secondary = 20, ""
    if ht_op and ht_op.get("secondary_channel_offset") in (1, 3):
        width = 40
        secondary = "above" if ht_op.get("secondary_channel_offset") == 1 else "below"
    if vht_op:
        info = vht_op.get("VHT_Operation_Info") or {}
        if info.get("channel_width") == 1:
            width = 160 if info.get("channel_center1") else 80
    if he6:
        width = {0: 20, 1: 40, 2: 80, 3: 160}[he6.get("channel_width", 0)]
    security, pairwise, wpa_pairwise, mfp, akm = _security_of(beacon)
    country = beacon.element(7)
    load = beacon.element(11)
    wmm = next((e for e in beacon.elements if e.name == "WMM"), None)
    ext = beacon.element(127)
    mde = beacon.element(54)
    pc = beacon.element(32)
    tim = beacon.element(5)
    vendor = tuple(e.raw for e in beacon.elements if e.id == 221 and e.name == "Vendor Specific")
    codes = [*(beacon.element(1).get("rates", []) if beacon.element(1) else []),
             *(beacon.element(50).get("rates", []) if beacon.element(50) else [])]
    rates = tuple((c & 0x7F) / 2 for c in codes)
    basic = tuple((c & 0x7F) / 2 for c in codes if c & 0x80)
    triplets = tuple((d["first_channel_number"], d["num_channels"], d["mtp"])
                     for d in (country.get("descriptors") or [])) if country else ()
    wmm_ac = {}
    if wmm:
        for ac in wmm.get("ac_parameters") or []:
            wmm_ac[bp.AC_NAMES[ac["aci"]]] = {"aifsn": ac["aifsn"], "cwmin": ac["ecw_min"], "cwmax": ac["ecw_max"],
                                              "txop": ac["txop_limit"], "acm": ac["acm"]}
    spec = BeaconSpec(
        ssid=ssid, hidden=hidden, bssid=beacon.value("header", "bssid"), band=band,
        channel=channel or 0, width=width, beacon_interval=beacon.value("fixed", "beacon interval"),
        dtim_period=tim.get("dtim_period") if tim else 1, security=security, akm=akm, pairwise=pairwise,
        wpa_pairwise=wpa_pairwise, mfp=mfp,
        country=bytes.fromhex(country.get("country_string"))[:2].decode("latin-1") if country else None,
        rates=rates, basic_rates=basic, country_triplets=triplets,
        spectrum_mgmt=bool(beacon.value("fixed", "cap.spectrum-mgmt")),
        power_constraint=pc.get("power_constraint") if pc else None,
        bss_load=(load.get("station_count"), load.get("channel_utilization"),
                  load.get("available_admission_capacity")) if load else None,
        ht=beacon.element(45) is not None, vht=beacon.element(191) is not None,
        he=beacon.element(255, 35) is not None, wmm=wmm is not None, uapsd=bool(wmm and wmm.get("uapsd")),
        cf=beacon.element(4) is not None, short_preamble=bool(beacon.value("fixed", "cap.short-preamble")),
        mobility_domain=mde.get("mdid") if mde else None,
        rrm=beacon.element(70) is not None,
        bss_transition="bss_transition" in (ext.get("extended_capabilities") or []) if ext else False,
        vendor=vendor, dtim_count=tim.get("dtim_count") if tim else 0, tsf_start=beacon.value("fixed", "timestamp"))
    from protolab.wifi.build import capability_word

    extra = beacon.value("fixed", "capabilities") & ~capability_word(spec)
    spec.extra_capabilities = tuple(c.name for c in CAPABILITY_BITS if extra >> c.bit & 1)
    # the spec's spelling of rates, triplets and WMM parameters: only what differs from the defaults
    if rates:
        spec.rates, spec.basic_rates = bp.canonical_rates(band, rates, basic)
    if spec.country and triplets == bp.default_triplets(band, spec.country):
        spec.country_triplets = ()
    spec.wmm_ac = bp.canonical_wmm(rates, wmm_ac) if wmm_ac else {}
    if width == 40 and band == "2.4" and secondary:
        from protolab.wifi.channels import secondary_above

        spec.secondary = "" if (secondary == "above") == secondary_above(band, spec.channel) else secondary
    return spec
