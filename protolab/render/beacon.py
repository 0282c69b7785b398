"""Views of the beacon lab: the field tree, hex dump, survey table/cards/CSV, explain tables.

Each view takes a core result (protolab.wifi) and returns rich renderables; rich is imported inside
the functions so that importing this module stays cheap.
"""

from __future__ import annotations

from typing import Any

ROLE_STYLE = {"discovery": "cyan", "time sync": "magenta", "power save": "green", "compatibility": "yellow",
              "security": "red", "roaming": "blue"}


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


def dissect_view(result, show_hex: bool = False, all_bits: bool = False) -> list:
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


def _clock(ns: int) -> str:
    from protolab.capture.timestamps import clock

    return clock(ns)


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


def survey_view(result):
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


def explain_view(result):
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



def survey_csv(result, each: bool, stream) -> None:
    """`beacon survey --csv`: one row per BSS (or per beacon with --each), a header even with no rows."""
    import csv
    import dataclasses
    import json

    from protolab.wifi.survey import BeaconRow, BssRow

    rows = result.rows if each else result.networks
    names = [f.name for f in dataclasses.fields(BeaconRow if each else BssRow)]
    writer = csv.writer(stream)
    writer.writerow(names)

    def cell(value):  # lists and dicts (elements, RSN) as compact JSON, not Python reprs
        if value is None:
            return ""
        return json.dumps(value, separators=(",", ":")) if isinstance(value, (list, tuple, dict)) else value

    for r in rows:
        writer.writerow([cell(getattr(r, n)) for n in names])


def build_view(r, show_hex: bool = True) -> list:
    from rich.text import Text

    parts = [Text(f"built {r.frames} beacon(s)" + (f" -> {r.output}" if r.output else " (no -o: not written)"),
                  style="bold"), beacon_tree(r.beacon)]
    if show_hex:
        parts.append(_hexdump(r.beacon))
    return parts


def send_view(r):
    from rich.text import Text

    return Text(f"sent {r.sent} beacon(s) of {r.bytes_per_frame} bytes from {r.bssid} on {r.iface}, "
                f"every {r.interval_s:g} s")
