"""Views of the capture-file lab: `pcap info` (capinfos' fields) and `pcap summary` (protocol breakdown).

rich is imported inside the functions: piped `pcap info` prints plain lines without importing it.
"""

from __future__ import annotations


def _bytes(n: int) -> str:
    for step, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= step:
            return f"{n} bytes ({n / step:.1f} {prefix}B)"
    return f"{n} bytes"


def _rate(x: float | None, unit: str) -> str:
    return "n/a" if x is None else f"{x:.2f} {unit}"


def info_rows(results) -> list[tuple[str, str, str]]:
    """(label, value, style) lines of the info view: capinfos' field names and units, then the warnings.
    style is "title", "" or "warning"."""
    rows: list[tuple[str, str, str]] = []
    for r in results:
        encapsulations = {(i.linktype, i.linktype_name, i.description) for i in r.interfaces}
        if len(encapsulations) == 1:
            (number, name, description), = encapsulations
            encapsulation = f"{name} ({description}, link type {number})"
        elif encapsulations:   # capinfos: "Per packet", then the encapsulations in use with their packets
            in_use: dict[str, int] = {}
            for i in r.interfaces:
                in_use[i.linktype_name] = in_use.get(i.linktype_name, 0) + i.packets
            encapsulation = "Per packet: " + ", ".join(f"{name} ({n} packets)" for name, n in in_use.items() if n)
        else:
            encapsulation = "n/a"
        order = f"{r.byte_order}-endian" if r.byte_order != "mixed" else "sections of both byte orders"
        rows += [("File name:", r.path, "title"),
                 ("File type:", f"{r.format}{' (gzip compressed)' if r.compressed else ''}, version {r.version}, "
                                f"{order}", ""),
                 ("File encapsulation:", encapsulation, ""),
                 ("File timestamp precision:", f"{r.precision} ({r.precision_digits})", "")]
        if r.snaplen is not None:
            rows.append(("Packet size limit:", f"file hdr: {r.snaplen} bytes", ""))
        digits = r.precision_digits
        rows.append(("Number of packets:", str(r.packets), ""))
        if r.untimed_packets:   # capinfos then shows no times at all; ours come from the other packets
            rows.append(("Packets without a timestamp:", f"{r.untimed_packets} (simple packet blocks: left out "
                                                         "of the times below)", ""))
        rows += [
            ("File size:", _bytes(r.file_size), ""),
            ("Data size:", _bytes(r.data_bytes), ""),
            ("Capture duration:", _duration(r, digits), ""),
            ("First packet time:", _time(r.first_ns, digits), ""),
            ("Last packet time:", _time(r.last_ns, digits), ""),
            ("Data byte rate:", _rate(r.data_byte_rate, "bytes/sec"), ""),
            ("Data bit rate:", _rate(r.data_bit_rate, "bits/sec"), ""),
            ("Average packet size:", _rate(r.avg_packet_size, "bytes"), ""),
            ("Average packet rate:", _rate(r.packet_rate, "packets/sec"), ""),
            ("Strict time order:", str(r.in_order), ""),
            ("Truncated packets:", f"{r.truncated_records} (captured shorter than on the wire)", "")]
        if r.application:
            rows.append(("Capture application:", r.application, ""))
        rows.append(("Number of interfaces in file:", str(len(r.interfaces)), ""))
        for i in r.interfaces:
            where = f"Section {i.section}, interface #{i.section_id}" if r.sections > 1 else f"Interface #{i.id}"
            name = f" {i.name}" if i.name else ""
            fcs = f", FCS {i.fcs_len} bytes" if i.fcs_len else ""
            rows.append((f"{where}{name}:", f"{i.linktype_name} ({i.description}, link type {i.linktype}), "
                                             f"capture length {i.snaplen}{fcs}, {i.packets} packets", ""))
        rows += [("warning:", message, "warning") for message in r.warnings]
    return rows


def _duration(r, digits: int) -> str:
    """Exact (from the integer nanoseconds, not the float duration_s) at the file's precision."""
    if r.first_ns is None:
        return "n/a"
    sec, frac = divmod(r.last_ns - r.first_ns, 1_000_000_000)
    return f"{sec}{f'.{frac:09d}'[:digits + 1] if digits else ''} seconds"


def _time(ns: int | None, digits: int) -> str:
    from protolab.capture.timestamps import raw, utc_time

    return "n/a" if ns is None else utc_time(ns, digits, " UTC") or raw(ns)


