"""Scapy layers of our own for what Scapy 2.8 leaves raw or names badly in a beacon.

Importing this module registers them with Scapy's element dispatch (Dot11Elt.registered_ies, the
extension-id and vendor-OUI tables), so `Dot11(raw)` and `pkt.show()` decode these elements too:
  TIM (5), CF parameter set (4), BSS load (11), power constraint (32), ERP (42/47, Scapy reads its bits
  in the wrong order), mobility domain (54), RM enabled capabilities (70), extended capabilities (127),
  VHT capabilities (191), HE capabilities (255/35), HE 6 GHz band capabilities (255/59), and behind the
  Microsoft OUI 00-50-F2: WPA (Scapy's) / WMM / WPS by type.
`Dot11BeaconNamed` replaces Dot11Beacon under Dot11 type 0 subtype 8: the same fixed fields with the
capability bits named by the standard (Scapy says res8, res9, ...), little-endian bit order.
"""

from __future__ import annotations

from scapy.fields import (
    BitEnumField,
    BitField,
    ByteEnumField,
    ByteField,
    ConditionalField,
    FieldLenField,
    FlagsField,
    LELongField,
    LEShortField,
    OUIField,
    PacketListField,
    ShortEnumField,
    StrLenField,
    XByteField,
    XLEShortField,
)
from scapy.layers.dot11 import (
    Dot11,
    Dot11Beacon,
    Dot11Elt,
    Dot11EltExtension,
    Dot11EltMicrosoftWPA,
    Dot11EltVendorSpecific,
    _dot11_id_enum,
)
from scapy.packet import Packet, bind_layers, split_bottom_up

from protolab.wifi.fixedfields import CAPABILITY_BITS
from protolab.wifi.suites import MS_OUI


def _rest(pkt, used: int) -> int:
    return max(0, (pkt.len or 0) - used)


class BitNamesField(StrLenField):
    """A variable-length little-endian bit field (extended / RM capabilities) shown as the names of set bits."""

    __slots__ = ["bit_names"]

    def __init__(self, name, default, names: dict[int, str], length_from=None):
        super().__init__(name, default, length_from=length_from)
        self.bit_names = names

    def set_bits(self, val: bytes) -> list[str]:
        value = int.from_bytes(val or b"", "little")
        return [self.bit_names.get(i, f"bit{i}") for i in range(len(val or b"") * 8) if value >> i & 1]

    def i2repr(self, pkt, val):
        return ", ".join(self.set_bits(val)) or "none"


class Dot11BeaconNamed(Dot11Beacon):
    """Scapy's beacon (network_stats() and haslayer(Dot11Beacon) keep working) with named capability bits."""

    name = "802.11 Beacon"
    fields_desc = [LELongField("timestamp", 0),
                   LEShortField("beacon_interval", 0x0064),
                   FlagsField("cap", 0, -16, [c.name for c in CAPABILITY_BITS])]


class Dot11EltCFParams(Dot11Elt):
    name = "802.11 CF Parameter Set"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 4, _dot11_id_enum), ByteField("len", None),
                   ByteField("cfp_count", 0), ByteField("cfp_period", 0),
                   LEShortField("cfp_max_duration", 0), LEShortField("cfp_dur_remaining", 0)]


class Dot11EltTIM(Dot11Elt):
    name = "802.11 TIM"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 5, _dot11_id_enum), ByteField("len", None),
                   ByteField("dtim_count", 0), ByteField("dtim_period", 1),
                   BitField("bitmap_offset", 0, 7), BitField("multicast", 0, 1),
                   StrLenField("partial_virtual_bitmap", b"\x00", length_from=lambda p: _rest(p, 3))]


class Dot11EltBSSLoad(Dot11Elt):
    name = "802.11 BSS Load"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 11, _dot11_id_enum), ByteField("len", None),
                   LEShortField("station_count", 0), ByteField("channel_utilization", 0),
                   LEShortField("available_admission_capacity", 0)]


class Dot11EltPowerConstraint(Dot11Elt):
    name = "802.11 Power Constraint"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 32, _dot11_id_enum), ByteField("len", None),
                   ByteField("power_constraint", 0)]


class Dot11EltERPBits(Dot11Elt):
    name = "802.11 ERP"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 42, _dot11_id_enum), ByteField("len", None),
                   BitField("reserved", 0, 5), BitField("barker_preamble_mode", 0, 1),
                   BitField("use_protection", 0, 1), BitField("non_erp_present", 0, 1)]


class Dot11EltMobilityDomain(Dot11Elt):
    name = "802.11 Mobility Domain"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 54, _dot11_id_enum), ByteField("len", None),
                   XLEShortField("mdid", 0),
                   BitField("reserved", 0, 6), BitField("resource_request", 0, 1), BitField("ft_over_ds", 0, 1)]


