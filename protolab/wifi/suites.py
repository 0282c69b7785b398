"""Cipher and AKM suite selectors (802.11-2020 Table 9-149 and 9-151), and WPA1's.

RSN suites are OUI 00-0F-AC + a type byte; the WPA1 vendor element uses OUI
00-50-F2 with the same type numbers for the suites it knows.
"""

from __future__ import annotations

RSN_OUI = 0x000FAC
MS_OUI = 0x0050F2
WFA_OUI = 0x506F9A

CIPHERS: dict[int, str] = {
    0: "group", 1: "WEP-40", 2: "TKIP", 4: "CCMP-128", 5: "WEP-104", 6: "BIP-CMAC-128",
    7: "no group traffic", 8: "GCMP-128", 9: "GCMP-256", 10: "CCMP-256", 11: "BIP-GMAC-128",
    12: "BIP-GMAC-256", 13: "BIP-CMAC-256",
}

# The family airodump-ng prints in its CIPHER column.
CIPHER_FAMILY: dict[int, str] = {1: "WEP", 5: "WEP", 2: "TKIP", 4: "CCMP", 10: "CCMP", 8: "GCMP", 9: "GCMP"}

# AKM type -> (name, AUTH column: PSK/SAE/MGT/OWE)
AKMS: dict[int, tuple[str, str]] = {
    1: ("802.1X", "MGT"), 2: ("PSK", "PSK"), 3: ("FT-802.1X", "MGT"), 4: ("FT-PSK", "PSK"),
    5: ("802.1X-SHA256", "MGT"), 6: ("PSK-SHA256", "PSK"), 7: ("TDLS", "PSK"), 8: ("SAE", "SAE"),
    9: ("FT-SAE", "SAE"), 11: ("802.1X-SuiteB", "MGT"), 12: ("802.1X-SuiteB-192", "MGT"),
    13: ("FT-802.1X-SHA384", "MGT"), 14: ("FILS-SHA256", "MGT"), 15: ("FILS-SHA384", "MGT"),
    16: ("FT-FILS-SHA256", "MGT"), 17: ("FT-FILS-SHA384", "MGT"), 18: ("OWE", "OWE"),
    19: ("FT-PSK-SHA384", "PSK"), 20: ("PSK-SHA384", "PSK"), 23: ("802.1X-SHA384", "MGT"), 24: ("SAE-EXT-KEY", "SAE"),
    25: ("FT-SAE-EXT-KEY", "SAE"),
}
FT_AKMS = frozenset({3, 4, 9, 13, 16, 17, 19, 25})
WPA3_AKMS = frozenset({8, 9, 18, 24, 25, 12})
# hostapd's wpa_key_mgmt names -> AKM type, in the order hostapd writes them into the RSN element
# (wpa_auth_ie.c), whatever order a config lists them in
KEY_MGMT: dict[str, int] = {
    "WPA-EAP": 1, "WPA-PSK": 2, "FT-EAP": 3, "FT-EAP-SHA384": 13, "FT-PSK": 4, "WPA-EAP-SHA384": 23,
    "WPA-EAP-SHA256": 5, "WPA-PSK-SHA256": 6, "SAE": 8, "SAE-EXT-KEY": 24, "FT-SAE": 9, "FT-SAE-EXT-KEY": 25,
    "WPA-EAP-SUITE-B": 11, "WPA-EAP-SUITE-B-192": 12, "FILS-SHA256": 14, "FILS-SHA384": 15, "FT-FILS-SHA256": 16,
    "FT-FILS-SHA384": 17, "OWE": 18,
}
KEY_MGMT_NOT_BUILT = ("DPP", "PASN")  # hostapd knows them; DPP's suite has the Wi-Fi Alliance OUI
KEY_MGMT_NAME = {t: name for name, t in KEY_MGMT.items()}
# the AKMs the WPA (v1) vendor element can carry: hostapd writes only these two there
WPA1_AKMS = (1, 2)


def group_cipher(wpa_pairwise: tuple[int, ...], rsn_pairwise: tuple[int, ...]) -> int:
    """The group cipher hostapd picks from the pairwise ciphers of the WPA and RSN elements a BSS sends
    (wpa_select_ap_group_cipher): TKIP if any is TKIP, else GCMP, GCMP-256 or CCMP-256 when that is the only
    one among CCMP/GCMP/it, else CCMP."""
    pairwise = set(wpa_pairwise) | set(rsn_pairwise)
    if 2 in pairwise:
        return 2
    for only in (8, 9, 10):
        if pairwise & {4, 8, only} == {only}:
            return only
    return 4


def akm_order(akms) -> tuple[int, ...]:
    """AKM types in hostapd's RSN element order, once each; types hostapd does not write come last."""
    rank = {t: i for i, t in enumerate(KEY_MGMT.values())}
    return tuple(sorted(dict.fromkeys(akms), key=lambda t: (rank.get(t, len(rank)), t)))


def cipher_name(oui: int, kind: int) -> str:
    if oui in (RSN_OUI, MS_OUI):
        return CIPHERS.get(kind, f"reserved-{kind}")
    return f"{oui:06x}:{kind}"


def akm_name(oui: int, kind: int) -> str:
    if oui in (RSN_OUI, MS_OUI):
        return AKMS.get(kind, (f"reserved-{kind}", ""))[0]
    return f"{oui:06x}:{kind}"
