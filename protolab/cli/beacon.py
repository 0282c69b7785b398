"""`protolab beacon`: commands of the 802.11 beacon lab.

Parsing and rendering only: the work is in protolab.wifi (build, dissect, survey, explain, send).
Scapy and rich are imported inside the commands, never at module level (`protolab --help` stays fast).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from protolab.cli.common import JsonFlag, group, output

app = group(
    "What an access point announces in a beacon, and why: build, dissect, survey and explain "
         "802.11 beacon frames.\n\n"
    "Example: protolab beacon build --ssid lab --security wpa3-personal -o lab.pcap && "
    "protolab beacon dissect lab.pcap"
)

ROLE_STYLE = {"discovery": "cyan", "time sync": "magenta", "power save": "green", "compatibility": "yellow",
              "security": "red", "roaming": "blue"}


class Band(str, Enum):
    b24 = "2.4"
    b5 = "5"
    b6 = "6"


class Hidden(str, Enum):
    no = "no"
    empty = "empty"
    zeros = "zeros"


class SortKey(str, Enum):
    signal = "signal"
    bssid = "bssid"
    ssid = "ssid"
    channel = "channel"
    beacons = "beacons"
    enc = "enc"
    first = "first"


# ---- views ------------------------------------------------------------------------------------------

def _role(role: str):
    from rich.text import Text

    return Text(f"[{role}]", style=ROLE_STYLE.get(role, "dim"))


def _field_line(name: str, shown: str, role: str, value: Any = None):
    from rich.text import Text

    text = Text(f"{name}: ", style="bold")
    text.append(shown if shown else str(value))
    text.append(" ")
    text.append_text(_role(role))
    return text


def _hexdump(beacon):
    """The annotated hex dump of a beacon: coloured bytes and a legend of every field with its value and role."""
    from protolab.render.hexdump import annotated_hexdump
    from protolab.wifi.dissect import field_spans

    return annotated_hexdump(beacon.raw, field_spans(beacon), title="802.11 frame bytes", value_title="value (role)")


def beacon_tree(beacon, all_bits: bool = False):
    from rich.text import Text
    from rich.tree import Tree

    ssid = beacon.element(0)
    title = (f"frame {beacon.frame}: beacon from {beacon.value('header', 'bssid')} "
             f"SSID {ssid.fields[0].shown if ssid and ssid.fields else '?'}"
             + ("  [MALFORMED]" if beacon.malformed else ""))
    tree = Tree(Text(title), guide_style="dim")
    if beacon.radio:
        branch = tree.add(Text("radio header (what the receiver recorded: not part of the 802.11 frame)"))
        for f in beacon.radio:
            branch.add(_field_line(f.name, f.shown, f.role, f.value))
    branch = tree.add(Text("802.11 header"))
    for f in beacon.header:
        branch.add(_field_line(f.name, f.shown, f.role, f.value))
    if beacon.fixed:
        branch = tree.add(Text("fixed fields"))
        for f in beacon.fixed:
            if f.name.startswith("cap."):
                if f.value or all_bits:
                    branch.add(_field_line("  " + f.name, ("set: " if f.value else "clear: ") + f.shown, f.role))
            else:
                branch.add(_field_line(f.name, f.shown, f.role, f.value))
    branch = tree.add(Text(f"elements ({len(beacon.elements)})"))
    for e in beacon.elements:
        label = f"{e.name} (id {e.id}" + (f"/{e.ext_id}" if e.ext_id is not None else "") + f", length {e.length})"
        head = Text(label + " ")
        head.append_text(_role(e.role))
        if e.malformed:
            head.append(f"  MALFORMED: {e.malformed}", style="bold red")
        node = branch.add(head)
        for f in e.fields:
            node.add(_field_line(f.name, f.shown, f.role, f.value))
        if not e.fields:
            node.add(Text(f"raw: {e.raw.hex(' ') or '(empty)'}"))
    return tree


def _dissect_view(show_hex: bool, all_bits: bool):
    def view(result):
        from rich.text import Text

        out = [Text(f"{result.file}: {result.frames} frame(s) read, {len(result.beacons)} beacon(s) shown"
                    + ("; not beacons: " + ", ".join(f"{k} {v}" for k, v in sorted(result.not_counted.items()))
                       if result.not_counted else ""), style="bold")]
        for beacon in result.beacons:
            out.append(beacon_tree(beacon, all_bits))
            if show_hex:
                out.append(_hexdump(beacon))
        for w in result.warnings:
            out.append(Text(f"warning: {w}", style="yellow"))
        return out
    return view


def _clock(ns: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).strftime("%H:%M:%S")


# table column -> the BssRow field whose role (survey.COLUMN_ROLES) it shows
SURVEY_FIELDS = {"BSSID / SSID": "bssid", "CH": "channel", "GHz": "band", "#": "beacons",
                 "PWR avg\nmin..max": "signal_avg", "TU int\nmeasured": "interval_tu", "ENC": "enc",
                 "CIPHER": "cipher", "AUTH": "auth", "MFP": "mfp", "PHY": "phy", "MHz": "width_mhz", "CC": "country",
                 "DTIM": "dtim_period", "WMM": "wmm", "k/v/r": "k", "seen (UTC)\nfirst\nlast": "first_seen_ns"}


def _roles_line(result, sep: str = " · "):
    """'roles: discovery BSSID/SSID CH ... · security ENC ...': which reason each column serves."""
    from rich.text import Text

    by_role: dict[str, list[str]] = {}
    for col, name in SURVEY_FIELDS.items():
        by_role.setdefault(result.column_roles[name], []).append(col.split("\n")[0])
    line = Text("roles: ")
    for i, (role, cols) in enumerate(by_role.items()):
        line.append(sep if i else "")
        line.append(role, style=ROLE_STYLE.get(role, ""))
        line.append(" " + " ".join(cols))
    return line


SURVEY_COLUMNS = ("BSSID / SSID", "CH", "GHz", "#", "PWR avg\nmin..max", "TU int\nmeasured", "ENC", "CIPHER",
                  "AUTH", "MFP", "PHY", "MHz", "CC", "DTIM", "WMM", "k/v/r", "seen (UTC)\nfirst\nlast")


def _survey_row(n) -> list[str]:
    """One BSS as table cells; multi-valued cells stack their values so the table fits 120 columns."""
    return [f"{n.bssid}\n{n.ssid}", str(n.channel or "?"), (n.band or "?").removesuffix(" GHz"), str(n.beacons),
            "-" if n.signal_avg is None else f"{n.signal_avg:g}\n{n.signal_min}..{n.signal_max}",
            f"{n.interval_tu}\n" + ("-" if n.measured_tu is None else f"{n.measured_tu:g}"),
            n.enc.replace(" ", "\n"), (n.cipher or "-").replace(" ", "\n"), (n.auth or "-").replace(" ", "\n"),
            {"required": "req", "capable": "cap"}.get(n.mfp, "-"), n.phy, str(n.width_mhz), n.country or "-",
            str(n.dtim_period or "-"), "yes" if n.wmm else "-",
            "".join(c if on else "-" for c, on in (("k", n.k), ("v", n.v), ("r", n.r))),
            f"{_clock(n.first_seen_ns)}\n{_clock(n.last_seen_ns)}"]


SURVEY_TABLE_WIDTH = 118  # narrower consoles get one block of lines per BSS instead of the table
SURVEY_MAX_SHOWN = 100    # BSSs drawn in the table / lines view


def _survey_cards(result):
    """The same columns as the table, as a few lines per BSS (for consoles narrower than the table)."""
    from rich.text import Text

    out = [Text(_survey_title(result), style="bold")]
    for n in result.networks:
        sig = "-" if n.signal_avg is None else f"{n.signal_avg:g} dBm ({n.signal_min}..{n.signal_max})"
        measured = "-" if n.measured_tu is None else f"{n.measured_tu:g}"
        kvr = "".join(c if on else "-" for c, on in (("k", n.k), ("v", n.v), ("r", n.r)))
        out.append(Text(f"{n.bssid}  {n.ssid}", style="bold"))
        out.append(Text(f"  CH {n.channel or '?'} ({n.band or '?'}), {n.beacons} beacons, seen "
                        f"{_clock(n.first_seen_ns)}-{_clock(n.last_seen_ns)} UTC"))
        out.append(Text(f"  interval {n.interval_tu} TU (measured {measured}), PWR {sig}"))
        out.append(Text(f"  ENC {n.enc}  CIPHER {n.cipher or '-'}  AUTH {n.auth or '-'}  MFP {n.mfp}"))
        out.append(Text(f"  PHY {n.phy} {n.width_mhz} MHz  CC {n.country or '-'}  DTIM {n.dtim_period or '-'}  "
                        f"WMM {'yes' if n.wmm else 'no'}  k/v/r {kvr}"))
    if result.not_counted:
        out.append(Text("not beacons: " + ", ".join(f"{k} {v}" for k, v in sorted(result.not_counted.items()))))
    out.append(_roles_line(result, sep="\n       "))
    return out


def _survey_title(result) -> str:
    total = getattr(result, "bss_total", None) or len(result.networks)
    return f"{result.file}: {result.beacons} beacons from {total} BSS(s) in {result.frames} frames"


def _survey_view(result):
    from rich.text import Text

    from protolab.render.console import stdout_console

    if not result.networks:
        not_beacons = ", ".join(f"{k} {v}" for k, v in sorted(result.not_counted.items()))
        return Text(f"{result.file}: no beacons in {result.frames} frame(s)"
                    + (f" (not beacons: {not_beacons})" if not_beacons else ""))

    shown = result
    if len(result.networks) > SURVEY_MAX_SHOWN:  # a beacon flood: thousands of BSSs would take minutes to draw
        import dataclasses

        shown = dataclasses.replace(result, networks=result.networks[:SURVEY_MAX_SHOWN])
        shown.bss_total = len(result.networks)
    view = _survey_table(shown) if stdout_console().width >= SURVEY_TABLE_WIDTH else _survey_cards(shown)
    if shown is result:
        return view
    return [*(view if isinstance(view, list) else [view]), Text(
        f"... and {len(result.networks) - SURVEY_MAX_SHOWN} more BSS(s) (first "
                       f"{SURVEY_MAX_SHOWN} by the sort order shown; --csv or --json lists them all)", style="bold")]


def _survey_table(result):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(_survey_title(result)), title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_lines=True)
    for col in SURVEY_COLUMNS:
        ssid = col == "BSSID / SSID"  # 17 columns for a BSSID; a long SSID folds under it
        table.add_column(col, no_wrap=not ssid, overflow="fold", min_width=17 if ssid else None)
    for n in result.networks:
        table.add_row(*(Text(c) for c in _survey_row(n)))  # Text: a BSSID like 1e:cd:.. is no emoji, [x] no markup
    caption = _roles_line(result)
    if result.not_counted:
        caption.append("\nnot beacons: " + ", ".join(f"{k} {v}" for k, v in sorted(result.not_counted.items())))
    table.caption, table.caption_justify = caption, "left"
    return table


def _explain_view(result):
    from rich.table import Table
    from rich.text import Text

    out = [Text(result.title, style="bold")]
    out += [Text(p) for p in result.paragraphs]
    if result.rows:
        table = Table(header_style="bold", box=None)
        for col in (result.header, "role", "what it is for"):
            table.add_column(col, overflow="fold")
        for r in result.rows:
            table.add_row(Text(r.name), _role(r.role), Text(r.meaning))
        out.append(table)
    if result.timeline:
        table = Table(title="a dozing station and the beacon train", header_style="bold")
        for col in ("#", "ms", "DTIM count", "TIM element", "AID bit", "mcast", "station"):
            table.add_column(col, overflow="fold")
        for s in result.timeline:
            table.add_row(str(s.beacon), f"{s.time_ms:g}", str(s.dtim_count), s.tim_element,
                          "1" if s.station_bit else "0", "1" if s.multicast else "0", s.station)
        out.append(table)
    return out


# ---- build ------------------------------------------------------------------------------------------

@dataclass
class BuildResult:
    spec: Any
    frames: int
    output: str | None
    shown_frame: int
    beacon: Any
    frame_hex: bytes = field(default=b"")


def _spec_from_options(spec_file: Path | None, hostapd: Path | None, options: dict):
    from protolab.errors import BadInput
    from protolab.tomlfile import read_text
    from protolab.wifi.spec import BeaconSpec, spec_from_hostapd, spec_from_mapping, spec_from_toml

    if spec_file and hostapd:
        raise BadInput("give either --spec or --hostapd, not both")
    if spec_file:
        base = spec_from_toml(spec_file)
    elif hostapd:
        base = spec_from_hostapd(read_text(hostapd, "--hostapd"), str(hostapd))
    else:
        base = BeaconSpec()
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    return spec_from_mapping(given, base)


@app.command()
def build(
    ssid: Annotated[str | None, typer.Option(help="SSID (UTF-8), or hex:... for any bytes (max 32).")] = None,
    hidden: Annotated[Hidden | None, typer.Option(help="Hide the SSID: empty (length 0) or zeros.")] = None,
    bssid: Annotated[str | None, typer.Option(help="BSSID (default: seeded random).")] = None,
    band: Annotated[Band | None, typer.Option(help="2.4, 5 or 6 (GHz).")] = None,
    channel: Annotated[int | None, typer.Option(help="Channel number in the band (default: 6, 36 or 37).")] = None,
    width: Annotated[int | None, typer.Option(help="Channel width in MHz: 20, 40, 80, 160.")] = None,
    secondary: Annotated[str | None, typer.Option(help="40 MHz in 2.4 GHz: secondary channel above or below "
                                                       "(hostapd's HT40+ / HT40-; default: the usual side).")] = None,
    interval: Annotated[int | None, typer.Option(help="Beacon interval in TU (1 TU = 1024 us).")] = None,
    dtim_period: Annotated[int | None, typer.Option(help="DTIM period (beacons).")] = None,
    dtim_count: Annotated[int | None, typer.Option(help="DTIM count of the first beacon.")] = None,
    buffered_aid: Annotated[list[int] | None, typer.Option(help="AID with buffered frames (repeat).")] = None,
    multicast: Annotated[bool | None, typer.Option("--multicast", help="Group traffic buffered (DTIMs).")] = None,
    security: Annotated[str | None, typer.Option(
        help="open, wep, wpa, wpa2-personal, wpa2-enterprise, wpa3-personal, wpa3-transition, owe, "
             "wpa-wpa2-personal (WPA+WPA2 mixed).")] = None,
    pairwise: Annotated[list[str] | None, typer.Option(
        help="Pairwise cipher (CCMP, GCMP-256, TKIP...; repeat).")] = None,
    wpa_pairwise: Annotated[list[str] | None, typer.Option(
        help="wpa-wpa2-personal only: the WPA element's pairwise cipher (default TKIP; repeat).")] = None,
    mfp: Annotated[str | None, typer.Option(help="off, capable or required (default: the profile's).")] = None,
    rates: Annotated[str | None, typer.Option(help="Supported rates in Mb/s, e.g. 6,9,12,18,24,36,48,54 "
                                                   "(default: the band's; past 8 they go in Extended Rates).")] = None,
    basic_rates: Annotated[str | None, typer.Option(help="Basic rates in Mb/s (default: the band's among "
                                                         "--rates).")] = None,
    country: Annotated[str | None, typer.Option(help="Country code (adds the country element).")] = None,
    country_triplet: Annotated[list[str] | None, typer.Option(
        help="first-channel,channels,max-dBm (repeat; default: the band's).")] = None,
    spectrum_mgmt: Annotated[bool | None, typer.Option("--spectrum-mgmt", help="802.11h.")] = None,
    power_constraint: Annotated[int | None, typer.Option(help="Power constraint in dB.")] = None,
    bss_load: Annotated[str | None, typer.Option(help="stations,utilisation,capacity (BSS load).")] = None,
    ht: Annotated[bool | None, typer.Option("--ht/--no-ht", help="HT (802.11n) elements.")] = None,
    vht: Annotated[bool | None, typer.Option("--vht/--no-vht", help="VHT (802.11ac) elements.")] = None,
    he: Annotated[bool | None, typer.Option("--he/--no-he", help="HE (802.11ax) elements.")] = None,
    wmm: Annotated[bool | None, typer.Option("--wmm/--no-wmm", help="WMM parameter element.")] = None,
    wmm_ac: Annotated[list[str] | None, typer.Option(
        help="WMM parameters of one access category (be/bk/vi/vo), e.g. vo:aifsn=2,cwmin=2,cwmax=3,txop=47 "
             "(cwmin/cwmax are exponents: CW = 2^n - 1; txop in 32 us units; repeat).")] = None,
    uapsd: Annotated[bool | None, typer.Option("--uapsd", help="Advertise U-APSD.")] = None,
    cf: Annotated[bool | None, typer.Option("--cf", help="CF parameter set (legacy PCF).")] = None,
    mobility_domain: Annotated[str | None, typer.Option(help="802.11r MDID, hex (e.g. a1b2).")] = None,
    rrm: Annotated[bool | None, typer.Option("--rrm", help="802.11k RM enabled capabilities.")] = None,
    bss_transition: Annotated[bool | None, typer.Option("--bss-transition", help="802.11v BSS transition.")] = None,
    vendor: Annotated[list[str] | None, typer.Option(help="Raw vendor element: OUI+data in hex (repeat).")] = None,
    cap: Annotated[list[str] | None, typer.Option(help="Extra capability bit by name, e.g. QoS (repeat).")] = None,
    count: Annotated[int | None, typer.Option(help="Beacons in the train.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the BSSID and TSF start.")] = None,
    signal: Annotated[int | None, typer.Option(help="Radiotap signal in dBm.")] = None,
    spec: Annotated[Path | None, typer.Option(help="TOML spec file (keys: the spec fields).")] = None,
    hostapd: Annotated[Path | None, typer.Option(help="hostapd.conf to read (a subset of its keys).")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--output", help="Write the train to this radiotap pcap.")] = None,
    frame: Annotated[int, typer.Option(help="Which beacon of the train to show (1-based).")] = 1,
    show_hex: Annotated[bool, typer.Option("--hex/--no-hex", help="Show the annotated hex dump.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Craft beacons with Scapy, write them to a pcap, show the annotated field tree and hex dump.

    Example: protolab beacon build --ssid lab --band 5 --channel 36 --vht --width 80 --security wpa3-personal -o b.pcap
    """
    from protolab.capture.linklayer import locate
    from protolab.capture.writer import LINKTYPE_RADIOTAP
    from protolab.errors import BadInput
    from protolab.wifi.build import iter_train, write_pcap
    from protolab.wifi.dissect import dissect_frame
    from protolab.wifi.spec import resolve, ssid_bytes

    load = None
    if bss_load is not None:
        try:
            load = tuple(int(x) for x in bss_load.split(","))
            assert len(load) == 3
        except (ValueError, AssertionError):
            raise BadInput("--bss-load wants stations,utilisation,capacity (three numbers)") from None
    from protolab.wifi.bss_params import parse_rate_list, parse_wmm_option

    triplets = []
    for text in country_triplet or ():
        try:
            triplets.append(tuple(int(x) for x in text.split(",")))
        except ValueError:
            raise BadInput(f"--country-triplet wants first-channel,channels,max-dBm, not {text!r}") from None
    wmm_overrides: dict = {}
    for text in wmm_ac or ():
        ac, params = parse_wmm_option(text)
        wmm_overrides.setdefault(ac, {}).update(params)
    try:
        vendor_bytes = tuple(bytes.fromhex(v) for v in vendor or ())
        mdid = int.from_bytes(bytes.fromhex(mobility_domain), "little") if mobility_domain else None
    except ValueError:
        raise BadInput("--vendor and --mobility-domain take hex bytes") from None
    if mobility_domain and len(bytes.fromhex(mobility_domain)) != 2:
        raise BadInput("--mobility-domain is 2 bytes of hex in frame order, like hostapd's (e.g. a1b2)")
    options = dict(ssid=ssid_bytes(ssid) if ssid is not None else None, hidden=hidden.value if hidden else None,
                   bssid=bssid, band=band.value if band else None, channel=channel, width=width, secondary=secondary,
                   beacon_interval=interval, dtim_period=dtim_period, dtim_count=dtim_count,
                   buffered_aids=tuple(buffered_aid or ()), multicast_buffered=multicast, security=security,
                   pairwise=tuple(pairwise or ()), wpa_pairwise=tuple(wpa_pairwise or ()), mfp=mfp,
                   country=country, spectrum_mgmt=spectrum_mgmt,
                   rates=parse_rate_list(rates, what="--rates") if rates else None,
                   basic_rates=parse_rate_list(basic_rates, what="--basic-rates") if basic_rates else None,
                   country_triplets=tuple(triplets), wmm_ac=wmm_overrides or None,
                   power_constraint=power_constraint, bss_load=load, ht=ht, vht=vht, he=he, wmm=wmm, uapsd=uapsd,
                   cf=cf, mobility_domain=mdid, rrm=rrm, bss_transition=bss_transition, vendor=vendor_bytes,
                   extra_capabilities=tuple(cap or ()),
                   count=count, seed=seed, signal_dbm=signal)
    beacon_spec = resolve(_spec_from_options(spec, hostapd, options))
    if not 1 <= frame <= beacon_spec.count:
        raise BadInput(f"--frame must be 1..{beacon_spec.count}")
    shown: list = []

    def train():  # streamed to the file (a million beacons would not fit in memory), the shown one kept
        for number, built in enumerate(iter_train(beacon_spec), 1):
            if number == frame:
                shown.append(built)
            yield built

    if out is not None:
        try:
            write_pcap(train(), out)
        except OSError as exc:
            raise BadInput(f"-o {out}: {(exc.strerror or str(exc)).lower()}") from None
    else:
        next(built for number, built in enumerate(train(), 1) if number == frame)
    chosen = shown[0]
    located = locate(LINKTYPE_RADIOTAP, chosen.frame)
    beacon = dissect_frame(chosen.frame[located.offset:], frame, chosen.timestamp_ns, located.radiotap)
    result = BuildResult(beacon_spec, beacon_spec.count, str(out) if out else None, frame, beacon, chosen.frame)

    def view(r):
        from rich.text import Text

        parts = [Text(f"built {r.frames} beacon(s)" + (f" -> {r.output}" if r.output else " (no -o: not written)"),
                      style="bold"), beacon_tree(r.beacon)]
        if show_hex:
            parts.append(_hexdump(r.beacon))
        return parts

    output(result, as_json, view)


