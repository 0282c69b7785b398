"""`protolab pcap`: commands of the capture-file lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, warn

app = group(
    "What is in a capture file: read pcap and pcapng (also gzipped) fast and in constant memory.\n\n"
    "Example: protolab pcap info capture.pcap"
)

FilesArg = Annotated[list[Path], typer.Argument(help="Capture files: pcap or pcapng, optionally gzipped.",
                                                 show_default=False)]
FileArg = Annotated[Path, typer.Argument(help="A capture file: pcap or pcapng, optionally gzipped.",
                                          show_default=False)]


def _with_progress(path: Path, work):
    """Run work(path, progress_callback) with a bytes progress bar on a TTY (silent otherwise)."""
    import sys

    if not sys.stdout.isatty():   # no bar to draw: skip importing rich for it (start-up time matters here)
        return work(path, None)
    from protolab.render.progress import progress

    try:
        total = path.stat().st_size
    except OSError:
        total = None
    with progress(total, f"reading {path.name}", unit="bytes") as advance:
        return work(path, advance)


@app.command()
def info(files: FilesArg, as_json: JsonFlag = False) -> None:
    """What capinfos tells: file type, encapsulation, packets, sizes, times, rates, interfaces, warnings.

    Reads only the record headers (the fast path), so it is quick on big files. Field names and units are
    capinfos' (-M: exact values). Interfaces are listed in file order; in a pcapng file of several sections
    each one also shows its section and its id in that section, as tshark's frame.section_number and
    frame.interface_id give them.

    Example: protolab pcap info capture.pcap other.pcapng.gz --json
    """
    from protolab.capture.info import capture_info
    from protolab.errors import BadInput

    results, failures = [], []
    for path in files:
        try:
            results.append(_with_progress(path, capture_info))
        except BadInput as exc:
            failures.append(str(exc))
    if results:
        if as_json:
            for result in results:
                for message in result.warnings:
                    warn(f"{result.path}: {message}")
            output(results, as_json, info_view)
        else:
            _print_info(results)
    if failures:
        raise BadInput(failures[0] if len(failures) == 1 else f"{len(failures)} files could not be read: "
                       + "; ".join(failures))


@app.command()
def summary(file: FileArg, top: Annotated[int, typer.Option(min=1, help="Conversations and BSSIDs to list.")] = 10,
            as_json: JsonFlag = False) -> None:
    """A protocol breakdown: link types; 802.11 frame types/subtypes and BSSIDs; top TCP/UDP conversations
    and how many look like TLS.

    Example: protolab pcap summary capture.pcap --top 5
    """
    from protolab.capture.summary import capture_summary

    result = _with_progress(file, lambda path, advance: capture_summary(path, top=top, progress=advance))
    if as_json:
        for message in result.warnings:
            warn(f"{result.path}: {message}")
    output(result, as_json, summary_view)


# -- views (rich imported inside, so `protolab --help` stays fast) ----------------------------------------

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
    from protolab.capture.info import utc_time

    return utc_time(ns, digits, " UTC") or "n/a"


def _print_info(results) -> None:
    """Plain aligned lines when stdout is not a terminal (no rich import: start-up time matters here, and
    there is nothing to colour); through rich, with bold labels and yellow warnings, on a terminal."""
    import sys

    if sys.stdout.isatty():
        output(results, False, info_view)
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
