"""The Step model: what a handshake walk shows, one step at a time.

A Step is one thing that happened at one endpoint: a message sent or received (its exact bytes with field
annotations), a value derived (which secret from which inputs, by which primitive), a check (a signature, a
certificate, a Finished, a record's integrity tag: passed or not), or protected application data. Every step
says WHO did it and, for cryptography, whether the primitive is asymmetric (public-key: slow, authenticates
and protects the key exchange) or symmetric (fast: derives keys and protects the bulk data). The engines
produce steps; the walk/connect/serve drivers collect them; the views and --json render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protolab.annotate import FieldSpan

CLIENT, SERVER, ATTACKER = "client", "server", "attacker"
MESSAGE, DERIVE, CHECK, RECORD, ALERT, NOTE = "message", "derive", "check", "record", "alert", "note"
ASYMMETRIC, SYMMETRIC = "asymmetric", "symmetric"


@dataclass
class Step:
    """One step of a handshake walk, as seen by `who` (see module docstring)."""

    who: str  # client | server | attacker
    kind: str  # message | derive | check | record | alert | note
    title: str
    data: bytes = b""  # the message / record bytes this step is about
    spans: list[FieldSpan] = field(default_factory=list)
    derivations: list = field(default_factory=list)  # protolab.tls.keyschedule.Derivation records
    sent: bool | None = None  # message/record steps: True when `who` sent it, False when received
    protected: bool = False  # the bytes travelled encrypted (shown here as plaintext)
    ok: bool | None = None  # check steps: did it pass
    crypto: str | None = None  # asymmetric | symmetric | None
    detail: str = ""


@dataclass
class KeyRole:
    """A row of the closing table: one key, who knows it, what it protects, and its kind of cryptography."""

    name: str
    known_by: str
    protects: str
    crypto: str
    size: int = 0


@dataclass
class CostMeasure:
    """Measured cost of the two halves of TLS on this machine (why TLS is hybrid)."""

    rsa_private_op_us: float
    aes_gcm_per_kb_us: float
    rsa_bits: int = 2048

    @property
    def ratio(self) -> float:
        return self.rsa_private_op_us / self.aes_gcm_per_kb_us if self.aes_gcm_per_kb_us else 0.0