@app.command()
def dissect(
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture (radiotap, Prism, plain 802.11...).")],
    frame: Annotated[int | None, typer.Option(help="Only this frame number.")] = None,
    bssid: Annotated[str | None, typer.Option(help="Only beacons of this BSSID.")] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after this many beacons (1 or more).")] = None,
    show_hex: Annotated[bool, typer.Option("--hex", help="Add an annotated hex dump per beacon.")] = False,
    all_bits: Annotated[bool, typer.Option("--all-bits", help="Show clear capability bits too.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Every field of every beacon: radio, header, fixed fields, each element with its role.

    Example: protolab beacon dissect capture.pcap --frame 4 --hex
    """
    from protolab.render.progress import progress
    from protolab.wifi.dissect import dissect_file
    from protolab.wifi.spec import parse_mac

    with progress(file.stat().st_size if file.is_file() else 0, "dissecting", unit="bytes") as advance:
        result = dissect_file(file, frame=frame, bssid=parse_mac(bssid) if bssid else None, limit=limit,
                              progress=advance)
    output(result, as_json, _dissect_view(show_hex, all_bits))


@app.command()
def survey(
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture.")],
    sort: Annotated[SortKey, typer.Option(help="Sort networks by this column.")] = SortKey.signal,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    each: Annotated[bool, typer.Option("--each", help="One row per beacon (JSON/CSV) instead of per BSS.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """What airodump-ng shows, from the beacons of a capture (fast: no Scapy per frame).

    Example: protolab beacon survey capture.pcap --sort channel
    """
    from protolab.errors import BadInput
    from protolab.render.progress import progress
    from protolab.wifi.survey import sort_networks, survey_file

    if csv and as_json:  # checked before the file is read: one output format per run
        raise BadInput("--csv and --json are two output formats: choose one")
    size = file.stat().st_size if file.exists() else 0
    with progress(size, "reading", unit="bytes") as advance:
        result = survey_file(file, each=each, progress=advance)
    sort_networks(result, sort.value)
    if csv:
        import csv as csvmod
        import dataclasses
        import json
        import sys

        rows = result.rows if each else result.networks
        from protolab.wifi.survey import BeaconRow, BssRow

        names = [f.name for f in dataclasses.fields(BeaconRow if each else BssRow)]  # a header even with no rows
        writer = csvmod.writer(sys.stdout)
        writer.writerow(names)
        def cell(value):  # lists and dicts (elements, RSN) as compact JSON, not Python reprs
            if value is None:
                return ""
            return json.dumps(value, separators=(",", ":")) if isinstance(value, (list, tuple, dict)) else value

        for r in rows:
            writer.writerow([cell(getattr(r, n)) for n in names])
        return
    output(result, as_json, _survey_view)


@app.command()
def explain(
    topic: Annotated[str | None, typer.Argument(help="overview, fields, power-save, a role, or an element "
                                                      "(tim, rsn, ht, wmm...).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Why beacons exist and what each field is for (from the registry dissect uses).

    Example: protolab beacon explain power-save
    """
    from protolab.wifi.explain import explain as explain_topic

    output(explain_topic(topic), as_json, _explain_view)


@app.command()
def send(
    iface: Annotated[str, typer.Option("--iface", help="Interface to send on (monitor mode for real radios).")],
    count: Annotated[int, typer.Option(help="Beacons to send.")] = 10,
    interval: Annotated[float | None, typer.Option(help="Seconds between beacons (default: the beacon "
                                                        "interval).")] = None,
    ssid: Annotated[str, typer.Option(help="SSID.")] = "protolab",
    security: Annotated[str, typer.Option(help="Security profile.")] = "wpa2-personal",
    channel: Annotated[int, typer.Option(help="Channel (2.4 GHz).")] = 6,
    seed: Annotated[int, typer.Option(help="Seed for the BSSID.")] = 1,
    spec: Annotated[Path | None, typer.Option(help="TOML spec file (overrides the options above).")] = None,
    hostapd: Annotated[Path | None, typer.Option(help="hostapd.conf to read instead.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Transmit built beacons with Scapy sendp (needs root and the interface).

    Example: sudo protolab beacon send --iface wlan0mon --count 50
    """
    import dataclasses

    from protolab.wifi.send import check_interface, send_beacons
    from protolab.wifi.spec import BeaconSpec, ssid_bytes

    check_interface(iface)
    if spec or hostapd:
        beacon_spec = dataclasses.replace(_spec_from_options(spec, hostapd, {}), count=count)
    else:
        beacon_spec = BeaconSpec(ssid=ssid_bytes(ssid), security=security, channel=channel, count=count, seed=seed)
    result = send_beacons(beacon_spec, iface, interval)

    def view(r):
        from rich.text import Text

        return Text(f"sent {r.sent} beacon(s) of {r.bytes_per_frame} bytes from {r.bssid} on {r.iface}, "
                    f"every {r.interval_s:g} s")

    output(result, as_json, view)