RM_BITS = {0: "link_measurement", 1: "neighbor_report", 2: "parallel_measurements", 3: "repeated_measurements",
           4: "beacon_passive", 5: "beacon_active", 6: "beacon_table", 7: "beacon_reporting_conditions",
           8: "frame_measurement", 9: "channel_load", 10: "noise_histogram", 11: "statistics", 12: "lci",
           13: "lci_azimuth", 14: "tx_stream_category", 15: "triggered_tx_stream", 16: "ap_channel_report",
           17: "rm_mib", 27: "measurement_pilot_info", 28: "neighbor_report_tsf_offset", 29: "rcpi", 30: "rsni",
           31: "bss_average_access_delay", 32: "bss_available_admission_capacity", 33: "antenna",
           34: "ftm_range_report", 35: "civic_location"}


class Dot11EltRMEnabledCapabilities(Dot11Elt):
    name = "802.11 RM Enabled Capabilities"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 70, _dot11_id_enum), ByteField("len", None),
                   BitNamesField("rm_capabilities", b"\x00" * 5, RM_BITS, length_from=lambda p: _rest(p, 0))]


EXT_CAP_BITS = {0: "coexistence_20_40", 2: "extended_channel_switching", 4: "psmp", 6: "s_psmp", 7: "event",
                8: "diagnostics", 9: "multicast_diagnostics", 10: "location_tracking", 11: "fms", 12: "proxy_arp",
                13: "collocated_interference_reporting", 14: "civic_location", 15: "geospatial_location",
                16: "tfs", 17: "wnm_sleep_mode", 18: "tim_broadcast", 19: "bss_transition", 20: "qos_traffic",
                21: "ac_station_count", 22: "multiple_bssid", 23: "timing_measurement", 24: "channel_usage",
                25: "ssid_list", 26: "dms", 27: "utc_tsf_offset", 28: "tpu_buffer_sta", 29: "tdls_peer_psm",
                30: "tdls_channel_switching", 31: "interworking", 32: "qos_map", 33: "ebr", 34: "sspn_interface",
                36: "msgcf", 37: "tdls_support", 38: "tdls_prohibited", 39: "tdls_channel_switching_prohibited",
                40: "reject_unadmitted_frame", 44: "identifier_location", 45: "uapsd_coexistence",
                46: "wnm_notification", 47: "qab", 48: "utf8_ssid", 49: "qmf_activated", 51: "robust_av_streaming",
                52: "advanced_gcr", 53: "mesh_gcr", 54: "scs", 55: "qload_report", 56: "alternate_edca",
                57: "unprotected_txop_negotiation", 58: "protected_txop_negotiation", 60: "protected_qload_report",
                61: "tdls_wider_bandwidth", 62: "operating_mode_notification", 65: "channel_schedule_management",
                70: "ftm_responder", 71: "ftm_initiator", 72: "fils", 73: "extended_spectrum_management",
                74: "future_channel_guidance", 77: "twt_requester", 78: "twt_responder",
                79: "obss_narrow_bw_ru_tolerance", 80: "complete_nontxbssid_profiles",
                81: "sae_password_identifiers_used", 82: "sae_passwords_exclusively", 83: "enhanced_mbssid",
                84: "beacon_protection", 85: "mirrored_scs", 87: "local_mac_address_policy"}


class Dot11EltExtCapabilities(Dot11Elt):
    name = "802.11 Extended Capabilities"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 127, _dot11_id_enum), ByteField("len", None),
                   BitNamesField("extended_capabilities", b"\x00" * 8, EXT_CAP_BITS,
                                 length_from=lambda p: _rest(p, 0))]


class Dot11EltVHTCapabilities(Dot11Elt):
    name = "802.11 VHT Capabilities"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 191, _dot11_id_enum), ByteField("len", None),
                   # VHT Capabilities Information, 4 bytes little-endian, listed from the top bit down.
                   BitField("ext_nss_bw", 0, 2, tot_size=-4), BitField("tx_antenna_pattern", 0, 1),
                   BitField("rx_antenna_pattern", 0, 1), BitField("link_adaptation", 0, 2),
                   BitField("max_ampdu_exponent", 0, 3), BitField("htc_vht", 0, 1), BitField("txop_ps", 0, 1),
                   BitField("mu_beamformee", 0, 1), BitField("mu_beamformer", 0, 1),
                   BitField("sounding_dimensions", 0, 3), BitField("beamformee_sts", 0, 3),
                   BitField("su_beamformee", 0, 1), BitField("su_beamformer", 0, 1), BitField("rx_stbc", 0, 3),
                   BitField("tx_stbc", 0, 1), BitField("short_gi_160", 0, 1), BitField("short_gi_80", 0, 1),
                   BitField("rx_ldpc", 0, 1),
                   BitEnumField("supported_width_set", 0, 2, {0: "80", 1: "160", 2: "160, 80+80"}),
                   BitEnumField("max_mpdu_length", 0, 2, {0: "3895", 1: "7991", 2: "11454"}, end_tot_size=-4),
                   # Supported VHT-MCS and NSS set: each highest long-GI rate (Mb/s) is 13 bits of a
                   # little-endian 16-bit word whose top 3 bits say something else.
                   XLEShortField("rx_mcs_map", 0xFFFE),
                   BitField("max_nsts_total", 0, 3, tot_size=-2), BitField("rx_highest_rate", 0, 13, end_tot_size=-2),
                   XLEShortField("tx_mcs_map", 0xFFFE),
                   BitField("vht_reserved", 0, 2, tot_size=-2), BitField("ext_nss_bw_capable", 0, 1),
                   BitField("tx_highest_rate", 0, 13, end_tot_size=-2)]


