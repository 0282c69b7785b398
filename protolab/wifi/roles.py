"""The six reasons a beacon exists. Every field protolab shows names one of them.

A station that hears a beacon learns which networks exist (discovery), sets its
clock to the AP's (time sync), learns when to wake up (power save), checks that
it can talk to this AP at all (compatibility), sees what protection is offered
(security), and gathers what it needs to move between APs (roaming).
"""

from __future__ import annotations

from dataclasses import dataclass

DISCOVERY = "discovery"
TIME_SYNC = "time sync"
POWER_SAVE = "power save"
COMPATIBILITY = "compatibility"
SECURITY = "security"
ROAMING = "roaming"


@dataclass(frozen=True)
class Role:
    name: str
    question: str  # the question a station answers with fields of this role
    why: str


ROLES: dict[str, Role] = {r.name: r for r in [
    Role(DISCOVERY, "which networks are here?",
         "A station scans channels and lists the networks it hears: the SSID names the network, the BSSID "
         "names the AP, the DS parameter set says which channel the AP really sits on (a 2.4 GHz receiver "
         "hears neighbouring channels too)."),
    Role(TIME_SYNC, "what time is it on this network?",
         "Every station in the BSS sets its TSF timer to the beacon's timestamp, so that everybody agrees "
         "on when the next beacon, the next DTIM and any scheduled service period start."),
    Role(POWER_SAVE, "may I sleep, and when must I wake?",
         "A dozing station wakes for beacons: the TIM's bitmap says whether the AP buffered unicast frames "
         "for it (then it polls), and the DTIM count/period say when buffered broadcast traffic follows."),
    Role(COMPATIBILITY, "can I talk to this AP at all?",
         "Rates, PHY capabilities (HT/VHT/HE), QoS (WMM), regulatory domain and transmit power limits: a "
         "station only joins an AP whose basic rates and PHY it supports, within the local rules."),
    Role(SECURITY, "how is this network protected?",
         "The privacy bit, the RSN element (or the old WPA vendor element) list the ciphers and the key "
         "management (PSK, SAE, 802.1X, OWE) and whether management frames are protected (MFP)."),
    Role(ROAMING, "can I move to a better AP quickly?",
         "Mobility domain (fast transition, 802.11r), radio measurement (neighbour reports, 802.11k), BSS "
         "transition management (802.11v) and BSS load let stations pick and change APs well."),
]}
