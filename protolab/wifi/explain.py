"""`beacon explain [TOPIC]`: why beacons exist and what each field is for.

Everything here is read from the same tables dissect uses: roles.ROLES, elements (the registry),
fixedfields (header, fixed fields, capability bits). The power-save topic adds a timeline: a beacon train
whose TIM is computed by build.tim_bitmap, and a dozing station that wakes for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.wifi.elements import all_kinds, find_topic
from protolab.wifi.fixedfields import CAPABILITY_BITS, FIXED_FIELDS, HEADER_FIELDS, RADIO_FIELDS
from protolab.wifi.roles import POWER_SAVE, ROLES


@dataclass
class Row:
    name: str
    role: str
    meaning: str


@dataclass
class TimelineStep:
    beacon: int
    time_ms: float
    dtim_count: int
    tim_element: str      # the TIM element bytes, hex
    station_bit: bool     # our station's AID bit in the partial virtual bitmap
    multicast: bool       # group-addressed frames follow this (DTIM) beacon
    station: str          # what the station does


@dataclass
class Explanation:
    topic: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    timeline: list[TimelineStep] = field(default_factory=list)
    header: str = "field / element"  # what the rows' first column names


OVERVIEW = [
    "An access point sends a beacon every beacon interval (typically 100 TU = 102.4 ms), at a basic rate every "
    "station can decode, to the broadcast address. A beacon is a management frame (type 0, subtype 8): a 24-byte "
    "header, 12 bytes of fixed fields (timestamp, interval, capabilities) and a chain of elements "
    "(id, length, body).",
    "Each field serves one of six purposes; protolab tags every field it shows with one of them:",
]


def rows_for_role(role: str) -> list[Row]:
    """Everything that serves `role`: radio/header/fixed fields, elements, capability bits, element fields."""
    rows = [Row(f.name, f.role, f.meaning) for f in (*RADIO_FIELDS.values(), *HEADER_FIELDS.values(),
                                                      *FIXED_FIELDS.values()) if f.role == role]
    rows += [Row(f"capability bit {c.bit}: {c.name}", c.role, c.meaning) for c in CAPABILITY_BITS if c.role == role]
    rows += [Row(k.name, k.role, k.meaning) for k in all_kinds() if k.role == role]
    rows += [Row(f"{k.name}: {name}", r, meaning) for k in all_kinds()
             for name, (r, meaning) in k.field_roles.items() if r == role]
    return rows


def _role_rows() -> list[Row]:
    return [Row(role.question, role.name, f"{role.why} Shown on: "
                + ", ".join(r.name for r in rows_for_role(role.name)) + ".") for role in ROLES.values()]


def topics() -> list[str]:
    return list(dict.fromkeys(["overview", "fields", "power-save", *[r.replace(" ", "-") for r in ROLES],
                               *sorted({k.topic for k in all_kinds()})]))


def explain(topic: str | None = None) -> Explanation:
    t = (topic or "overview").lower().replace("_", "-")
    if t in ("overview", "why"):
        return Explanation("overview", "Why beacons exist", OVERVIEW, _role_rows(),
                           header="the question a station answers")
    if t in ("fields", "fixed", "capabilities"):
        rows = [Row(f.name, f.role, f.meaning) for f in [*RADIO_FIELDS.values(), *HEADER_FIELDS.values(),
                                                          *FIXED_FIELDS.values()]]
        rows += [Row(f"capability bit {c.bit}: {c.name}", c.role, c.meaning) for c in CAPABILITY_BITS]
        return Explanation("fields", "Radio metadata, header, fixed fields and capability bits", [
            "The fixed part of every beacon. The timestamp is the AP's TSF timer (microseconds since it started: "
            "also its uptime); stations copy it to stay in sync. The radio metadata is what the receiver "
            "recorded, not part of the frame."], rows)
    if t in ("power-save", "ps", "tim", "dtim"):
        return power_save()
    role = ROLES.get(t.replace("-", " "))
    if role is not None:
        return Explanation(role.name, f"{role.name}: {role.question}", [role.why], rows_for_role(role.name))
    kind = find_topic(t)
    if kind is None:
        raise BadInput(f"unknown topic {topic!r}; topics: {', '.join(topics())}")
    ident = f"element {kind.eid}" + (f" extension {kind.ext}" if kind.ext is not None else "")
    if kind.vendor:
        ident += f" OUI {kind.vendor[0]:06x} type {kind.vendor[1]}"
    rows = [Row(name, r, meaning) for name, (r, meaning) in kind.field_roles.items()]
    paragraphs = [f"Role: {kind.role}. {kind.meaning}."]
    if rows:
        paragraphs.append("These fields serve another role than the element's:")
    return Explanation(kind.topic, f"{kind.name} ({ident})", paragraphs, rows)


def power_save(beacons: int = 10, dtim_period: int = 3, listen_interval: int = 2, aid: int = 5,
               unicast_after: tuple[int, ...] = (1, 5), multicast_after: tuple[int, ...] = (3,),
               interval_tu: int = 100) -> Explanation:
    """A beacon train and one dozing station (association id `aid`) that wakes every `listen_interval`
    beacons and for every DTIM. Frames for it arrive after the beacons in `unicast_after`; group-addressed
    frames after those in `multicast_after` (the AP holds them until the next DTIM)."""
    from protolab.wifi.build import tim_bitmap

    pending_unicast = pending_multicast = False
    steps = []
    for i in range(beacons):
        dtim_count = (-i) % dtim_period
        offset, bitmap = tim_bitmap((aid,) if pending_unicast else ())
        multicast = pending_multicast and dtim_count == 0
        tim = bytes([5, 3 + len(bitmap), dtim_count, dtim_period, offset << 1 | int(multicast)]) + bitmap
        awake = i % listen_interval == 0 or dtim_count == 0
        reasons = []
        if i % listen_interval == 0:
            reasons.append("listen interval")
        if dtim_count == 0:
            reasons.append("DTIM")
        if not awake:
            doing = "dozing: radio off"
        else:
            actions = []
            if pending_unicast:
                actions.append("sees its AID bit: sends PS-Poll, gets its frame")
                pending_unicast = False
            if multicast:
                actions.append("multicast bit set: stays awake for the broadcast frames")
            doing = f"wakes ({', '.join(reasons)}), " + ("; ".join(actions) or "nothing buffered: back to sleep")
        if multicast:
            pending_multicast = False
        steps.append(TimelineStep(i, round(i * interval_tu * 1.024, 1), dtim_count, tim.hex(" "),
                                  tim_bitmap((aid,))[1][0] & bitmap[0] != 0 if bitmap else False, multicast, doing))
        if i in unicast_after:
            pending_unicast = True
        if i in multicast_after:
            pending_multicast = True
    paragraphs = [
        "A station in power save tells the AP (power management bit) and turns its radio off. The AP buffers "
        "its frames and announces them in the TIM of every beacon: bit N of the partial virtual bitmap is set "
        "when frames wait for association id N. The station wakes for beacons every listen interval, reads "
        "its bit, and if set asks for the frames (PS-Poll or a U-APSD trigger).",
        f"Broadcast and multicast frames cannot be polled: the AP sends them right after a DTIM beacon (DTIM "
        f"count 0, every {dtim_period} beacons here), flagged by bit 0 of the bitmap control, and every dozing "
        "station that wants them is awake then.",
        f"Timeline: interval {interval_tu} TU, DTIM period {dtim_period}, station AID {aid} with listen "
        f"interval {listen_interval}; unicast frames arrive after beacons {list(unicast_after)}, multicast "
        f"after {list(multicast_after)}.",
    ]
    return Explanation("power-save", "Power save: TIM and DTIM", paragraphs, rows_for_role(POWER_SAVE), steps)
