"""`protolab tls`: commands of the TLS handshake lab."""

from protolab.cli.common import group

app = group(
    "How client and server agree on a session key (RSA vs ECDHE), and what public-key and "
         "symmetric cryptography each do."
)
