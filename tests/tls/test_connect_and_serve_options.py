"""`tls connect` and `tls serve` options: numbers out of range, contradictions and unwritable key logs are one
error line and exit 2 before anything listens or connects; `--send` text is UTF-8 with byte escapes."""

import pytest

from .one_line_error import check_one_line_error


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
    check_one_line_error(run, 2, needle)
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
    check_one_line_error(run, 2, "--send: bad escape")


def test_send_help_says_utf8_and_escapes(cli):
    out = " ".join(cli("tls", "connect", "--help").stdout.split())
    assert "UTF-8" in out and r"\xHH" in out


@pytest.mark.parametrize("args, needle", [
    (("--version", "1.3", "--kx", "rsa"), "TLS 1.3 has no RSA key transport"),
    (("--kx", "rsa", "--suite", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "uses ECDHE key exchange, not RSA"),
    (("--keylog", "/nonexistent/dir/k"), "cannot write /nonexistent/dir/k"),
])
def test_serve_rejects_contradictions_before_listening(cli, args, needle):
    run = cli("tls", "serve", "--port", "0", "--timeout", "5", *args)
    check_one_line_error(run, 2, needle)
    assert "listening" not in run.stdout + run.stderr


def test_connect_unwritable_keylog_fails_before_connecting(cli):
    # port 1 on 127.0.0.1 refuses: the key log path must be the error, found before any connection attempt
    check_one_line_error(cli("tls", "connect", "127.0.0.1:1", "--keylog", "/nonexistent/dir/k", "--timeout", "1"), 2,
                    "cannot write /nonexistent/dir/k")