def print_info(results) -> None:
    """Plain aligned lines when stdout is not a terminal (no rich import: start-up time matters here, and
    there is nothing to colour); through rich, with bold labels and yellow warnings, on a terminal."""
    import sys

    if sys.stdout.isatty():
        from protolab.render.console import print_renderables

        print_renderables(info_view(results))
        return
    rows = info_rows(results)
    width = _label_width(rows)
    for n, (label, value, style) in enumerate(rows):
        if style == "title" and n:
            sys.stdout.write("\n")
        sys.stdout.write(f"{label.ljust(width)}{value}\n")


def _label_width(rows) -> int:
    return max(len(label) for label, _, _ in rows) + 1


def info_view(results):
    """The info view as one rich Text."""
    from rich.text import Text

    rows = info_rows(results)
    width = _label_width(rows)
    text = Text()
    for label, value, style in rows:
        if style == "title" and text:
            text.append("\n")
        text.append(label.ljust(width), style="yellow" if style == "warning" else "bold")
        text.append(value + "\n", style={"title": "bold underline", "warning": "yellow"}.get(style, ""))
    return text


def summary_view(s) -> list:
    from rich.table import Table
    from rich.text import Text

    out = []
    head = Table(title=f"{s.path}: {s.packets:,} packets ({s.format})", title_justify="left")
    head.add_column("link type")
    head.add_column("packets", justify="right")
    for lt in s.link_types:
        head.add_row(f"{lt.linktype} {lt.name}", f"{lt.packets:,}")
    out.append(head)
    if s.wifi:
        w = s.wifi
        t = Table(title=f"802.11: {w.frames:,} frames, {w.bssids} distinct BSSIDs", title_justify="left")
        t.add_column("type")
        t.add_column("subtype")
        t.add_column("frames", justify="right")
        for ft in w.types:
            t.add_row(ft.type, ft.name, f"{ft.count:,}")
        out.append(t)
        extras = []
        if w.protected_data:
            extras.append(f"protected data frames: {w.protected_data:,}")
        if w.llc_payloads:
            extras.append("unprotected data payloads: " + ", ".join(f"{k} {v:,}" for k, v in w.llc_payloads.items()))
        if w.bands:
            extras.append("bands: " + ", ".join(f"{k} {v:,}" for k, v in w.bands.items()))
        if w.malformed:
            extras.append(f"frames too short for their 802.11 header: {w.malformed:,}")
        if w.other_version:
            extras.append(f"frames of 802.11 protocol version 1 or a reserved one (not typed, as tshark): "
                          f"{w.other_version:,}")
        if w.top_bssids:
            extras.append("top BSSIDs: " + ", ".join(f"{b} ({n:,})" for b, n in w.top_bssids))
        out.extend(Text(line) for line in extras)
    if s.ip:
        ip = s.ip
        out.append(Text(f"IP: {ip.ipv4:,} IPv4, {ip.ipv6:,} IPv6 packets; {ip.tcp:,} TCP, {ip.udp:,} UDP, "
                        f"{ip.other:,} other; {ip.tcp_conversations:,} TCP conversations "
                        f"({ip.tls_conversations:,} look like TLS), {ip.udp_conversations:,} UDP conversations"))
        for title, convs in (("top TCP conversations", ip.top_tcp), ("top UDP conversations", ip.top_udp)):
            if not convs:
                continue
            t = Table(title=title, title_justify="left")
            for col, justify in (("A", "left"), ("B", "left"), ("packets", "right"), ("A→B", "right"),
                                 ("B→A", "right"), ("bytes", "right"), ("TLS?", "left")):
                t.add_column(col, justify=justify)
            for c in convs:
                t.add_row(c.a, c.b, f"{c.packets:,}", f"{c.packets_a_to_b:,}", f"{c.packets_b_to_a:,}",
                          f"{c.bytes:,}", "yes" if c.tls else "")
            out.append(t)
    if s.ethertypes:
        out.append(Text("ethertypes: " + ", ".join(f"{k} {v:,}" for k, v in s.ethertypes.items())))
    if s.unknown_link or s.malformed:
        out.append(Text(f"frames of an undecoded link type: {s.unknown_link:,}; malformed: {s.malformed:,}"))
    for message in s.warnings:
        out.append(Text(f"warning: {message}", style="yellow"))
    return out


