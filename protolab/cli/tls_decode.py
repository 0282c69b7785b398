"""`protolab tls decode`: the command function (registered on the `tls` group by protolab/cli/tls.py) and its view.

Heavy imports (cryptography, the decoder) happen inside the function so `protolab --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, output

CaptureArg = Annotated[Path, typer.Argument(help="A capture (pcap/pcapng) holding TLS over TCP.", show_default=False)]
KeylogOpt = Annotated[Path | None, typer.Option("--keylog", help="NSS key log (SSLKEYLOGFILE) with the secrets.",
                                                show_default=False)]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="The server's private key (PEM/DER): opens RSA key "
                                             "transport sessions on its own, never ECDHE ones.", show_default=False)]
EphemeralOpt = Annotated[list[Path] | None, typer.Option(
    "--ephemeral", help="An (EC)DHE ephemeral private key of either side (PEM/DER); repeatable.", show_default=False,
    metavar="<path>")]


BytesOpt = Annotated[bool, typer.Option("--bytes", help="Also show every handshake message's bytes, field by field.")]


def decode(capture: CaptureArg, keylog: KeylogOpt = None, key: KeyOpt = None, ephemeral: EphemeralOpt = None,
           show_bytes: BytesOpt = False, as_json: JsonFlag = False) -> None:
    """Replay every TLS connection of a capture: recover the secrets, verify both Finished, decrypt the data.

    Secrets come from the server RSA key (RSA key transport only), the key log, or an ephemeral private key.
    With --key the result also says, per connection, whether that key ALONE opens the recorded session:
    yes for RSA key transport, no for ECDHE (forward secrecy). Exit 1 when a check fails (Finished mismatch,
    a record that does not authenticate, a bad signature), 2 on unusable input.

    Example: protolab tls decode tls12-rsa-ems.pcap --key server.key --bytes
    """
    from protolab.render.progress import progress
    from protolab.tls.decode import decode_capture, load_key_material

    keys = load_key_material(keylog, key, ephemeral or [])
    try:
        total = capture.stat().st_size
    except OSError:
        total = None
    with progress(total, f"reading {capture.name}", unit="bytes") as advance:
        result = decode_capture(capture, keys, advance)
    output(result, as_json, lambda r: decode_view(r, show_bytes))
    failed = result.failed_checks
    if failed:
        fail_check(failed[0] if len(failed) == 1 else f"{len(failed)} checks failed, first: {failed[0]}")


def _short(value: bytes, n: int = 24) -> str:
    text = value.hex()
    return text if len(text) <= 2 * n else f"{text[:2 * n]}... ({len(value)} bytes)"


def _preview(data: bytes, n: int = 72) -> str:
    text = data[:n].decode("latin-1")
    text = "".join(ch if ch.isprintable() else "." for ch in text)
    return text + ("..." if len(data) > n else "")


_MARK = {True: "[green]ok[/]", False: "[red]FAILED[/]", None: "[yellow]not checked[/]"}


def _message_bytes(messages) -> list:
    """Each handshake message's bytes with its field annotations (what the walk shows for its own messages)."""
    from rich.text import Text

    out = []
    for m in messages:
        if not m.data:
            continue
        out.append(Text(f"  frame {m.frame}, {m.sender}: {m.what} ({len(m.data)} bytes"
                        + (", decrypted" if m.encrypted else "") + ")", style="bold"))
        out += hexdump_view(m.data, m.spans)
    return out


HEX_LIMIT = 256  # bytes of a message shown in a hex dump (the legend still names every field)


def hexdump_view(data: bytes, spans: list) -> list:
    """An annotated hex dump of a message's first HEX_LIMIT bytes (shared by decode and the walk views)."""
    from rich.text import Text

    from protolab.annotate import FieldSpan
    from protolab.render.hexdump import annotated_hexdump

    head = data[:HEX_LIMIT]
    cut = [FieldSpan(f.offset, min(f.length, len(head) - f.offset), f.name, f.value)
           for f in spans if f.offset < len(head)]
    out = [annotated_hexdump(head, cut)]
    if len(data) > HEX_LIMIT:
        out.append(Text(f"      … {len(data) - HEX_LIMIT} more bytes (see --json)", style="dim"))
    return out


def decode_view(result, show_bytes: bool = False):
    """Rich renderables: per connection its handshake, derivations, checks and data; then forward secrecy."""
    from rich.table import Table
    from rich.text import Text

    out = [Text(f"{result.capture}: {result.packets} packets, {result.tcp_connections} TCP connection(s), "
                f"{len(result.connections)} TLS connection(s)", style="bold")]
    for c in result.connections:
        head = f"connection {c.index}: {c.client} -> {c.server} (from frame {c.first_frame})"
        facts = [c.version, c.suite, c.group, None if c.ems is None else f"EMS {'on' if c.ems else 'off'}"]
        out.append(Text(""))
        out.append(Text(head, style="bold cyan"))
        out.append(Text("  " + "  ".join(f for f in facts if f) + f"  | keys from: {c.key_source or 'nothing'}"))
        if c.server_certificate:
            out.append(Text(f"  server certificate: {c.server_certificate}"))
        msgs = Table(title="messages", show_lines=False, title_justify="left", pad_edge=False)
        for col in ("frame", "from", "message", "protected", "note"):
            msgs.add_column(col)
        for m in c.messages:
            msgs.add_row(str(m.frame), m.sender, m.what, "yes" if m.encrypted else "", m.note)
        out.append(msgs)
        if show_bytes:
            out += _message_bytes(c.messages)
        if c.derivations:
            der = Table(title="derivations (which secret from what)", title_justify="left", pad_edge=False)
            for col in ("value", "computed as", "from", "kind", "output"):
                der.add_column(col, overflow="fold")
            for d in c.derivations:
                inputs = "\n".join(f"{k} = {_short(v, 8) if isinstance(v, bytes) else v}" for k, v in d.inputs.items())
                der.add_row(d.name, d.function, inputs, d.kind, _short(d.output))
            out.append(der)
        checks = Table(title="checks", title_justify="left", pad_edge=False)
        for col in ("check", "result", "detail"):
            checks.add_column(col, overflow="fold")
        for k in c.checks:
            checks.add_row(k.name, _MARK[k.ok], k.detail)
        if c.checks:
            out.append(checks)
        data = [r for r in c.records if r.plaintext is not None]
        if data:
            recs = Table(title="application data (decrypted)", title_justify="left", pad_edge=False)
            for col in ("frame", "from", "seq", "bytes", "plaintext"):
                recs.add_column(col, overflow="fold")
            for r in data:
                recs.add_row(str(r.frame), r.sender, str(r.seq), str(r.length), _preview(r.plaintext))
            out.append(recs)
        out.append(Text(f"  status: {c.status}", style="green" if c.status == "decrypted" else
                        "red" if c.status == "failed" else "yellow"))
        for note in c.notes:
            out.append(Text(f"  note: {note}"))
        if c.server_key_alone:
            out.append(Text(f"  {c.server_key_alone}", style="bold"))
    for line in result.forward_secrecy:
        out.append(Text(f"result: {line}", style="bold magenta"))
    for w in result.warnings:
        out.append(Text(f"capture warning: {w}", style="yellow"))
    return out
