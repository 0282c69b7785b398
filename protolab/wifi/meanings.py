"""What a decoded element means, in the units a learner reads: extra fields dissect adds after Scapy's.

Scapy gives raw field values (a country string as bytes, a TIM bitmap as bytes, WMM contention windows
as exponents); MEANINGS maps an element's registry topic to a function of those decoded values (a dict
name -> plain value) that returns (name, value, shown) triples: the buffered AIDs of a TIM, the country
code and environment, CWmin/CWmax and TXOP in microseconds per access category, a BSS load in percent.
A function may assume the fields its element's layer always has; a missing one raises KeyError/TypeError
and the element simply gets no extra fields.
"""

from __future__ import annotations

from collections.abc import Callable

Meaning = tuple[str, object, str]

ENVIRONMENTS = {0x20: "any environment", 0x4F: "outdoor only", 0x49: "indoor only",
                0x58: "non-country entity (X)", 0x04: "per the Global Operating Classes table"}
AC_TITLES = {0: "AC_BE best effort", 1: "AC_BK background", 2: "AC_VI video", 3: "AC_VO voice"}


def buffered_aids(bitmap_offset: int, bitmap: bytes) -> list[int]:
    """Association ids whose bit is set in a TIM's partial virtual bitmap (its first octet is N1 = 2 x offset)."""
    first = bitmap_offset * 2
    return [(first + i) * 8 + bit for i, octet in enumerate(bitmap) for bit in range(8)
            if octet >> bit & 1 and (first + i) * 8 + bit]


def _tim(f: dict) -> list[Meaning]:
    aids = buffered_aids(f["bitmap_offset"], bytes.fromhex(f["partial_virtual_bitmap"]))
    dtim = f["dtim_count"] == 0
    out = [("DTIM beacon", dtim, "yes: group-addressed frames follow now" if dtim else
            f"no: {f['dtim_count']} beacon(s) to the next DTIM")]
    out.append(("buffered AIDs", aids, ", ".join(map(str, aids)) + ": those dozing stations poll for their frames"
                if aids else "none: no station has frames waiting"))
    return out


def _country(f: dict) -> list[Meaning]:
    raw = bytes.fromhex(f["country_string"])
    code = raw[:2].decode("latin-1")
    env = raw[2] if len(raw) > 2 else 0x20
    out = [("code", code, f"{code} ({ENVIRONMENTS.get(env, f'environment 0x{env:02x}')})")]
    for d in f.get("descriptors") or []:
        first, count, power = d["first_channel_number"], d["num_channels"], d["mtp"]
        last = first + (count - 1) * (1 if first <= 14 else 4)  # 5/6 GHz channel numbers go in steps of 4
        out.append((f"channels {first}-{last}", [first, count, power],
                    f"{count} channel(s) from {first} to {last}, max transmit power {power} dBm"))
    return out


def _wmm(f: dict) -> list[Meaning]:
    out = []
    for ac in f.get("ac_parameters") or []:
        cwmin, cwmax = 2 ** ac["ecw_min"] - 1, 2 ** ac["ecw_max"] - 1
        txop = ac["txop_limit"] * 32
        out.append((AC_TITLES[ac["aci"]], {"aifsn": ac["aifsn"], "cwmin": cwmin, "cwmax": cwmax, "txop_us": txop,
                                           "acm": ac["acm"]},
                    f"AIFSN {ac['aifsn']}, CWmin {cwmin}, CWmax {cwmax}, TXOP "
                    + (f"{txop} us" if txop else "one frame") + (", admission control" if ac["acm"] else "")))
    return out


def _bss_load(f: dict) -> list[Meaning]:
    util = f["channel_utilization"]
    return [("channel busy", round(util * 100 / 255, 1), f"{util * 100 / 255:.1f}% of the time ({util}/255)")]


def _rates(f: dict) -> list[Meaning]:
    rates = f["rates"]
    basic = [(r & 0x7F) / 2 for r in rates if r & 0x80]
    return [("basic rates", basic, ", ".join(f"{r:g}" for r in basic) + " Mb/s: every station must support them"
             if basic else "none marked here")]


SECONDARY = {0: "none: a 20 MHz BSS", 1: "above the primary channel (40 MHz)", 3: "below the primary channel (40 MHz)"}


def _ht_op(f: dict) -> list[Meaning]:
    offset = f["secondary_channel_offset"]
    return [("secondary channel", offset, SECONDARY.get(offset, f"reserved ({offset})"))]


def vht_width(code: int, center0: int, center1: int) -> tuple[int | None, str]:
    """MHz and words for a VHT operation's channel width and centre frequency segments."""
    if code == 0:
        return None, "20 or 40 MHz: as the HT operation says"
    if code == 1 and center1:
        if abs(center1 - center0) == 8:
            return 160, f"160 MHz centred on channel {center1}"
        return 160, f"80+80 MHz: segments centred on channels {center0} and {center1}"
    if code == 1:
        return 80, f"80 MHz centred on channel {center0}"
    return {2: 160, 3: 160}.get(code), f"{'160' if code == 2 else '80+80'} MHz (deprecated signalling)"


def _vht_op(f: dict) -> list[Meaning]:
    info = f["VHT_Operation_Info"]
    mhz, text = vht_width(info["channel_width"], info["channel_center0"], info["channel_center1"])
    return [("operating width", mhz, text)]


