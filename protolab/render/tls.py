"""Views of the TLS lab: the handshake walk and live sessions step by step, and `tls decode` of a capture.

Both show message bytes the same way (`hexdump_view`). rich is imported inside the functions.
"""

from __future__ import annotations

WHO_STYLE = {"client": "bold cyan", "server": "bold magenta", "attacker": "bold red"}
CRYPTO_STYLE = {"asymmetric": "yellow", "symmetric": "blue"}


def _short(value: bytes | str, n: int = 24) -> str:
    if isinstance(value, bytes):
        text = value.hex()
        return text if len(text) <= 2 * n else f"{text[:2 * n]}… ({len(value)} bytes)"
    return value


def step_views(steps: list) -> list:
    from rich.table import Table
    from rich.text import Text

    out, shown = [], set()
    for i, s in enumerate(steps, 1):
        arrow = {True: "sends", False: "receives", None: ""}.get(s.sent, "")
        crypto = f"  [{s.crypto}]" if s.crypto else ""
        head = Text(f"{i:3d} ", style="dim")
        head.append(f"{s.who:9s}", style=WHO_STYLE.get(s.who, "bold"))
        if s.kind == "check":
            head.append(("✓ " if s.ok else "✗ ") + s.title, style="green" if s.ok else "bold red")
        else:
            head.append(f"{s.kind:8s} ", style="dim")
            head.append(f"{arrow + ' ' if arrow else ''}{s.title}", style="bold")
        if s.data and s.kind in ("message", "record"):
            head.append(f"  ({len(s.data)} bytes{', encrypted on the wire' if s.protected else ''})", style="dim")
        head.append(crypto, style=CRYPTO_STYLE.get(s.crypto or "", ""))
        out.append(head)
        if s.detail:
            out.append(Text("      " + s.detail, style="italic"))
        if s.kind in ("message", "record") and s.data and s.spans and s.data not in shown:
            shown.add(s.data)  # the receiver's copy of the same bytes is not dumped twice
            out += hexdump_view(s.data, s.spans)
        if s.derivations:
            table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 1))
            for col in ("value", "computed as", "from", "result", "primitive"):
                table.add_column(col, overflow="fold")
            for d in s.derivations:
                inputs = "\n".join(f"{k} = {_short(v, 12)}" for k, v in d.inputs.items())
                table.add_row(d.name, d.function, inputs, _short(d.output, 16),
                              Text(f"{d.primitive} ({d.kind})" if d.kind in ("asymmetric", "symmetric") else
                                   d.primitive, style=CRYPTO_STYLE.get(d.kind, "")))
            out.append(table)
    return out


def keys_view(result, cost_skipped: bool = False) -> list:
    from rich.table import Table
    from rich.text import Text

    out = []
    if result.keys:
        table = Table(title="Which keys exist, who knows them, what they protect", show_lines=False)
        for col in ("key", "bytes", "known by", "protects", "kind"):
            table.add_column(col, overflow="fold")
        for k in result.keys:
            table.add_row(k.name, str(k.size or ""), k.known_by, k.protects,
                          Text(k.crypto, style=CRYPTO_STYLE.get(k.crypto, "")))
        out.append(table)
    if result.cost is not None:
        c = result.cost
        kb = c.ratio
        out.append(Text(
            f"Measured here: one RSA-{c.rsa_bits} private-key operation takes {c.rsa_private_op_us:,.0f} µs; "
            f"AES-128-GCM takes {c.aes_gcm_per_kb_us:.2f} µs per KB, so one RSA operation costs as much as "
            f"encrypting about {kb:,.0f} KB. That is why TLS is hybrid: public-key cryptography once per "
            "handshake (authenticate, agree on a secret), symmetric cryptography for every byte after.",
            style="bold"))
    elif cost_skipped and result.completed:
        out.append(Text("The cost of one RSA operation against AES-GCM per KB is not measured in a seeded walk "
                        "(timings differ from run to run; same seed, same bytes): add --cost to measure it."))
    return out


def walk_view(result, cost_skipped: bool = False):
    from rich.text import Text

    group_txt = f", {result.group}" if result.group else ""
    ems = "" if result.ems is None else f", extended master secret {'on' if result.ems else 'off'}"
    ems += "" if result.etm is None else f", encrypt-then-MAC {'on' if result.etm else 'off'}"
    views = [Text(f"{result.version} walk: {result.suite} ({result.kx.upper()}{group_txt}{ems}), "
                  f"seed {result.seed}", style="bold underline")]
    views += step_views(result.steps)
    if result.completed:
        views.append(Text(f"handshake complete; both key logs agree: {result.keylogs_agree}", style="green"))
    else:
        views.append(Text(f"handshake failed: {result.caught_by or result.error}", style="bold red"))
        if result.why:
            views.append(Text(f"why this check: {result.why}", style="italic"))
    views += keys_view(result, cost_skipped)
    return views


def session_view(session):
    from rich.text import Text

    views = [Text(f"{session.role} <-> {session.peer}: {session.version or '?'} {session.suite}"
                  + ("" if session.ems is None else f", EMS {'on' if session.ems else 'off'}")
                  + ("" if session.etm is None else f", EtM {'on' if session.etm else 'off'}"),
                  style="bold underline"),
             Text("randomness: " + ("the OS CSPRNG" if session.seed is None else
                                    f"seeded with {session.seed} (reproducible, lab only: not secret)"), style="dim")]
    views += step_views(session.steps)
    if session.connected:
        views.append(Text("handshake complete", style="green"))
    else:
        views.append(Text(f"failed: {session.error}", style="bold red"))
    if session.received:
        reply = session.received.decode("utf-8", "replace")
        views.append(Text(f"decrypted {'reply' if session.role == 'client' else 'request'} "
                          f"({len(session.received)} bytes):", style="bold"))
        views.append(Text(reply[:2000] + ("…" if len(reply) > 2000 else "")))
    return views



def _short_ascii(value: bytes, n: int = 24) -> str:
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
        facts = [c.version, c.suite, c.group, None if c.ems is None else f"EMS {'on' if c.ems else 'off'}",
                 None if c.etm is None else f"EtM {'on' if c.etm else 'off'}"]
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
                inputs = "\n".join(f"{k} = {_short_ascii(v, 8) if isinstance(v, bytes) else v}"
                                   for k, v in d.inputs.items())
                der.add_row(d.name, d.function, inputs, d.kind, _short_ascii(d.output))
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


