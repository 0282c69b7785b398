"""Regression tests for the reviewer's findings on the TLS lab (decode, connect, serve, walk)."""

import pytest

from protolab.tls.decode import decode_capture, load_key_material

# key log label -> (records that must stay unread, records that must still be read)
MISSING_13 = {
    "SERVER_TRAFFIC_SECRET_0": ("server", "client"),
    "CLIENT_TRAFFIC_SECRET_0": ("client", "server"),
    "SERVER_HANDSHAKE_TRAFFIC_SECRET": ("server", "client"),
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET": ("client", "server"),
}


def _without(src, label: str, dst):
    dst.write_text("".join(line for line in src.read_text().splitlines(True) if not line.startswith(label + " ")))
    return dst


def _check_one_line_error(run, code: int, needle: str):
    assert run.exit_code == code, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], run.stderr
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("label", MISSING_13)
def test_tls13_keylog_missing_one_secret_is_no_key_not_tampering(shared, tmp_path, label):
    base = shared("tls/openssl")
    keylog = _without(base / "tls13.keylog", label, tmp_path / "partial.keylog")
    [conn] = decode_capture(base / "tls13.pcap", load_key_material(keylog)).connections
    unread, read = MISSING_13[label]
    assert not conn.failed, conn.checks
    assert conn.status == "partly decrypted"
    assert any(label in n and "not decrypted" in n for n in conn.notes), conn.notes
    assert not any(m.sender == unread and m.what == "application data" and "no key" not in m.note
                   for m in conn.messages)
    assert any(m.sender == unread and "no key" in m.note for m in conn.messages)
    assert any(r.sender == read and r.plaintext for r in conn.records)


def test_tls13_keylog_missing_server_app_secret_cli_exits_0(cli, shared, tmp_path):
    base = shared("tls/openssl")
    keylog = _without(base / "tls13.keylog", "SERVER_TRAFFIC_SECRET_0", tmp_path / "p.keylog")
    run = cli("tls", "decode", str(base / "tls13.pcap"), "--keylog", str(keylog))
    assert run.exit_code == 0, run.stderr
    assert "tag check failed" not in run.stdout + run.stderr
    assert "no SERVER_TRAFFIC_SECRET_0" in run.stdout and "status: partly decrypted" in run.stdout


def test_tls12_keylog_of_another_connection_is_noted(shared, tool, tmp_path):
    import subprocess

    base = shared("tls/openssl")
    merged = tmp_path / "two.pcap"
    subprocess.run([tool("mergecap"), "-F", "pcap", "-w", str(merged), str(base / "tls12-ecdhe.pcap"),
                    str(base / "tls12-rsa-ems.pcap")], check=True, timeout=30)
    conns = decode_capture(merged, load_key_material(base / "tls12-ecdhe.keylog")).connections
    status = {c.suite: c.status for c in conns}
    assert status == {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "decrypted", "TLS_RSA_WITH_AES_128_GCM_SHA256": "no key"}
    [other] = [c for c in conns if c.status == "no key"]
    assert not other.failed and any("no CLIENT_RANDOM line" in n for n in other.notes), other.notes


@pytest.mark.parametrize("args, needle", [
    (("connect", "127.0.0.1:1", "--timeout", "-1"), "--timeout must be a positive number"),
    (("connect", "127.0.0.1:1", "--timeout", "0"), "--timeout must be a positive number"),
    (("connect", "127.0.0.1:1", "--timeout", "nan"), "--timeout must be a positive number"),
    (("serve", "--port", "0", "--timeout", "-1"), "--timeout must be a positive number"),
    (("serve", "--port", "0", "--timeout", "inf"), "--timeout must be a positive number"),
    (("serve", "--port", "0", "--count", "-1"), "--count must be 0"),
    (("serve", "--port", "-1"), "--port -1 is out of range"),
    (("serve", "--port", "65536"), "--port 65536 is out of range"),
])
def test_bad_numeric_options_exit_2_before_anything_starts(cli, args, needle):
    run = cli("tls", *args)
    _check_one_line_error(run, 2, needle)
    assert "listening" not in run.stdout + run.stderr


@pytest.mark.parametrize("text, sent", [
    ("é", b"\xc3\xa9"),  # the text is UTF-8...
    (r"\xc3\xa9", b"\xc3\xa9"),  # ...and \xHH is one byte, so both spell the same bytes
    (r"GET / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n"),
    (r"a\tb\\n", b"a\tb\\n"),
])
def test_send_text_is_utf8_with_byte_escapes(text, sent):
    from protolab.cli.tls import _send_bytes

    assert _send_bytes(text) == sent


@pytest.mark.parametrize("text", [r"\x", "\\", r"\u00e9", r"\xzz", r"\q"])
def test_send_bad_escape_exits_2(cli, text):
    run = cli("tls", "connect", "127.0.0.1:1", "--send", text, "--timeout", "1")
    _check_one_line_error(run, 2, "--send: bad escape")


def test_send_help_says_utf8_and_escapes(cli):
    out = " ".join(cli("tls", "connect", "--help").stdout.split())
    assert "UTF-8" in out and r"\xHH" in out