def _he_mcs_extra(pkt) -> int:
    width = pkt.channel_width_set or 0
    return (4 if width & 0b100 else 0) + (4 if width & 0b1000 else 0)


class Dot11EltHECapabilities(Dot11EltExtension):
    name = "802.11 HE Capabilities"
    match_subclass = True
    ID = 255
    ext_ID = 35
    fields_desc = Dot11EltExtension.fields_desc + [
        # HE MAC Capabilities Information, 6 bytes little-endian (the bits a beacon reader cares about).
        BitField("mac_other", 0, 45, tot_size=-6), BitField("twt_responder", 0, 1),
        BitField("twt_requester", 0, 1), BitField("htc_he", 0, 1, end_tot_size=-6),
        # HE PHY Capabilities Information, 11 bytes: B1-B7 = supported channel width set.
        BitField("phy_other", 0, 80, tot_size=-11),
        FlagsField("channel_width_set", 0, 7, ["40MHz-2.4GHz", "40/80MHz-5/6GHz", "160MHz", "80+80MHz",
                                               "242RU-2.4GHz", "242RU-5/6GHz", "reserved"]),
        BitField("phy_reserved", 0, 1, end_tot_size=-11),
        XLEShortField("rx_mcs_80", 0xFFFA), XLEShortField("tx_mcs_80", 0xFFFA),
        StrLenField("mcs_160_and_80p80", b"", length_from=_he_mcs_extra),
        StrLenField("ppe_thresholds", b"", length_from=lambda p: _rest(p, 1 + 6 + 11 + 4 + _he_mcs_extra(p))),
    ]


class Dot11EltHE6GHzCapabilities(Dot11EltExtension):
    name = "802.11 HE 6 GHz Band Capabilities"
    match_subclass = True
    ID = 255
    ext_ID = 59
    fields_desc = Dot11EltExtension.fields_desc + [
        BitField("reserved2", 0, 2, tot_size=-2), BitField("tx_antenna_pattern", 0, 1),
        BitField("rx_antenna_pattern", 0, 1), BitField("rd_responder", 0, 1),
        BitEnumField("sm_power_save", 3, 2, {0: "static", 1: "dynamic", 3: "disabled"}),
        BitField("reserved1", 0, 1), BitEnumField("max_mpdu_length", 0, 2, {0: "3895", 1: "7991", 2: "11454"}),
        BitField("max_ampdu_exponent", 0, 3), BitField("min_mpdu_start_spacing", 0, 3, end_tot_size=-2),
    ]


class WMMACParameters(Packet):
    name = "WMM AC parameters"
    fields_desc = [BitField("reserved", 0, 1), BitEnumField("aci", 0, 2, {0: "BE", 1: "BK", 2: "VI", 3: "VO"}),
                   BitField("acm", 0, 1), BitField("aifsn", 3, 4),
                   BitField("ecw_max", 10, 4), BitField("ecw_min", 4, 4),
                   LEShortField("txop_limit", 0)]

    def extract_padding(self, s):
        return b"", s


class Dot11EltWMM(Dot11EltVendorSpecific):
    name = "802.11 WMM"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 221, _dot11_id_enum), ByteField("len", None), OUIField("oui", MS_OUI),
                   XByteField("type", 0x02), ByteEnumField("subtype", 1, {0: "information", 1: "parameter"}),
                   ByteField("version", 1),
                   BitField("uapsd", 0, 1), BitField("qos_reserved", 0, 3), BitField("parameter_set_count", 0, 4),
                   ConditionalField(ByteField("reserved", 0), lambda p: p.subtype == 1),
                   ConditionalField(PacketListField("ac_parameters", [], WMMACParameters,
                                                    length_from=lambda p: _rest(p, 8)),
                                    lambda p: p.subtype == 1)]


