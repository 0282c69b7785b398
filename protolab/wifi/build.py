"""Beacon spec -> radiotap + 802.11 beacon frames, crafted with Scapy.

Theory of operation: `element_layers(spec, ...)` lists the Scapy element layers in the order of
802.11-2020 Table 9-32 (SSID, rates, DS, CF, TIM, country, power constraint, ERP, extended rates, RSN,
BSS load, RM capabilities, mobility domain, HT, extended capabilities, VHT, HE, vendor elements last).
A train of N beacons differs only in TSF timestamp, sequence number and TIM (DTIM count cycles, the
multicast bit on DTIMs), so Scapy builds one frame per distinct TIM and the train patches timestamp and
sequence number into copies of those bytes: same bytes as building every frame with Scapy, much faster.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from protolab.wifi import bss_params as bp
from protolab.wifi.channels import center_channel, frequency, secondary_above
from protolab.wifi.fixedfields import CAP_BY_NAME
from protolab.wifi.spec import BeaconSpec, resolve

BASE_TIME_NS = 1_700_000_000 * 10**9  # fixed pcap start time: same spec, same bytes
SEQ_OFFSET_IN_HEADER = 22  # sequence control within the 802.11 header
TU_US = 1024
# Basic VHT-/HE-MCS and NSS set 0xfffc (1 SS at MCS 0-7, others not supported), as hostapd sends it.
# Scapy's list of 2-bit fields packs each byte from its top bits down: SS4, SS3, SS2, SS1, SS8 .. SS5.
BASIC_MCS_1SS = [3, 3, 3, 0, 3, 3, 3, 3]


@dataclass
class BuiltBeacon:
    frame: bytes                 # radiotap + 802.11 beacon
    timestamp_ns: int            # pcap time
    tsf: int
    sequence: int
    dtim_count: int
    radiotap_len: int


def rates_of(spec: BeaconSpec) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return bp.effective_rates(spec.band, spec.rates, spec.basic_rates)


def is_erp(spec: BeaconSpec) -> bool:
    """An 802.11g (ERP) BSS: 2.4 GHz with OFDM rates; it carries the ERP element and may use short slots."""
    return spec.band == "2.4" and any(r in bp.OFDM_RATES for r in rates_of(spec)[0])


def secondary_is_above(spec: BeaconSpec) -> bool:
    """Is the secondary 20 MHz channel of a 40 MHz BSS above the primary (HT operation offset 1)?"""
    return spec.secondary == "above" if spec.secondary else secondary_above(spec.band, spec.channel)


def capability_word(spec: BeaconSpec) -> int:
    bits = [0]  # ESS
    if spec.profile.privacy:
        bits.append(4)
    if spec.short_preamble:  # hostapd sets it only with preamble=1 (and no long-preamble station)
        bits.append(5)
    if is_erp(spec):
        bits.append(10)  # short slot time
    if spec.spectrum_mgmt:
        bits.append(8)
    if spec.uapsd and spec.wmm:
        bits.append(11)
    if spec.rrm:
        bits.append(12)
    bits += [CAP_BY_NAME[name].bit for name in spec.extra_capabilities]
    return sum(1 << b for b in set(bits))


def tim_bitmap(aids: tuple[int, ...]) -> tuple[int, bytes]:
    """(bitmap offset field N1/2, partial virtual bitmap) for buffered association ids."""
    if not aids:
        return 0, b"\x00"
    n1 = (min(aids) // 8) & ~1
    n2 = max(aids) // 8
    bitmap = bytearray(n2 - n1 + 1)
    for aid in aids:
        bitmap[aid // 8 - n1] |= 1 << (aid % 8)
    return n1 // 2, bytes(bitmap)


def _rsn_caps(mfp: str) -> tuple[int, int]:
    return {"off": (0, 0), "capable": (1, 0), "required": (1, 1)}[mfp]


def element_layers(spec: BeaconSpec, dtim_count: int, multicast: bool) -> list:
    from scapy.layers.dot11 import (
        AKMSuite,
        Dot11Elt,
        Dot11EltCountry,
        Dot11EltCountryConstraintTriplet,
        Dot11EltDSSSet,
        Dot11EltHEOperation,
        Dot11EltHTCapabilities,
        Dot11EltHTOperation,
        Dot11EltMicrosoftWPA,
        Dot11EltRates,
        Dot11EltRSN,
        Dot11EltVendorSpecific,
        Dot11EltVHTOperation,
        Dot11HE6GOperationInfo,
        Dot11VHTOperationInfo,
        RSNCipherSuite,
    )

    from protolab.wifi import layers as L

    band, profile = spec.band, spec.profile
    out = []
    ssid = spec.ssid if spec.hidden == "no" else (b"" if spec.hidden == "empty" else b"\x00" * len(spec.ssid))
    out.append(Dot11Elt(ID=0, info=ssid))
    codes = bp.rate_codes(*rates_of(spec))
    out.append(Dot11EltRates(ID=1, rates=codes[:bp.MAX_SUPPORTED_RATES]))
    if band != "6":
        out.append(Dot11EltDSSSet(channel=spec.channel))
    if spec.cf:
        out.append(L.Dot11EltCFParams(cfp_count=0, cfp_period=1, cfp_max_duration=0, cfp_dur_remaining=0))
    offset, bitmap = tim_bitmap(spec.buffered_aids)
    out.append(L.Dot11EltTIM(dtim_count=dtim_count, dtim_period=spec.dtim_period, bitmap_offset=offset,
                             multicast=int(multicast), partial_virtual_bitmap=bitmap))
    if spec.country:
        triplets = [Dot11EltCountryConstraintTriplet(first_channel_number=a, num_channels=b, mtp=c)
                    for a, b, c in spec.country_triplets or bp.default_triplets(band, spec.country)]
        out.append(Dot11EltCountry(country_string=spec.country.encode() + b" ", descriptors=triplets))
    if spec.power_constraint is not None:
        out.append(L.Dot11EltPowerConstraint(power_constraint=spec.power_constraint))
    if is_erp(spec):
        out.append(L.Dot11EltERPBits())
    if codes[bp.MAX_SUPPORTED_RATES:]:
        out.append(Dot11EltRates(ID=50, rates=codes[bp.MAX_SUPPORTED_RATES:]))
    pairwise = spec.effective_pairwise
    rsn_akms = spec.rsn_akms
    if profile.rsn_akms:
        mfpc, mfpr = _rsn_caps(spec.effective_mfp)
        # An explicit length leaves out the optional PMKID list and group management cipher (Scapy adds
        # them when the length is left to compute).
        out.append(Dot11EltRSN(len=12 + 4 * len(pairwise) + 4 * len(rsn_akms),
                               nb_pairwise_cipher_suites=len(pairwise), nb_akm_suites=len(rsn_akms),
                               group_cipher_suite=RSNCipherSuite(cipher=spec.group_cipher),
                               pairwise_cipher_suites=[RSNCipherSuite(cipher=c) for c in pairwise],
                               akm_suites=[AKMSuite(suite=a) for a in rsn_akms],
                               mfp_capable=mfpc, mfp_required=mfpr))
    if spec.bss_load is not None:
        stations, util, capacity = spec.bss_load
        out.append(L.Dot11EltBSSLoad(station_count=stations, channel_utilization=util,
                                     available_admission_capacity=capacity))
    if spec.rrm:  # link measurement, neighbour report, beacon passive/active/table
        out.append(L.Dot11EltRMEnabledCapabilities(rm_capabilities=bytes([0x73, 0, 0, 0, 0])))
    if spec.mobility_domain is not None:
        out.append(L.Dot11EltMobilityDomain(mdid=spec.mobility_domain, ft_over_ds=1))
    if spec.ht:
        forty = spec.width >= 40
        out.append(Dot11EltHTCapabilities(Supported_Channel_Width=int(forty), Short_GI_20Mhz=1,
                                          Short_GI_40Mhz=int(forty), SM_Power_Save=3, Max_A_MPDU_Length_Exponent=3,
                                          Min_MPDCU_Start_Spacing=0, RX_MSC_Bitmask=0xFFFF, TX_MCS_Set_Defined=1))
        out.append(Dot11EltHTOperation(primary_channel=spec.channel, channel_width=int(forty),
                                       secondary_channel_offset=(1 if secondary_is_above(spec) else 3)
                                       if forty else 0))
    if spec.ht or spec.he or spec.bss_transition:
        ext = bytearray(8)
        if spec.bss_transition:
            ext[2] |= 0x08  # bit 19
        out.append(L.Dot11EltExtCapabilities(extended_capabilities=bytes(ext)))
    if spec.vht:
        width_code = 1 if spec.width >= 80 else 0
        center0 = center_channel(band, spec.channel, min(spec.width, 80)) if spec.width >= 80 else 0
        center1 = center_channel(band, spec.channel, 160) if spec.width == 160 else 0
        out.append(L.Dot11EltVHTCapabilities(supported_width_set=int(spec.width == 160), short_gi_80=1,
                                             short_gi_160=int(spec.width == 160), max_ampdu_exponent=7,
                                             rx_mcs_map=0xFFFA, tx_mcs_map=0xFFFA))
        out.append(Dot11EltVHTOperation(
            VHT_Operation_Info=Dot11VHTOperationInfo(channel_width=width_code, channel_center0=center0,
                                                     channel_center1=center1),
            mcs_set=BASIC_MCS_1SS))
    if spec.he:
        widths = 0
        if band == "2.4" and spec.width >= 40:
            widths |= 0b1
        if band != "2.4":
            widths |= 0b10 | (0b100 if spec.width == 160 else 0)
        extra = b"\xfa\xff\xfa\xff" if spec.width == 160 else b""
        out.append(L.Dot11EltHECapabilities(len=1 + 6 + 11 + 4 + len(extra), ext_ID=35, htc_he=1,
                                            channel_width_set=widths, mcs_160_and_80p80=extra))
        op = dict(len=7, ext_ID=36, default_pe_duration=4, txop_duration_rts_threshold=1023,
                  bss_color=1 + spec.seed % 63, basic_he_mcs_and_nss_set=BASIC_MCS_1SS)
        if band == "6":
            code = {20: 0, 40: 1, 80: 2, 160: 3}[spec.width]
            ccfs0 = center_channel(band, spec.channel, min(spec.width, 80))
            ccfs1 = center_channel(band, spec.channel, 160) if spec.width == 160 else 0
            op.update(len=12, six_g_op_info_present=1, he_6g_operation_info=Dot11HE6GOperationInfo(
                primary_channel=spec.channel, channel_width=code, channel_center0=ccfs0, channel_center1=ccfs1,
                minimum_rate=6))
        out.append(Dot11EltHEOperation(**op))
        if band == "6":
            out.append(L.Dot11EltHE6GHzCapabilities(len=3, ext_ID=59, max_ampdu_exponent=7, max_mpdu_length=2,
                                                    sm_power_save=3))
    if profile.wpa_akms:
        out.append(Dot11EltMicrosoftWPA(group_cipher_suite=RSNCipherSuite(oui=0x0050F2, cipher=spec.group_cipher),
                                        pairwise_cipher_suites=[RSNCipherSuite(oui=0x0050F2, cipher=c)
                                                                for c in spec.effective_wpa_pairwise],
                                        akm_suites=[AKMSuite(oui=0x0050F2, suite=a) for a in spec.wpa_akms]))
    if spec.wmm:
        params = bp.effective_wmm(rates_of(spec)[0], spec.wmm_ac)
        out.append(L.Dot11EltWMM(subtype=1, uapsd=int(spec.uapsd), ac_parameters=[
            L.WMMACParameters(aci=aci, acm=acm, aifsn=n, ecw_min=lo, ecw_max=hi, txop_limit=t)
            for aci, (n, lo, hi, t, acm) in enumerate(params[ac] for ac in bp.AC_NAMES)]))
    for raw in spec.vendor:
        out.append(Dot11EltVendorSpecific(oui=int.from_bytes(raw[:3], "big"), info=raw[3:]))
    return out


def _radiotap(spec: BeaconSpec):
    from scapy.layers.dot11 import RadioTap

    freq = frequency(spec.band, spec.channel)
    rate = min(rates_of(spec)[1])  # Mb/s: beacons go at the lowest basic rate
    modulation = 0x0020 if rate in bp.DSSS_RATES else 0x0040  # CCK or OFDM
    flags = modulation | (0x0080 if spec.band == "2.4" else 0x0100)  # 2 GHz or 5 GHz (6 GHz has no flag)
    return RadioTap(present="Flags+Rate+Channel+dBm_AntSignal", Flags=0, Rate=rate, ChannelFrequency=freq,
                    ChannelFlags=flags, dBm_AntSignal=spec.signal_dbm)


def build_one(spec: BeaconSpec, dtim_count: int, multicast: bool, tsf: int = 0, sequence: int = 0) -> bytes:
    from scapy.layers.dot11 import Dot11

    from protolab.wifi.layers import Dot11BeaconNamed

    pkt = _radiotap(spec) / Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=spec.bssid,
                                  addr3=spec.bssid, SC=(sequence & 0xFFF) << 4) / Dot11BeaconNamed(
        timestamp=tsf, beacon_interval=spec.beacon_interval, cap=capability_word(spec))
    for element in element_layers(spec, dtim_count, multicast):
        pkt = pkt / element
    return bytes(pkt)


def iter_train(spec: BeaconSpec):
    """The spec's `count` beacons as an AP sends them, one at a time (see the module docstring)."""
    spec = resolve(spec)
    templates: dict[tuple[int, bool], bytes] = {}
    interval_us = spec.beacon_interval * TU_US
    for i in range(spec.count):
        dtim_count = (spec.dtim_count - i) % spec.dtim_period
        multicast = spec.multicast_buffered and dtim_count == 0
        key = (dtim_count, multicast)
        if key not in templates:
            templates[key] = build_one(spec, dtim_count, multicast)
        frame = bytearray(templates[key])
        rt_len = frame[2] | frame[3] << 8
        tsf = spec.tsf_start + i * interval_us
        seq = (spec.seq_start + i) & 0xFFF
        struct.pack_into("<H", frame, rt_len + SEQ_OFFSET_IN_HEADER, seq << 4)
        struct.pack_into("<Q", frame, rt_len + 24, tsf & 0xFFFF_FFFF_FFFF_FFFF)
        yield BuiltBeacon(bytes(frame), BASE_TIME_NS + i * interval_us * 1000, tsf, seq, dtim_count, rt_len)


def build_train(spec: BeaconSpec) -> list[BuiltBeacon]:
    return list(iter_train(spec))


def write_pcap(beacons, target) -> None:
    """Write built beacons (any iterable: a train is streamed) to a radiotap pcap."""
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter

    with PcapWriter(target, linktype=LINKTYPE_RADIOTAP) as writer:
        for beacon in beacons:
            writer.write(beacon.frame, beacon.timestamp_ns)
