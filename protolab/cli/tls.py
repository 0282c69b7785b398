"""`protolab tls`: commands of the TLS handshake lab (walk, connect, serve; decode from tls_decode.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, group, output, stdout_taken, warn

app = group(
    "How client and server agree on a session key (RSA vs ECDHE), and what public-key and "
    "symmetric cryptography each do.\n\n"
    "Example: protolab tls walk --kx rsa --seed 1"
)

VersionOpt = Annotated[str, typer.Option("--version", help="TLS version: 1.2 or 1.3.")]
GroupOpt = Annotated[str, typer.Option("--group", help="ECDHE group: x25519, secp256r1, secp384r1.")]
EmsOpt = Annotated[bool, typer.Option("--ems/--no-ems", help="Offer/accept the extended master secret (TLS 1.2).")]
EtmOpt = Annotated[bool, typer.Option("--etm/--no-etm", help="Offer/accept encrypt_then_mac for CBC suites "
                                                             "(RFC 7366, TLS 1.2); --no-etm: MAC-then-encrypt.")]
CertOpt = Annotated[Path | None, typer.Option("--cert", help="Server certificate (PEM/DER) instead of the lab's.")]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="Private key of --cert (PEM/DER).")]
KeylogOpt = Annotated[Path | None, typer.Option("--keylog", help="Write the NSS key log (Wireshark) here.")]
SeedOpt = Annotated[int | None, typer.Option(
    "--seed", help="Make the randoms and ephemeral keys reproducible (seeded Mersenne Twister: lab only, anyone "
                   "who knows the seed knows the keys). Default: the OS's CSPRNG.")]


# ---- helpers ---------------------------------------------------------------------------------------------
def _identity(cert: Path | None, key: Path | None, kind: str = "rsa"):
    from protolab.tls.kx import lab_identity, load_identity

    if (cert is None) != (key is None):
        from protolab.errors import BadInput

        raise BadInput("--cert and --key go together")
    if cert is not None:
        from protolab.fileio import read_bytes

        return load_identity(read_bytes(cert, "--cert"), read_bytes(key, "--key"))
    return lab_identity(kind)


def _write_keylog(path: Path, text: str) -> None:
    """Write the key log (a secret: 0600, never through a symlink) once there is a key to put in it; with
    "" (before any network use) only check the path, so a bad one fails up front and a run that fails
    before its first key leaves an existing key log as it was."""
    from protolab.fileio import check_output, write_text

    if text:
        write_text(path, text, secret=True)
    else:
        check_output(path, secret=True)


def _suites(names: list[str] | None, versions: list[int], kx: str | None = None) -> list:
    from protolab.errors import BadInput
    from protolab.tls.suites import lookup_suite, suites_for

    if kx == "rsa" and 0x0303 not in versions:
        raise BadInput("TLS 1.3 has no RSA key transport: every TLS 1.3 handshake is (EC)DHE")
    if names:
        chosen = [lookup_suite(n) for item in names for n in item.split(",") if n.strip()]
        bad = [s.name for s in chosen if s.version not in versions]
        if bad:
            raise BadInput(f"{', '.join(bad)} does not belong to the chosen TLS version")
        other_kx = [s for s in chosen if kx and s.kx and s.kx != kx]
        if other_kx:
            raise BadInput(f"{other_kx[0].name} uses {other_kx[0].kx.upper()} key exchange, not {kx.upper()}")
        return chosen
    # Default preference: TLS 1.3, then forward secrecy (ECDHE) before RSA transport, AEAD before CBC.
    return [s for v in sorted(versions, reverse=True)
            for s in sorted(suites_for(v), key=lambda s: (s.kx == "rsa", not s.aead))
            if kx is None or s.kx in (None, kx)]


def _versions(version: str) -> list[int]:
    from protolab.errors import BadInput

    table = {"1.2": [0x0303], "1.3": [0x0304], "auto": [0x0304, 0x0303]}
    if version not in table:
        raise BadInput(f"unsupported version {version!r} (1.2, 1.3 or auto)")
    return table[version]


def _check_numbers(timeout: float, port: int | None = None, count: int | None = None) -> None:
    """Numeric options checked before anything starts (a socket rejects them only later, and less clearly)."""
    import math

    from protolab.errors import BadInput

    if not math.isfinite(timeout) or timeout <= 0:
        raise BadInput(f"--timeout must be a positive number of seconds, got {timeout:g}")
    if port is not None and not 0 <= port <= 65535:
        raise BadInput(f"--port {port} is out of range (0-65535; 0: any free port)")
    if count is not None and count < 0:
        raise BadInput(f"--count must be 0 (until Ctrl-C) or a number of connections, got {count}")


SEND_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\"}


def _send_bytes(text: str) -> bytes:
    """--send as bytes: the text is UTF-8; \\n \\r \\t \\\\ and \\xHH (one byte) are the only escapes."""
    import re

    from protolab.errors import BadInput

    out, pos = bytearray(), 0
    for m in re.finditer(r"\\(x[0-9a-fA-F]{2}|.?)", text, re.S):
        out += text[pos:m.start()].encode("utf-8", "surrogateescape")
        pos, esc = m.end(), m.group(1)
        if esc in SEND_ESCAPES:
            out += SEND_ESCAPES[esc]
        elif len(esc) == 3:
            out.append(int(esc[1:], 16))
        else:
            raise BadInput(f"--send: bad escape '{text[m.start():m.start() + 4]}' at character {m.start() + 1} "
                           r"(allowed: \n \r \t \\ \xHH; the rest is sent as UTF-8)")
    return bytes(out + text[pos:].encode("utf-8", "surrogateescape"))


def _groups(names: str) -> list:
    from protolab.tls.suites import lookup_group

    return [lookup_group(n) for n in names.split(",") if n.strip()]


# ---- commands -------------------------------------------------------------------------------------------
@app.command()
def walk(
    kx: Annotated[str | None, typer.Option("--kx", help="Key exchange: rsa or ecdhe (TLS 1.2).")] = None,
    version: VersionOpt = "1.2",
    suite: Annotated[str | None, typer.Option("--suite", help="Cipher suite (IANA or OpenSSL name, or 0xC02F).")]
    = None,
    group_name: GroupOpt = "x25519",
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of every random value (default 0): with --seed, same seed, same bytes (the timing "
                       "of --cost is then off unless asked for).")] = None,
    ems: EmsOpt = True,
    etm: EtmOpt = True,
    tamper: Annotated[str | None, typer.Option(
        "--tamper", help="Change one byte in flight: certificate, server-key-exchange, finished or record.")] = None,
    pcap: Annotated[Path | None, typer.Option("--pcap", help="Write the conversation as a pcap (TCP; -: stdout).")]
    = None,
    keylog: KeylogOpt = None,
    cert: CertOpt = None,
    key: KeyOpt = None,
    cost: Annotated[bool | None, typer.Option(
        "--cost/--no-cost", help="Time one RSA private-key operation against AES-GCM per KB on this machine "
                                 "(default: on without --seed, off with it, as timings differ run to run).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Both roles in one process: every message, derivation and check of a TLS handshake, byte by byte.

    Example: protolab tls walk --kx ecdhe --seed 1 --pcap walk.pcap --keylog walk.keys
    """
    from protolab.tls.walk import walk as run_walk
    from protolab.tls.walk import write_keylog, write_pcap

    piped = stdout_taken(as_json, {"--pcap": pcap})  # `--pcap -`: the capture is the output
    if keylog is not None:
        _write_keylog(keylog, "")
    identity = None
    if cert is not None or key is not None:
        identity = _identity(cert, key)
    measure = cost if cost is not None else seed is None
    result = run_walk(version=version, kx=kx, suite=suite, group=group_name, seed=seed or 0, ems=ems, etm=etm,
                      tamper=tamper, identity=identity, measure=measure)
    if pcap is not None:
        write_pcap(result, pcap)
    if keylog is not None:
        write_keylog(result, keylog)
    from protolab.render.tls import walk_view

    if not piped:
        output(result, as_json, lambda r: walk_view(r, cost_skipped=seed is not None and cost is None))
    if not result.completed:
        fail_check(f"handshake failed: {result.caught_by or result.error}")


