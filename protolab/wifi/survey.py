"""`beacon survey`: what airodump-ng shows, from beacons, fast enough for big captures.

Theory of operation: one streaming pass over the capture (protolab.capture.reader). Per record:
  1. the link layer: for radiotap (link type 127) radiofast.RadioLayouts reads flags, channel and signal
     at offsets compiled once per chain of present words (TSFT and signal change on every frame of a real
     capture, the layout does not); other link types, and radiotap headers it cannot compile, go through
     linklayer.locate;
  2. the frame-control byte says beacon or not (DMG beacons and other frames are counted apart);
  3. the element walk: elements.digest_elements over the raw bytes (struct-level, no Scapy), cached by
     the element bytes themselves in a bounded cache (MAX_DIGESTS, emptied when full): an AP repeats its
     elements except for a few variants (the TIM cycling through the DTIM period, a changing BSS load),
     so most beacons cost one dict lookup; on a miss, the BSS's BodyTemplate (its last body with the
     varying elements cut out) compares the unchanged stretches and digests only the varying elements,
     and only a body of a new shape costs a full walk;
  4. the per-BSS aggregate (counts, first/last seen, a histogram of the gaps, signal) is updated in place:
     memory grows with the number of BSSs, not of beacons.
`BeaconRow` exposes the per-beacon values (`survey --each`, and the acceptance test against tshark's rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from protolab.capture.linklayer import locate
from protolab.wifi.elements import digest_elements, make_template
from protolab.wifi.frames import BODY_START, HTC_LEN, ORDER_FLAG, htc_len, mac, ssid_display
from protolab.wifi.meanings import vht_width
from protolab.wifi.radiofast import Radio, RadioLayouts
from protolab.wifi.roles import COMPATIBILITY, DISCOVERY, POWER_SAVE, ROAMING, SECURITY, TIME_SYNC
from protolab.wifi.suites import AKMS, CIPHER_FAMILY, FT_AKMS, WPA3_AKMS

LINKTYPE_RADIOTAP = 127
RATES_11B = {2, 4, 11, 22}  # 1, 2, 5.5, 11 Mb/s in 500 kb/s units
HE6_WIDTH = {0: 20, 1: 40, 2: 80, 3: 160}
DELTA_BUCKET_NS = 102_400  # beacon gaps are counted in 0.1 TU buckets: bounded memory, exact to 0.1 TU


@dataclass
class BeaconRow:
    frame: int
    time_ns: int
    bssid: str
    ssid: str            # hex of the SSID bytes
    channel: int | None
    frequency: int | None
    band: str | None
    signal_dbm: int | None
    tsf: int
    beacon_interval: int
    capabilities: int
    privacy: bool
    dtim_count: int | None
    dtim_period: int | None
    country: str | None
    rsn: dict | None
    wpa: dict | None
    wfa_types: list[int]
    ht: bool
    vht: bool
    he: bool
    mdid: int | None
    elements: list[int]
    ext_elements: list[int]
    malformed: bool


@dataclass
class BssRow:
    bssid: str
    ssid: str            # display: non-printable bytes escaped, hidden as <hidden, N bytes>
    ssid_hex: str
    channel: int | None
    band: str | None
    beacons: int
    first_seen_ns: int
    last_seen_ns: int
    interval_tu: int
    measured_tu: float | None
    signal_min: int | None
    signal_avg: float | None
    signal_max: int | None
    enc: str
    cipher: str
    auth: str
    mfp: str
    phy: str
    width_mhz: int
    country: str | None
    dtim_period: int | None
    wmm: bool
    k: bool              # 802.11k: RM enabled capabilities
    v: bool              # 802.11v: BSS transition
    r: bool              # 802.11r: mobility domain / FT AKM
    malformed: int


# The role each BssRow column serves (the survey's answer to "which of the six reasons is this for?").
COLUMN_ROLES: dict[str, str] = {
    **dict.fromkeys(("bssid", "ssid", "ssid_hex", "channel", "band", "beacons", "first_seen_ns", "last_seen_ns"),
                    DISCOVERY),
    **dict.fromkeys(("interval_tu", "measured_tu"), TIME_SYNC),
    "dtim_period": POWER_SAVE,
    **dict.fromkeys(("phy", "width_mhz", "country", "wmm", "malformed"), COMPATIBILITY),
    **dict.fromkeys(("enc", "cipher", "auth", "mfp"), SECURITY),
    **dict.fromkeys(("signal_min", "signal_avg", "signal_max", "k", "v", "r"), ROAMING),
}


@dataclass
class Survey:
    file: str
    frames: int = 0
    beacons: int = 0
    not_counted: dict[str, int] = field(default_factory=dict)
    networks: list[BssRow] = field(default_factory=list)
    rows: list[BeaconRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    column_roles: dict[str, str] = field(default_factory=lambda: dict(COLUMN_ROLES))


class _Bss:
    __slots__ = ("bssid", "count", "first", "last", "deltas", "signals", "record", "template",
                 "malformed")

    def __init__(self, bssid: str):
        self.bssid = bssid
        self.count = 0
        self.first = self.last = None
        self.deltas: dict[int, int] = {}   # histogram of the gaps between beacons, in DELTA_BUCKET_NS units
        self.signals: dict[int, int] = {}  # histogram of the signal in dBm
        self.record = (b"", 0, 0, None)    # the last beacon: (record bytes, start, end, Radio)
        self.template = None               # elements.BodyTemplate of its last fully digested body
        self.malformed = 0


# ---- what airodump-ng prints, from one element digest -------------------------------------------------

def security_columns(s: dict, privacy: bool) -> tuple[str, str, str, str]:
    """(ENC, CIPHER, AUTH, MFP) like airodump-ng."""
    rsn, wpa = s.get("rsn"), s.get("wpa")
    enc, ciphers, auths = [], [], []
    for info in (rsn, wpa):
        if not info:
            continue
        for c in info.get("pairwise", ()):
            fam = CIPHER_FAMILY.get(c)
            if fam and fam not in ciphers:
                ciphers.append(fam)
        for a in info.get("akms", ()):
            auth = AKMS.get(a, ("", ""))[1]
            if auth and auth not in auths:
                auths.append(auth)
    if rsn:
        akms = set(rsn.get("akms", ()))
        if akms & WPA3_AKMS:
            enc.append("WPA3")
        if akms - WPA3_AKMS or not akms:
            enc.append("WPA2")
    if wpa:
        enc.append("WPA")
    if not enc:
        enc.append("WEP" if privacy else "OPN")
        if privacy:
            ciphers.append("WEP")
        auths.append("OPN" if not privacy else "")
    mfp = "no"
    if rsn and rsn.get("mfpc"):
        mfp = "required" if rsn.get("mfpr") else "capable"
    return " ".join(enc), " ".join(ciphers), " ".join(a for a in auths if a), mfp


def phy_and_width(s: dict, band: str | None) -> tuple[str, int]:
    width = 20
    if s.get("ht_secondary_offset") in (1, 3):
        width = 40
    vw = vht_width(s.get("vht_width", 0), s.get("vht_center0", 0), s.get("vht_center1", 0))[0]
    if vw:
        width = max(width, vw)
    if "he6_width" in s:
        width = max(width, HE6_WIDTH[s["he6_width"]])
    if s.get("eht"):
        phy = "be"
    elif s.get("he"):
        phy = "ax"
    elif "vht_cap" in s:
        phy = "ac"
    elif "ht_cap" in s:
        phy = "n"
    elif band == "2.4 GHz" or (band is None and (s.get("ds_channel") or 99) <= 14):
        phy = "b" if set(r & 0x7F for r in s.get("rates", ())) <= RATES_11B else "g"
    else:
        phy = "a"
    return phy, width


def _band_of_channel(s: dict) -> str | None:
    if "he6_primary" in s:
        return "6 GHz"
    ch = s.get("ds_channel") or s.get("ht_primary")
    if ch is None:
        return None
    return "2.4 GHz" if ch <= 14 else "5 GHz"


def channel_of(s: dict, rt) -> int | None:
    for key in ("ds_channel", "ht_primary", "he6_primary"):
        if key in s:
            return s[key]
    return rt.channel if rt is not None else None


# ---- the pass ---------------------------------------------------------------------------------------

MAX_DIGESTS = 4096  # distinct element bodies kept (an AP repeats a few variants; see the module docstring)


def survey_file(path: str | Path, each: bool = False, progress=None) -> Survey:
    from protolab.capture.reader import open_capture
    from protolab.capture.timestamps import OUT_OF_RANGE, in_range

    result = Survey(str(path))
    nets: dict[bytes, _Bss] = {}
    digests: dict[bytes, dict] = {}
    radios = RadioLayouts()
    not_counted = result.not_counted
    frames = beacons = 0
    read_radio, get_net, get_digest = radios.read, nets.get, digests.get  # bound once: the loop is hot
    with open_capture(path, progress=progress) as cap:
        for pkt in cap:
            frames += 1
            data = pkt.data
            fast = read_radio(data) if pkt.linktype == LINKTYPE_RADIOTAP else None
            if fast is not None:
                offset, rt = fast
                fcs_len = 4 if rt.fcs_at_end else pkt.fcs_len
            else:
                loc = locate(pkt.linktype, data, pkt.fcs_len)
                if loc.kind != "802.11":
                    what = "malformed" if loc.kind == "malformed" else "not-802.11"
                    not_counted[what] = not_counted.get(what, 0) + 1
                    continue
                offset, fcs_len, rt = loc.offset, loc.fcs_len, Radio.of(loc.radiotap)
            end = len(data) - fcs_len
            if end - offset < 2:
                if end < offset:  # the FCS would overlap the header: keep the bytes, as classify does
                    end = len(data)
                if end - offset < 2:
                    not_counted["malformed"] = not_counted.get("malformed", 0) + 1
                    continue
            fc = data[offset]
            if fc != 0x80:  # type 0 subtype 8, protocol version 0
                what = "dmg-beacon" if fc == 0x0C else "other"  # as frames.frame_kind
                not_counted[what] = not_counted.get(what, 0) + 1
                continue
            beacons += 1
            body_start = BODY_START + HTC_LEN if data[offset + 1] & ORDER_FLAG else BODY_START  # +HTC
            if end - offset >= body_start:  # slices of the record: no copy of the whole frame
                bssid = data[offset + 16:offset + 22]
                body = data[offset + body_start:end]
            else:
                bssid, body = data[offset:end][16:22], None
            net = get_net(bssid)
            if net is None:
                net = nets[bssid] = _Bss(mac(bssid))
            if body is None:
                s = {"ids": [], "ext_ids": [], "malformed": True}
            else:
                s = get_digest(body)
                if s is None:
                    template = net.template
                    s = template.match(body) if template is not None else None
                    if s is None:
                        s = digest_elements(data[offset:end], body_start)
                        if net.count:  # an AP seen before whose body changed: template it (not a one-off)
                            net.template = make_template(body, s)
                    if len(digests) >= MAX_DIGESTS:
                        digests.clear()  # bounded: the variants in use come back at once
                    digests[body] = s
            t = pkt.timestamp_ns
            if net.count:
                bucket = (t - net.last + DELTA_BUCKET_NS // 2) // DELTA_BUCKET_NS  # nearest 0.1 TU
                net.deltas[bucket] = net.deltas.get(bucket, 0) + 1
            else:
                net.first = t
            net.count += 1
            net.last = t
            net.record = data, offset, end, rt  # where the last beacon is, and how it was heard
            if s["malformed"]:
                net.malformed += 1
            if rt is not None:
                signal = rt.signal_dbm
                if signal is not None:
                    signals = net.signals
                    signals[signal] = signals.get(signal, 0) + 1
            if each:
                result.rows.append(_row(pkt, data[offset:end], s, rt))
        result.warnings = list(cap.warnings)
    result.frames, result.beacons = frames, beacons
    result.networks = [_finish(net) for net in nets.values()]
    if not all(in_range(n.first_seen_ns) and in_range(n.last_seen_ns) for n in result.networks):
        result.warnings.append(OUT_OF_RANGE)
    result.networks.sort(key=lambda n: (-(n.signal_avg if n.signal_avg is not None else -999), n.bssid))
    return result


def _median_bucket(counts: dict[int, int]) -> float:
    """Median of a histogram {value: count} (the mean of the two middle values for an even total)."""
    total = sum(counts.values())
    lo_rank, hi_rank = (total - 1) // 2, total // 2
    seen, lo = 0, None
    for value in sorted(counts):
        seen += counts[value]
        if lo is None and seen > lo_rank:
            lo = value
        if seen > hi_rank:
            return (lo + value) / 2
    raise ValueError("empty histogram")


def _row(pkt, frame: bytes, s: dict, rt) -> BeaconRow:
    o = htc_len(frame)  # the fixed fields sit behind an HT Control field when there is one
    full = len(frame) >= BODY_START + o
    return BeaconRow(
        frame=pkt.number, time_ns=pkt.timestamp_ns, bssid=mac(frame[16:22]) if len(frame) >= 22 else "",
        ssid=s["ssid"].hex() if "ssid" in s else "", channel=channel_of(s, rt),
        frequency=rt.freq_mhz if rt is not None else None, band=(rt.band if rt is not None else None)
        or _band_of_channel(s), signal_dbm=rt.signal_dbm if rt is not None else None,
        tsf=int.from_bytes(frame[24 + o:32 + o], "little") if full else 0,
        beacon_interval=frame[32 + o] | frame[33 + o] << 8 if full else 0,
        capabilities=frame[34 + o] | frame[35 + o] << 8 if full else 0,
        privacy=bool(full and frame[34 + o] & 0x10), dtim_count=s.get("dtim_count"), dtim_period=s.get("dtim_period"),
        country=s.get("country"), rsn=s.get("rsn"), wpa=s.get("wpa"), wfa_types=list(s.get("wfa_types", ())),
        ht="ht_cap" in s, vht="vht_cap" in s, he=bool(s.get("he")), mdid=s.get("mdid"),
        elements=list(s["ids"]), ext_elements=list(s["ext_ids"]), malformed=s["malformed"])


def _finish(net: _Bss) -> BssRow:
    # the last beacon's digest, made again here rather than kept per BSS: a beacon flood has as many BSSs
    # as beacons, and the digest is ten times the size of the frame
    data, offset, end, radio = net.record
    frame = data[offset:end]
    o = htc_len(frame)
    full = len(frame) >= BODY_START + o
    s = digest_elements(frame, BODY_START + o) if full else {"ids": [], "ext_ids": []}
    band = (radio.band if radio is not None else None) or _band_of_channel(s)
    interval = frame[32 + o] | frame[33 + o] << 8 if full else 0
    cap = frame[34 + o] | frame[35 + o] << 8 if full else 0
    privacy = bool(cap & 0x10)
    enc, cipher, auth, mfp = security_columns(s, privacy)
    phy, width = phy_and_width(s, band)
    measured = None
    if net.deltas:
        measured = round(_median_bucket(net.deltas) * DELTA_BUCKET_NS / 1_024_000, 1)  # ns -> TU
    rsn = s.get("rsn") or {}
    sig = net.signals
    return BssRow(
        bssid=net.bssid, ssid=ssid_display(s.get("ssid", b"")), ssid_hex=s.get("ssid", b"").hex(),
        channel=channel_of(s, radio), band=band, beacons=net.count, first_seen_ns=net.first,
        last_seen_ns=net.last, interval_tu=interval, measured_tu=measured,
        signal_min=min(sig) if sig else None,
        signal_avg=round(sum(v * n for v, n in sig.items()) / sum(sig.values()), 1) if sig else None,
        signal_max=max(sig) if sig else None, enc=enc, cipher=cipher, auth=auth, mfp=mfp, phy=phy, width_mhz=width,
        country=s.get("country"), dtim_period=s.get("dtim_period"), wmm=bool(s.get("wmm")),
        k=bool(s.get("rrm")), v=bool(s.get("btm")),
        r="mdid" in s or bool(set(rsn.get("akms", ())) & FT_AKMS), malformed=net.malformed)


SORT_KEYS = {"signal": lambda n: -(n.signal_avg if n.signal_avg is not None else -999),
             "bssid": lambda n: n.bssid, "ssid": lambda n: n.ssid, "channel": lambda n: n.channel or 0,
             "beacons": lambda n: -n.beacons, "enc": lambda n: n.enc, "first": lambda n: n.first_seen_ns}


def sort_networks(survey: Survey, key: str) -> None:
    survey.networks.sort(key=lambda n: (SORT_KEYS[key](n), n.bssid))
