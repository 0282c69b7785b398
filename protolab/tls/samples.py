"""The sample walks shipped in captures/tls/: seeded, so they regenerate byte for byte.

Regenerate them all with one command (from the repository root):

    python -m protolab.tls.samples captures/tls

Each sample is a pcap (Ethernet/IPv4/TCP, one TLS connection) and its NSS key log; Wireshark or
`tshark -r X.pcap -o tls.keylog_file:X.keylog` decrypts it, `protolab tls decode X.pcap --keylog X.keylog`
walks it again.
"""

from __future__ import annotations

import sys
from pathlib import Path

# name -> walk options (all seeded)
SAMPLES: dict[str, dict] = {
    "walk-tls12-rsa": dict(version="1.2", kx="rsa", seed=1),
    "walk-tls12-ecdhe": dict(version="1.2", kx="ecdhe", seed=1),
    "walk-tls13": dict(version="1.3", seed=1),
}


def regenerate(directory: str | Path) -> list[Path]:
    """Write every sample's .pcap and .keylog into `directory`; returns the paths written."""
    from protolab.tls.walk import walk, write_keylog, write_pcap

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, options in SAMPLES.items():
        result = walk(**options, measure=False)
        write_pcap(result, out / f"{name}.pcap")
        write_keylog(result, out / f"{name}.keylog")
        written += [out / f"{name}.pcap", out / f"{name}.keylog"]
    return written


if __name__ == "__main__":  # pragma: no cover - the documented regeneration command
    for path in regenerate(sys.argv[1] if len(sys.argv) > 1 else "captures/tls"):
        print(path)
