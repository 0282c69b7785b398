"""`tls decode` with key material that does not fit the capture: a TLS 1.3 key log missing one secret decrypts
the rest, a TLS 1.2 key log of another connection is noted, an ephemeral key that matches no key share or a
key log line of the wrong length is one error line and exit 2, never a failed (tampering) check."""

import pytest

from protolab.tls.decode import decode_capture, load_key_material

from .one_line_error import check_one_line_error

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
    check_one_line_error(run, 2, "matches no key share")
    assert str(path) in run.stderr
    # the right key beside it is not enough: every --ephemeral key must belong to the capture
    run = cli("tls", "decode", str(base / "captures/capture.pcap"), "--ephemeral",
              str(base / "files/client-ephemeral-private.key"), "--ephemeral", str(path))
    check_one_line_error(run, 2, "matches no key share")
    good = cli("tls", "decode", str(base / "captures/capture.pcap"), "--ephemeral",
               str(base / "files/server-ephemeral-private.key"))
    assert good.exit_code == 0 and "status: decrypted" in good.stdout


def test_keylog_short_master_secret_exits_2_not_tampering(cli, shared, tmp_path):
    base = shared("tls/openssl")
    label, random_hex, master = (base / "tls12-ecdhe.keylog").read_text().split("\n")[-2].split()
    (tmp_path / "short.keylog").write_text(f"# one byte short\n{label} {random_hex} {master[:-2]}\n")
    run = cli("tls", "decode", str(base / "tls12-ecdhe.pcap"), "--keylog", str(tmp_path / "short.keylog"))
    check_one_line_error(run, 2, "short.keylog line 2: CLIENT_RANDOM secret is 47 bytes, not 48")
