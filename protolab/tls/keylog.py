"""NSS key log files (the SSLKEYLOGFILE format Wireshark, OpenSSL, NSS and curl share).

One secret per line: `LABEL <client_random hex> <secret hex>`, except `RSA <first 8 bytes of the encrypted
pre-master hex> <pre-master hex>`. `#` starts a comment. TLS 1.2 logs CLIENT_RANDOM (the master secret);
TLS 1.3 logs the traffic secrets under the labels in TLS13_LABELS. A line of a known label whose fields have
the wrong length (LENGTHS) or are not hex is an error naming the line; other lines are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from protolab.errors import BadInput

CLIENT_RANDOM = "CLIENT_RANDOM"
RSA = "RSA"
TLS13_LABELS = {
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET": "client_handshake_traffic_secret",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET": "server_handshake_traffic_secret",
    "CLIENT_TRAFFIC_SECRET_0": "client_application_traffic_secret",
    "SERVER_TRAFFIC_SECRET_0": "server_application_traffic_secret",
    "EXPORTER_SECRET": "exporter_master_secret",
    "CLIENT_EARLY_TRAFFIC_SECRET": "client_early_traffic_secret",
    "EARLY_EXPORTER_SECRET": "early_exporter_master_secret",
}
# OpenSSL (3.0) logs each secret a KeyUpdate makes, application_traffic_secret_N+1, under these labels
UPDATED_LABELS = {"client": "CLIENT_TRAFFIC_SECRET_N", "server": "SERVER_TRAFFIC_SECRET_N"}
KNOWN_LABELS = {CLIENT_RANDOM, RSA, *TLS13_LABELS, *UPDATED_LABELS.values()}
# label -> (what the second field is, its length; the secret's possible lengths). A TLS 1.3 secret is one hash
# long (SHA-256: 32, SHA-384: 48); the TLS 1.2 master secret and the RSA pre-master secret are 48 bytes.
LENGTHS = {CLIENT_RANDOM: ("client random", 32, (48,)), RSA: ("encrypted pre-master prefix", 8, (48,)),
           **{label: ("client random", 32, (32, 48)) for label in (*TLS13_LABELS, *UPDATED_LABELS.values())}}


@dataclass(frozen=True)
class KeyLogEntry:
    label: str
    key: bytes  # client random (32 bytes), or for RSA the first 8 bytes of the encrypted pre-master
    secret: bytes


@dataclass
class KeyLog:
    """The entries of a key log, searchable by client random (and RSA ciphertext prefix)."""

    entries: list[KeyLogEntry] = field(default_factory=list)
    skipped: int = 0  # lines that did not parse

    def add(self, label: str, key: bytes, secret: bytes) -> None:
        self.entries.append(KeyLogEntry(label, key, secret))

    def secrets_for(self, client_random: bytes) -> dict[str, bytes]:
        """label -> secret of every line for this client random (last one wins)."""
        return {e.label: e.secret for e in self.entries if e.label != RSA and e.key == client_random}

    def master_secret(self, client_random: bytes) -> bytes | None:
        return self.secrets_for(client_random).get(CLIENT_RANDOM)

    def rsa_pre_master(self, encrypted_pre_master: bytes) -> bytes | None:
        """The pre-master secret an `RSA` line gives for this encrypted pre-master."""
        for e in self.entries:
            if e.label == RSA and encrypted_pre_master[:8] == e.key:
                return e.secret
        return None

    def client_randoms(self) -> set[bytes]:
        return {e.key for e in self.entries if e.label != RSA}

    def text(self) -> str:
        """The key log as file text (one line per entry, newline-terminated)."""
        return "".join(f"{e.label} {e.key.hex()} {e.secret.hex()}\n" for e in self.entries)

    def write(self, path: str | Path) -> None:
        from protolab.fileio import write_text

        write_text(path, self.text(), secret=True)


def _check_line(parts: list[str]) -> str | None:
    """What is wrong with a line of a known label (None: nothing)."""
    what, key_len, secret_lens = LENGTHS[parts[0]]
    if len(parts) != 3:
        return f"{parts[0]} takes 2 fields, got {len(parts) - 1}"
    try:
        key, secret = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
    except ValueError:
        return f"{parts[0]} fields are not hex"
    if len(key) != key_len:
        return f"{parts[0]} {what} is {len(key)} bytes, not {key_len}"
    if len(secret) not in secret_lens:
        return f"{parts[0]} secret is {len(secret)} bytes, not {' or '.join(map(str, secret_lens))}"
    return None


def parse_keylog(text: str, source: str = "key log") -> KeyLog:
    """Parse key log text; BadInput when no line parses, or naming the line where a known label's fields are
    malformed (wrong length or not hex: a damaged secret would only make every record look tampered with).
    Lines with other labels or no label are skipped and counted (Wireshark ignores them too)."""
    log = KeyLog()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if parts[0] in LENGTHS:
            problem = _check_line(parts)
            if problem:
                raise BadInput(f"{source} line {number}: {problem}")
        try:
            if len(parts) != 3:
                raise ValueError
            log.add(parts[0], bytes.fromhex(parts[1]), bytes.fromhex(parts[2]))
        except ValueError:
            log.skipped += 1
    if not log.entries:
        raise BadInput(f"{source} has no NSS key log lines (LABEL <client_random hex> <secret hex>)")
    return log


def read_keylog(path: str | Path) -> KeyLog:
    """Read an NSS key log file; BadInput when it is missing, not a regular file, binary or holds no key log
    line."""
    from protolab.fileio import read_bytes

    p = Path(path)
    try:
        text = read_bytes(p, "key log").decode("ascii")
    except UnicodeDecodeError:
        raise BadInput(f"{p} is not an NSS key log (binary data)") from None
    return parse_keylog(text, f"key log {p}")


def tls12_line(client_random: bytes, master: bytes) -> str:
    return f"{CLIENT_RANDOM} {client_random.hex()} {master.hex()}\n"


def tls13_lines(client_random: bytes, secrets: dict[str, bytes]) -> str:
    """Key log lines for TLS 1.3 from {KeySchedule attribute name -> secret}; order as OpenSSL writes them."""
    names = {v: k for k, v in TLS13_LABELS.items()}
    order = ["server_handshake_traffic_secret", "client_handshake_traffic_secret", "exporter_master_secret",
             "server_application_traffic_secret", "client_application_traffic_secret"]
    return "".join(f"{names[n]} {client_random.hex()} {secrets[n].hex()}\n" for n in order if n in secrets)