@app.command()
def connect(
    target: Annotated[str, typer.Argument(help="HOST:PORT of a TLS server.")],
    version: Annotated[str, typer.Option("--version", help="1.2, 1.3 or auto (offer both).")] = "auto",
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Offer only these suites (repeatable).")]
    = None,
    groups: Annotated[str, typer.Option("--group", help="Groups to offer, comma-separated (key share: the first).")]
    = "x25519,secp256r1,secp384r1",
    ems: EmsOpt = True,
    etm: EtmOpt = True,
    send: Annotated[str | None, typer.Option("--send", help="Request to send, as UTF-8; escapes \\n \\r \\t "
                                                           "\\\\ and \\xHH (one byte). Default: an HTTP GET /.")]
    = None,
    ca: Annotated[Path | None, typer.Option("--ca", help="Trusted certificate(s), PEM (default: system roots).")]
    = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Do not check the certificate chain.")] = False,
    servername: Annotated[str | None, typer.Option("--servername", help="SNI / name to check (default: HOST).")]
    = None,
    keylog: KeylogOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the server.")] = 10.0,
    seed: SeedOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The client side against a real server: the same steps with the server's real values.

    Example: protolab tls connect 127.0.0.1:4433 --ca server.crt --keylog session.keys
    """
    from protolab.errors import BadInput
    from protolab.tls.engine import Config
    from protolab.tls.net import connect as run_connect

    _check_numbers(timeout)
    host, sep, port_text = target.rpartition(":")
    if host.startswith("[") and host.endswith("]"):  # [IPv6]:PORT
        host = host[1:-1]
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BadInput(f"target must be HOST:PORT (or [IPv6]:PORT), got {target!r}")
    versions = _versions(version)
    anchors = None
    if ca is not None:
        from cryptography import x509

        from protolab.fileio import read_bytes

        try:
            anchors = x509.load_pem_x509_certificates(read_bytes(ca, "--ca"))
        except ValueError:
            raise BadInput(f"{ca} holds no PEM certificate") from None
    if keylog is not None:
        _write_keylog(keylog, "")
    request = (_send_bytes(send) if send is not None else
               f"GET / HTTP/1.1\r\nHost: {servername or host}\r\nConnection: close\r\n\r\n".encode())
    config = Config(versions=versions, suites=_suites(suite, versions), groups=_groups(groups), ems=ems, etm=etm,
                    server_name=servername or host, anchors=anchors, verify=not insecure, seed=seed)
    session = run_connect(host, int(port_text), config, request, timeout=timeout)
    if keylog is not None:
        _write_keylog(keylog, session.keylog)
    from protolab.render.tls import session_view

    output(session, as_json, session_view)
    if not session.connected:
        fail_check(f"handshake with {target} failed: {session.error}")


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 4433,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    version: Annotated[str, typer.Option("--version", help="1.2, 1.3 or auto (accept both).")] = "auto",
    kx: Annotated[str | None, typer.Option("--kx", help="Accept only rsa or ecdhe suites (TLS 1.2).")] = None,
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Accept only these suites (repeatable).")]
    = None,
    groups: Annotated[str, typer.Option("--group", help="Groups to accept, comma-separated, preferred first.")]
    = "x25519,secp256r1,secp384r1",
    ems: EmsOpt = True,
    etm: EtmOpt = True,
    cert: CertOpt = None,
    key: KeyOpt = None,
    count: Annotated[int, typer.Option("--count", help="Connections to serve (0: until Ctrl-C).")] = 1,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for a client / its data.")] = 30.0,
    keylog: KeylogOpt = None,
    seed: SeedOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The server side: walk the handshake of each client that connects (e.g. openssl s_client).

    Example: protolab tls serve --port 4433 --version 1.2 --kx rsa   (then: openssl s_client -connect 127.0.0.1:4433)
    """
    import sys

    from protolab.errors import BadInput
    from protolab.render.tls import session_view
    from protolab.tls.engine import Config
    from protolab.tls.net import listen
    from protolab.tls.net import serve as run_serve

    _check_numbers(timeout, port, count)
    if kx not in (None, "rsa", "ecdhe"):
        raise BadInput(f"unknown key exchange {kx!r} (rsa or ecdhe)")
    versions = _versions(version)
    suites = _suites(suite, versions, kx)
    kinds = {s.auth for s in suites if s.auth}
    identity = _identity(cert, key, "ecdsa" if kinds == {"ecdsa"} else "rsa")
    config = Config(versions=versions, suites=suites, groups=_groups(groups), ems=ems, etm=etm, identity=identity,
                    seed=seed)
    if keylog is not None:
        _write_keylog(keylog, "")
    sock = listen(port, host)
    sys.stderr.write(f"listening on {host}:{sock.getsockname()[1]} ({count or 'any number of'} connection(s))\n")
    sys.stderr.flush()
    logs: list[str] = []

    def shown(session) -> None:
        logs.append(session.keylog)
        if keylog is not None:
            _write_keylog(keylog, "".join(logs))
        if not as_json:
            output(session, False, session_view)

    sessions = run_serve(sock, config, count=count, timeout=timeout, on_session=shown)
    if as_json:
        output(sessions, True, session_view)
    failed = [s for s in sessions if not s.connected]
    if failed:
        fail_check(f"{len(failed)} of {len(sessions)} handshake(s) failed: {failed[0].error}")
    if not sessions:
        warn("no connection")


# `protolab tls decode` is the crypto helper's command (protolab/cli/tls_decode.py), registered here.
from protolab.cli.tls_decode import decode as _decode  # noqa: E402

app.command("decode")(_decode)
