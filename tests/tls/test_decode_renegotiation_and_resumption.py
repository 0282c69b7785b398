"""decode follows TLS 1.2 flows of honest OpenSSL peers that are not one full handshake: a renegotiation (the
second handshake under the first one's keys, abbreviated or full) and a resumed session in a new connection (by
session ID or by ticket: the master secret from the key log's line for the new client random). Every Finished
checks, the data equals tshark's, and a tampered copy is still caught (exit 1)."""

from __future__ import annotations

import subprocess
import time

import pytest

from .relay import start_relay
from .test_decode import _tshark_follow
from .test_key_update import _interactive, _s_server, _type
from .test_openssl_interop import _start_s_server, _stop, pki  # noqa: F401

FULL = ["-no_ticket", "-no_cache"]  # nothing to resume: the renegotiation is a full handshake


def _check_against_tshark(cli, tshark, relay, keylog, tmp_path, finished: int):
    from protolab.tls.decode import decode_capture, load_key_material

    capture = relay.write_pcap(tmp_path / "flow.pcap")
    [conn] = decode_capture(capture, load_key_material(keylog)).connections
    assert conn.status == "decrypted" and not [k for k in conn.checks if k.ok is False], (conn.checks, conn.notes)
    assert [k.ok for k in conn.checks if "Finished" in k.name] == [True] * finished
    node0, first, second = _tshark_follow(tshark, capture, keylog)
    want = {"server": first, "client": second} if node0 == conn.server else {"client": first, "server": second}
    got = {side: b"".join(r.plaintext for r in conn.records if r.sender == side and r.plaintext)
           for side in ("client", "server")}
    assert got == want and all(want.values())
    assert cli("tls", "decode", str(capture), "--keylog", str(keylog)).exit_code == 0
    at = max(i for i, (from_client, data) in enumerate(relay.chunks) if data[0] == 23)  # the last data record
    from_client, data = relay.chunks[at]
    relay.chunks[at] = (from_client, data[:-1] + bytes([data[-1] ^ 1]))
    run = cli("tls", "decode", str(relay.write_pcap(tmp_path / "tampered.pcap")), "--keylog", str(keylog))
    assert run.exit_code == 1 and ("tag check failed" in run.stderr or "bad record MAC" in run.stderr)
    return conn


@pytest.mark.parametrize("suite", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"])
@pytest.mark.parametrize("server_args", [[], FULL], ids=["abbreviated", "full"])
def test_decode_follows_a_renegotiation(cli, tool, pki, tmp_path, suite, server_args):  # noqa: F811
    openssl, tshark = tool("openssl"), tool("tshark")
    cert, key = pki["rsa"]
    keylog = tmp_path / "client.keys"
    server, port = _s_server(openssl, cert, key, version="-tls1_2", extra=server_args)
    relay = start_relay(port)
    client = _interactive([openssl, "s_client", "-connect", f"127.0.0.1:{relay.port}", "-cipher", suite,
                           "-keylogfile", str(keylog)])
    try:
        time.sleep(0.5)
        _type(client, b"hello\n")
        _type(server, b"r\n", b"from server after r\n")  # OpenSSL's server renegotiates (HelloRequest)
        _type(client, b"client after r\n")
        time.sleep(0.3)
        client.stdin.close()
        client.wait(10)
        relay.join()
    finally:
        _stop(client)
        _stop(server)
    conn = _check_against_tshark(cli, tshark, relay, keylog, tmp_path, finished=4)
    assert any("renegotiation" in n for n in conn.notes)
    assert any("abbreviated" in n for n in conn.notes) is (not server_args)


@pytest.mark.parametrize("by", ["ticket", "session id"])
def test_decode_opens_a_resumed_session(cli, tool, pki, tmp_path, by):  # noqa: F811
    openssl, tshark = tool("openssl"), tool("tshark")
    cert, key = pki["rsa"]
    keylog, session = tmp_path / "client.keys", tmp_path / "session.pem"
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_2", "-naccept", "2"] + (["-no_ticket"] if by ==
                                                                                      "session id" else []))
    try:
        subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-sess_out", str(session),
                        "-keylogfile", str(keylog), "-ign_eof"], input=b"GET / HTTP/1.0\r\n\r\n",
                       capture_output=True, timeout=10, check=True)
        relay = start_relay(port)
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{relay.port}", "-sess_in", str(session),
                              "-keylogfile", str(keylog), "-ign_eof"], input=b"GET / HTTP/1.0\r\n\r\n",
                             capture_output=True, timeout=10)
        relay.join()
    finally:
        _stop(proc)
    assert b"Reused, TLSv1.2" in out.stdout
    conn = _check_against_tshark(cli, tshark, relay, keylog, tmp_path, finished=2)
    assert any("abbreviated" in n for n in conn.notes)
    assert "Certificate" not in [m.what for m in conn.messages]
