"""`protolab pcap`: commands of the capture-file lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, warn

app = group(
    "What is in a capture file: read pcap and pcapng (also gzipped) fast and in constant memory."
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
    """What capinfos tells: format, byte order, link types, frame count, times, sizes, rates, warnings.

    Reads only the record headers (the fast path), so it is quick on big files.

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

def _size(n: float | None, unit: str = "bytes") -> str:
    if n is None:
        return "n/a"
    for step, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= step:
            return f"{n / step:.1f} {prefix}{unit} ({n:,.0f} {unit})"
    return f"{n:,.0f} {unit}"


def _number(x: float | None, fmt: str = "{:,.2f}") -> str:
    return "n/a" if x is None else fmt.format(x)


def info_view(results) -> list:
    # Aligned "field  value" lines in one Text: as readable as a table, and much cheaper to lay out on a
    # command whose whole point is speed.
    from rich.text import Text

    out = []
    for r in results:
        rows = [("format", f"{r.format}{' (gzip)' if r.compressed else ''}, version {r.version}, "
                           f"{r.byte_order}-endian"),
                ("timestamp precision", r.precision),
                ("interfaces", str(len(r.interfaces)))]
        for i in r.interfaces:
            name = f" {i.name}" if i.name else ""
            fcs = f", FCS {i.fcs_len} bytes" if i.fcs_len else ""
            rows.append((f"  #{i.id}{name}", f"{i.linktype} {i.linktype_name} ({i.description}), snaplen "
                                             f"{i.snaplen}{fcs}: {i.packets:,} packets"))
        rows += [
            ("packets", f"{r.packets:,}"),
            ("file size", _size(r.file_size)),
            ("data size", _size(r.data_bytes)),
            ("first packet", r.first_time or "n/a"),
            ("last packet", r.last_time or "n/a"),
            ("duration", _number(r.duration_s, "{:.6f} s")),
            ("average packet size", _number(r.avg_packet_size, "{:.2f} bytes")),
            ("data byte rate", _number(r.data_byte_rate, "{:,.0f} bytes/s")),
            ("data bit rate", _number(r.data_bit_rate, "{:,.0f} bits/s")),
            ("packet rate", _number(r.packet_rate, "{:,.2f} packets/s")),
            ("truncated records", f"{r.truncated_records:,}"),
            ("strict time order", "yes" if r.in_order else "no"),
        ]
        text = Text()
        text.append(r.path + "\n", style="bold underline")
        width = max(len(key) for key, _ in rows) + 2
        for key, value in rows:
            text.append(key.ljust(width), style="bold")
            text.append(value + "\n")
        for message in r.warnings:
            text.append("warning".ljust(width), style="yellow")
            text.append(message + "\n", style="yellow")
        out.append(text)
    return out


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