@pytest.mark.parametrize("kind", ["x25519", "secp256r1"])
def test_ephemeral_key_from_no_share_in_capture_exits_2(cli, shared, tmp_path, kind):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, x25519

    private = x25519.X25519PrivateKey.generate() if kind == "x25519" else ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "other.key"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    base = shared("tls/illustrated-tls12")
    run = cli("tls", "decode", str(base / "captures/capture.pcap"), "--ephemeral", str(path))
    _check_one_line_error(run, 2, "matches no key share")
    assert str(path) in run.stderr
    # the right key beside it is not enough: every --ephemeral key must belong to the capture
    run = cli("tls", "decode", str(base / "captures/capture.pcap"), "--ephemeral",
              str(base / "files/client-ephemeral-private.key"), "--ephemeral", str(path))
    _check_one_line_error(run, 2, "matches no key share")
    good = cli("tls", "decode", str(base / "captures/capture.pcap"), "--ephemeral",
               str(base / "files/server-ephemeral-private.key"))
    assert good.exit_code == 0 and "status: decrypted" in good.stdout


CR = "ab" * 32


@pytest.mark.parametrize("line, problem", [
    (f"CLIENT_RANDOM {CR} {'11' * 47}", "CLIENT_RANDOM secret is 47 bytes, not 48"),
    (f"CLIENT_RANDOM {'ab' * 31} {'11' * 48}", "CLIENT_RANDOM client random is 31 bytes, not 32"),
    (f"CLIENT_RANDOM {CR} zz{'11' * 47}", "CLIENT_RANDOM fields are not hex"),
    (f"SERVER_TRAFFIC_SECRET_0 {CR} {'11' * 31}", "SERVER_TRAFFIC_SECRET_0 secret is 31 bytes, not 32 or 48"),
    (f"RSA {'00' * 7} {'11' * 48}", "RSA encrypted pre-master prefix is 7 bytes, not 8"),
    (f"CLIENT_RANDOM {CR}", "CLIENT_RANDOM takes 2 fields, got 1"),
], ids=["short-master", "short-random", "not-hex", "short-tls13-secret", "short-rsa-prefix", "missing-field"])
def test_keylog_line_with_bad_lengths_is_rejected_with_its_line_number(line, problem):
    # chosen behaviour: a line of a known label that cannot be right is an error (exit 2) naming the line,
    # not a warning-and-skip; lines of unknown labels and free text are still skipped (counted)
    from protolab.errors import BadInput
    from protolab.tls.keylog import parse_keylog

    good = f"# comment\nCLIENT_RANDOM {'cd' * 32} {'22' * 48}\nsomething else\n"
    with pytest.raises(BadInput, match=f"^k.log line 4: {problem}$"):
        parse_keylog(good + line + "\n", "k.log")
    log = parse_keylog(good + f"SERVER_TRAFFIC_SECRET_0 {CR} {'11' * 48}\nFUTURE_LABEL {CR} 1234\n", "k.log")
    assert log.skipped == 1 and len(log.entries) == 3


def test_keylog_short_master_secret_exits_2_not_tampering(cli, shared, tmp_path):
    base = shared("tls/openssl")
    label, random_hex, master = (base / "tls12-ecdhe.keylog").read_text().split("\n")[-2].split()
    (tmp_path / "short.keylog").write_text(f"# one byte short\n{label} {random_hex} {master[:-2]}\n")
    run = cli("tls", "decode", str(base / "tls12-ecdhe.pcap"), "--keylog", str(tmp_path / "short.keylog"))
    _check_one_line_error(run, 2, "short.keylog line 2: CLIENT_RANDOM secret is 47 bytes, not 48")


@pytest.mark.parametrize("args, needle", [
    (("--version", "1.3", "--kx", "rsa"), "TLS 1.3 has no RSA key transport"),
    (("--kx", "rsa", "--suite", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "uses ECDHE key exchange, not RSA"),
    (("--keylog", "/nonexistent/dir/k"), "cannot write /nonexistent/dir/k"),
])
def test_serve_rejects_contradictions_before_listening(cli, args, needle):
    run = cli("tls", "serve", "--port", "0", "--timeout", "5", *args)
    _check_one_line_error(run, 2, needle)
    assert "listening" not in run.stdout + run.stderr


def test_connect_unwritable_keylog_fails_before_connecting(cli):
    # port 1 on 127.0.0.1 refuses: the key log path must be the error, found before any connection attempt
    _check_one_line_error(cli("tls", "connect", "127.0.0.1:1", "--keylog", "/nonexistent/dir/k", "--timeout", "1"), 2,
                    "cannot write /nonexistent/dir/k")


@pytest.mark.parametrize("suite, name, value", [
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", "IV", "the record's whole CBC IV, random per record"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", "explicit nonce", "makes the AEAD nonce"),
])
def test_record_annotation_names_cbc_iv_and_gcm_nonce_apart(suite, name, value):
    from protolab.tls.walk import walk

    result = walk(suite=suite, measure=False)
    spans = [f for s in result.steps if s.kind == "record" for f in s.spans]
    fields = {f.name: str(f.value) for f in spans if f.offset == 5 and f.length in (8, 16)}
    assert name in fields and value in fields[name], fields
    assert not any("part of the nonce" in str(f.value) for f in spans)
    if name == "IV":
        assert any(f.name == "encrypted data + MAC + padding" for f in spans)
