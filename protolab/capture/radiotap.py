"""Radiotap: the radio metadata header in front of 802.11 frames (link type 127).

Theory of operation: the header is version(1) pad(1) length(2, LE) then one or more 32-bit "present"
bitmaps, chained while bit 31 is set. Bit 29 of a bitmap restarts the radiotap namespace in the next bitmap
(used to repeat fields, e.g. per-antenna signal); bit 30 switches the next bitmap to a vendor namespace,
whose data starts with OUI(3) sub-namespace(1) skip-length(2) and is skipped whole. The fields follow the
bitmaps in bit order, each aligned to its natural alignment counted from the start of the header. The field
table below (bit -> alignment, size, decoder) drives the walk; a field we do not know has an unknown size,
so it ends the walk (complete=False) - the 802.11 frame is still found at `length`. Only the first
occurrence of a field is kept (the combined value; later namespaces repeat it per antenna).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

FLAG_CFP, FLAG_SHORT_PREAMBLE, FLAG_WEP, FLAG_FRAG, FLAG_FCS, FLAG_DATAPAD, FLAG_BADFCS, FLAG_SHORT_GI = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80)
CHAN_2GHZ, CHAN_5GHZ = 0x0080, 0x0100
BIT_RADIOTAP_NS, BIT_VENDOR_NS, BIT_EXT = 29, 30, 31


@dataclass
class Mcs:
    index: int | None
    bandwidth_mhz: int | None
    short_gi: bool | None


@dataclass
class Vht:
    bandwidth_mhz: int | None
    short_gi: bool | None
    users: list[tuple[int, int]] = field(default_factory=list)  # (mcs, nss) per user with nss > 0


@dataclass
class Radiotap:
    length: int = 0
    version: int = 0
    present: list[int] = field(default_factory=list)
    tsft: int | None = None
    flags: int | None = None
    rate_mbps: float | None = None
    freq_mhz: int | None = None
    channel_flags: int | None = None
    signal_dbm: int | None = None
    noise_dbm: int | None = None
    antenna: int | None = None
    mcs: Mcs | None = None
    vht: Vht | None = None
    fields: list[str] = field(default_factory=list)   # names of the fields decoded, in order
    complete: bool = True
    problem: str = ""
    source: str = "radiotap"   # or "ppi"/"prism"/"avs" when mapped from another radio header

    @property
    def fcs_at_end(self) -> bool:
        return bool(self.flags and self.flags & FLAG_FCS)

    @property
    def bad_fcs(self) -> bool:
        return bool(self.flags and self.flags & FLAG_BADFCS)

    @property
    def band(self) -> str | None:
        return band_of(self.freq_mhz, self.channel_flags)

    @property
    def channel(self) -> int | None:
        return freq_to_channel(self.freq_mhz) if self.freq_mhz else None

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out.update(fcs_at_end=self.fcs_at_end, bad_fcs=self.bad_fcs, band=self.band, channel=self.channel)
        return out


# -- frequency <-> channel ---------------------------------------------------------------------------------
def band_of(freq_mhz: int | None, channel_flags: int | None = None) -> str | None:
    if freq_mhz:
        if 2400 <= freq_mhz <= 2500:
            return "2.4 GHz"
        if freq_mhz == 5935 or 5950 <= freq_mhz <= 7125:
            return "6 GHz"
        if 4900 <= freq_mhz < 5935:
            return "5 GHz"
        if 57000 <= freq_mhz <= 71000:
            return "60 GHz"
    if channel_flags:
        if channel_flags & CHAN_2GHZ:
            return "2.4 GHz"
        if channel_flags & CHAN_5GHZ:
            return "5 GHz"
    return None


def freq_to_channel(freq_mhz: int) -> int | None:
    """IEEE channel number of a centre frequency, band-aware (2.4, 4.9/5, 6 and 60 GHz)."""
    if freq_mhz == 2484:
        return 14
    if 2407 < freq_mhz < 2484:
        return (freq_mhz - 2407) // 5
    if freq_mhz == 5935:
        return 2
    if 5950 < freq_mhz <= 7125:
        return (freq_mhz - 5950) // 5
    if 4910 <= freq_mhz <= 4980:
        return (freq_mhz - 4000) // 5
    if 5000 < freq_mhz < 5950:
        return (freq_mhz - 5000) // 5
    if 58320 <= freq_mhz <= 70200:
        return (freq_mhz - 56160) // 2160
    return None


def channel_to_freq(channel: int, band: str | None = None) -> int | None:
    """Centre frequency of a channel; band "2.4 GHz"/"5 GHz"/"6 GHz"/"60 GHz" (default: 2.4 up to 14, else 5)."""
    if band is None:
        band = "2.4 GHz" if 1 <= channel <= 14 else "5 GHz"
    if band == "2.4 GHz":
        if channel == 14:
            return 2484
        return 2407 + 5 * channel if 1 <= channel <= 13 else None
    if band == "5 GHz":
        if 182 <= channel <= 196:
            return 4000 + 5 * channel
        return 5000 + 5 * channel if 1 <= channel <= 177 else None
    if band == "6 GHz":
        if channel == 2:
            return 5935
        return 5950 + 5 * channel if 1 <= channel <= 233 else None
    if band == "60 GHz":
        return 56160 + 2160 * channel if 1 <= channel <= 6 else None
    return None


# -- field decoders ----------------------------------------------------------------------------------------
_MCS_BW = {0: 20, 1: 40, 2: 20, 3: 20}  # 2/3 are 20L/20U
# VHT bandwidth code -> MHz actually used (codes name a sub-band: 2 = 20L of a 40, 12 = 80L of a 160...).
_VHT_BW = dict.fromkeys((0, 2, 3, *range(7, 11), *range(18, 26)), 20)
_VHT_BW.update(dict.fromkeys((1, 5, 6, *range(14, 18)), 40))
_VHT_BW.update(dict.fromkeys((4, 12, 13), 80))
_VHT_BW[11] = 160


def _tsft(rt, b, p):
    rt.tsft = struct.unpack_from("<Q", b, p)[0]


def _flags(rt, b, p):
    rt.flags = b[p]


def _rate(rt, b, p):
    rt.rate_mbps = b[p] / 2


def _channel(rt, b, p):
    rt.freq_mhz, rt.channel_flags = struct.unpack_from("<HH", b, p)


def _signal(rt, b, p):
    rt.signal_dbm = struct.unpack_from("b", b, p)[0]


def _noise(rt, b, p):
    rt.noise_dbm = struct.unpack_from("b", b, p)[0]


def _antenna(rt, b, p):
    rt.antenna = b[p]


def _xchannel(rt, b, p):
    flags, freq = struct.unpack_from("<IH", b, p)
    if rt.freq_mhz is None:
        rt.freq_mhz, rt.channel_flags = freq, flags & 0xFFFF


def _mcs(rt, b, p):
    known, flags, index = b[p], b[p + 1], b[p + 2]
    rt.mcs = Mcs(index if known & 0x02 else None,
                 _MCS_BW[flags & 0x03] if known & 0x01 else None,
                 bool(flags & 0x04) if known & 0x04 else None)


def _vht(rt, b, p):
    known, flags, bw = struct.unpack_from("<HBB", b, p)
    users = [(x >> 4, x & 0x0F) for x in b[p + 4:p + 8] if x & 0x0F]
    rt.vht = Vht(_VHT_BW.get(bw & 0x1F) if known & 0x0040 else None,
                 bool(flags & 0x04) if known & 0x0004 else None, users)


@dataclass(frozen=True)
class Field:
    name: str
    align: int
    size: int
    decode: object = None   # callable(rt, buf, pos) or None to skip


# The radiotap field table (bit -> Field), from the radiotap.org field list.
FIELDS: dict[int, Field] = {
    0: Field("tsft", 8, 8, _tsft),
    1: Field("flags", 1, 1, _flags),
    2: Field("rate", 1, 1, _rate),
    3: Field("channel", 2, 4, _channel),
    4: Field("fhss", 1, 2),
    5: Field("dbm_antsignal", 1, 1, _signal),
    6: Field("dbm_antnoise", 1, 1, _noise),
    7: Field("lock_quality", 2, 2),
    8: Field("tx_attenuation", 2, 2),
    9: Field("db_tx_attenuation", 2, 2),
    10: Field("dbm_tx_power", 1, 1),
    11: Field("antenna", 1, 1, _antenna),
    12: Field("db_antsignal", 1, 1),
    13: Field("db_antnoise", 1, 1),
    14: Field("rx_flags", 2, 2),
    15: Field("tx_flags", 2, 2),
    16: Field("rts_retries", 1, 1),
    17: Field("data_retries", 1, 1),
    18: Field("xchannel", 4, 8, _xchannel),
    19: Field("mcs", 1, 3, _mcs),
    20: Field("ampdu_status", 4, 8),
    21: Field("vht", 2, 12, _vht),
    22: Field("timestamp", 8, 12),
    23: Field("he", 2, 12),
    24: Field("he_mu", 2, 12),
    25: Field("he_mu_other_user", 2, 6),
    26: Field("zero_length_psdu", 1, 1),
    27: Field("lsig", 2, 4),
}


@dataclass(frozen=True)
class _Plan:
    """Where the fields of one chain of present words sit: the same for every frame with that chain."""

    steps: tuple          # (decoder, offset) of each field to decode, first occurrences only
    fields: tuple         # names of the fields met, in order
    complete: bool
    problem: str


_PLANS: dict[tuple[int, tuple[int, ...]], _Plan] = {}
MAX_PLANS = 256   # a capture has a handful of chains; the bound keeps garbage from growing the cache


def parse_radiotap(buf: bytes) -> Radiotap:
    """Decode a radiotap header; never raises. A header that cannot be one has complete=False, length 0.

    Field positions depend only on the header length and the chain of present words, never on field
    values, so the walk is planned once per chain (`_plan`) and replayed on every frame that has it.
    """
    rt = Radiotap()
    if len(buf) < 8:
        rt.complete, rt.problem = False, "shorter than the 8-byte radiotap header"
        return rt
    rt.version, _pad, length = struct.unpack_from("<BBH", buf, 0)
    if length < 8 or length > len(buf):
        rt.complete, rt.problem = False, f"radiotap length {length} does not fit the {len(buf)}-byte frame"
        return rt
    rt.length = length
    words = rt.present
    pos = 4
    while True:
        if pos + 4 > length:
            rt.complete, rt.problem = False, "present bitmaps run past the radiotap length"
            return rt
        word = struct.unpack_from("<I", buf, pos)[0]
        pos += 4
        words.append(word)
        if not word & (1 << BIT_EXT):
            break
    key = (length, tuple(words))
    plan = _PLANS.get(key)
    if plan is None:
        plan, cacheable = _plan(buf, words, pos, length)
        if cacheable and len(_PLANS) < MAX_PLANS:
            _PLANS[key] = plan
    for decode, at in plan.steps:
        decode(rt, buf, at)
    rt.fields = list(plan.fields)
    rt.complete, rt.problem = plan.complete, plan.problem
    return rt


def _plan(buf: bytes, words: list[int], pos: int, length: int) -> tuple[_Plan, bool]:
    """Walk the fields of a chain; (plan, cacheable). A vendor namespace makes it uncacheable: its skip
    length is data, not layout."""
    chain, namespace, index = [], "radiotap", 0   # (namespace, index within the namespace, word)
    for word in words:
        chain.append((namespace, index, word))
        if word & (1 << BIT_VENDOR_NS):
            namespace, index = "vendor", 0
        elif word & (1 << BIT_RADIOTAP_NS):
            namespace, index = "radiotap", 0
        else:
            index += 1
    steps, names, seen, cacheable = [], [], set(), True

    def done(complete: bool = True, problem: str = "") -> tuple[_Plan, bool]:
        return _Plan(tuple(steps), tuple(names), complete, problem), cacheable

    for namespace, index, word in chain:
        if namespace == "vendor":
            cacheable = False
            if index != 0:
                continue   # the whole vendor namespace was skipped with its first word
            pos = (pos + 1) & ~1
            if pos + 6 > length:
                return done(False, "vendor namespace header runs past the radiotap length")
            pos += 6 + struct.unpack_from("<H", buf, pos + 4)[0]
            continue
        for bit in range(29):
            if not word & (1 << bit):
                continue
            spec = FIELDS.get(32 * index + bit)
            if spec is None:
                return done(False, f"unknown radiotap field {32 * index + bit}: stopped there")
            pos = (pos + spec.align - 1) & ~(spec.align - 1)
            if pos + spec.size > length:
                return done(False, f"field {spec.name} runs past the radiotap length")
            if spec.name not in seen:
                seen.add(spec.name)
                names.append(spec.name)
                if spec.decode is not None:
                    steps.append((spec.decode, pos))
            pos += spec.size
    return done()