def _he_op(f: dict) -> list[Meaning]:
    six = f.get("he_6g_operation_info")
    if not six:
        return []
    mhz = {0: 20, 1: 40, 2: 80, 3: 160}.get(six["channel_width"])
    centre = six["channel_center1"] or six["channel_center0"]
    return [("6 GHz channel", [six["primary_channel"], mhz],
             f"primary channel {six['primary_channel']}, {mhz} MHz centred on channel {centre}")]


def _security(f: dict) -> list[Meaning]:
    from protolab.wifi.suites import akm_name, cipher_name

    group = f["group_cipher_suite"]
    pairwise = [cipher_name(c["oui"], c["cipher"]) for c in f.get("pairwise_cipher_suites") or []]
    akms = [akm_name(a["oui"], a["suite"]) for a in f.get("akm_suites") or []]
    mfp = ("required" if f.get("mfp_required") else "capable") if f.get("mfp_capable") else "off"
    text = (f"join with {' or '.join(akms) or 'no key management'}, unicast {', '.join(pairwise) or 'none'}, "
            f"group {cipher_name(group['oui'], group['cipher'])}")
    if "mfp_capable" in f:  # RSN only: WPA1 has no capabilities field
        text += f", management frame protection {mfp}"
    return [("summary", {"akms": akms, "pairwise": pairwise, "mfp": mfp}, text)]


def _stream_codes(mcs_map: int) -> list[int]:
    """The 2-bit codes of a VHT/HE MCS map (a little-endian 16-bit value), stream 1 in bits 0-1 first."""
    return [mcs_map >> (2 * i) & 3 for i in range(8)]


def _streams(mcs_map: int, top: dict[int, int]) -> tuple[int, int | None]:
    """(spatial streams, highest MCS of stream 1) of a VHT/HE MCS map: 2 bits per stream, 3 = not supported."""
    codes = _stream_codes(mcs_map)
    return sum(c != 3 for c in codes), top.get(codes[0])


VHT_TOP = {0: 7, 1: 8, 2: 9}   # MCS map code -> highest MCS
HE_TOP = {0: 7, 1: 9, 2: 11}


def mcs_map_from_list(codes: list[int]) -> int:
    """The 16-bit map of Scapy's list of 2-bit fields, which packs each byte from its top bits down
    (SS4, SS3, SS2, SS1, SS8 .. SS5)."""
    low = [int(c) & 3 for c in codes[:4]]
    high = [int(c) & 3 for c in codes[4:8]]
    pack = lambda four: four[0] << 6 | four[1] << 4 | four[2] << 2 | four[3]  # noqa: E731
    return pack(low) | pack(high) << 8


def mcs_map_text(mcs_map: int, top: dict[int, int]) -> str:
    """'0xfffc: 1 SS: MCS 0-7; 2-8 SS: not supported': the value, then each run of streams alike."""
    codes = _stream_codes(mcs_map)
    runs: list[list[int]] = []  # [first stream, last stream, code]
    for i, code in enumerate(codes, 1):
        if runs and runs[-1][2] == code:
            runs[-1][1] = i
        else:
            runs.append([i, i, code])
    parts = [f"{a}{'' if a == b else f'-{b}'} SS: " + (f"MCS 0-{top[c]}" if c in top else "not supported")
             for a, b, c in runs]
    return f"0x{mcs_map:04x}: " + "; ".join(parts)


def _ht(f: dict) -> list[Meaning]:
    mask = int(f["RX_MSC_Bitmask"]).to_bytes(16, "little")
    streams = sum(1 for b in mask[:4] if b)
    widths = "20/40 MHz" if f["Supported_Channel_Width"] else "20 MHz"
    gi = [w for w, on in (("20", f["Short_GI_20Mhz"]), ("40", f["Short_GI_40Mhz"])) if on]
    text = (f"{streams} spatial stream(s) (MCS 0-{8 * streams - 1}), {widths}"
            + (f", short guard interval at {'/'.join(gi)} MHz" if gi else "")
            + f", A-MSDU up to {7935 if f['Max_A_MSDU'] else 3839} bytes")
    return [("supports", {"streams": streams, "width": widths}, text)]


def _vht(f: dict) -> list[Meaning]:
    streams, top = _streams(f["rx_mcs_map"], VHT_TOP)
    widths = {0: "80 MHz", 1: "160 MHz", 2: "160 and 80+80 MHz"}.get(f["supported_width_set"], "80 MHz")
    return [("supports", {"streams": streams, "max_mcs": top, "width": widths},
             f"{streams} spatial stream(s) up to MCS {top}, channels up to {widths}")]


def _he(f: dict) -> list[Meaning]:
    streams, top = _streams(f["rx_mcs_80"], HE_TOP)
    widths = ", ".join(f["channel_width_set"] or []) or "20 MHz only"
    return [("supports", {"streams": streams, "max_mcs": top},
             f"{streams} spatial stream(s) up to HE-MCS {top} at 80 MHz; channel widths: {widths}")]


MEANINGS: dict[str, Callable[[dict], list[Meaning]]] = {
    "ht": _ht, "vht": _vht, "he": _he,
    "rsn": _security, "wpa": _security,
    "ht-op": _ht_op, "vht-op": _vht_op, "he-op": _he_op,
    "tim": _tim, "country": _country, "wmm": _wmm, "bss-load": _bss_load, "rates": _rates, "ext-rates": _rates,
}