WPS_ATTRIBUTES = {0x1008: "config_methods", 0x1011: "device_name", 0x1012: "device_password_id",
                  0x1021: "manufacturer", 0x1023: "model_name", 0x1024: "model_number", 0x103B: "response_type",
                  0x103C: "rf_bands", 0x1041: "selected_registrar", 0x1042: "serial_number",
                  0x1044: "wps_state", 0x1047: "uuid_e", 0x1049: "vendor_extension", 0x104A: "version",
                  0x1053: "selected_registrar_config_methods", 0x1054: "primary_device_type",
                  0x1057: "ap_setup_locked"}


WPS_TEXT = {0x1011, 0x1021, 0x1023, 0x1024, 0x1042}  # device name, manufacturer, model name/number, serial
WPS_VALUES = {0x1044: {1: "not configured", 2: "configured"}, 0x103C: {1: "2.4 GHz", 2: "5 GHz", 3: "2.4 + 5 GHz"},
              0x1057: {0: "unlocked", 1: "locked"}, 0x1041: {0: "no", 1: "yes (a registrar is enrolling now)"},
              0x103B: {0: "enrollee (info only)", 1: "enrollee", 2: "registrar", 3: "AP"},
              0x1012: {0: "PIN", 4: "push button", 5: "registrar-specified"}}


class WPSValueField(StrLenField):
    """A WPS attribute value shown by its type: text, a named number, the version, or hex."""

    def i2repr(self, pkt, val):
        val = val or b""
        kind = pkt.type
        if kind in WPS_TEXT:
            return val.decode("utf-8", "backslashreplace")
        number = int.from_bytes(val, "big") if 0 < len(val) <= 2 else None
        if kind == 0x104A and number is not None:
            return f"{number >> 4}.{number & 15}"
        if kind in WPS_VALUES and number is not None:
            return f"{WPS_VALUES[kind].get(number, 'reserved')} ({number})"
        return val.hex(" ") or "(empty)"


class WPSAttribute(Packet):
    name = "WPS attribute"
    fields_desc = [ShortEnumField("type", 0x104A, WPS_ATTRIBUTES),
                   FieldLenField("length", None, length_of="value", fmt="!H"),
                   WPSValueField("value", b"", length_from=lambda p: p.length)]

    def extract_padding(self, s):
        return b"", s


class Dot11EltWPS(Dot11EltVendorSpecific):
    name = "802.11 WPS"
    match_subclass = True
    fields_desc = [ByteEnumField("ID", 221, _dot11_id_enum), ByteField("len", None), OUIField("oui", MS_OUI),
                   XByteField("type", 0x04),
                   PacketListField("attributes", [], WPSAttribute, length_from=lambda p: _rest(p, 4))]


class Dot11EltMicrosoft(Dot11EltVendorSpecific):
    """Dispatch for the Microsoft OUI: WPA (Scapy's layer), WMM and WPS (ours), by the type byte."""

    name = "802.11 Microsoft vendor element"
    match_subclass = True
    BY_TYPE = {1: Dot11EltMicrosoftWPA, 2: Dot11EltWMM, 4: Dot11EltWPS}

    @classmethod
    def dispatch_hook(cls, _pkt=None, *args, **kargs):
        if _pkt and len(_pkt) > 5:
            return cls.BY_TYPE.get(_pkt[5], Dot11EltVendorSpecific)
        return Dot11EltVendorSpecific


def _install() -> None:
    for eid, layer in {4: Dot11EltCFParams, 5: Dot11EltTIM, 11: Dot11EltBSSLoad, 32: Dot11EltPowerConstraint,
                       42: Dot11EltERPBits, 47: Dot11EltERPBits, 54: Dot11EltMobilityDomain,
                       70: Dot11EltRMEnabledCapabilities, 127: Dot11EltExtCapabilities,
                       191: Dot11EltVHTCapabilities}.items():
        Dot11Elt.registered_ies[eid] = layer
    Dot11EltExtension.registered_ext_ids[35] = Dot11EltHECapabilities
    Dot11EltExtension.registered_ext_ids[59] = Dot11EltHE6GHzCapabilities
    Dot11EltVendorSpecific.registered_ouis[MS_OUI] = Dot11EltMicrosoft
    # Dissection picks our named layer; building Dot11()/Dot11Beacon() keeps setting type 0 subtype 8
    # (a top-down split would turn Scapy's own beacons into association requests).
    split_bottom_up(Dot11, Dot11Beacon, type=0, subtype=8)
    bind_layers(Dot11, Dot11BeaconNamed, type=0, subtype=8)
    Dot11Beacon.match_subclass = True  # pkt[Dot11Beacon] / haslayer(Dot11Beacon) find the named subclass too
    bind_layers(Dot11BeaconNamed, Dot11Elt)


_install()

