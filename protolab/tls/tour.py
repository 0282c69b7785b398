"""The TLS stop of `protolab tour`: one seeded ECDHE walk in memory, summed up in a few lines."""

from __future__ import annotations

from protolab.tourstop import StopReport, TourStop


def run() -> StopReport:
    from protolab.tls.walk import measure_cost, walk

    r = walk(version="1.2", kx="ecdhe", group="x25519", seed=0, measure=False)
    report = StopReport("tls", STOP.title)
    derived = {d.name: d for s in r.steps for d in s.derivations}
    checks = [s for s in r.steps if s.kind == "check"]
    shared = derived.get("(EC)DHE shared secret")
    master = derived.get("master_secret")
    report.lines = [
        f"{r.version} {r.suite} over {r.group}, seed {r.seed}: {len(r.flights)} flights, "
        f"{sum(len(f.data) for f in r.flights)} bytes on the wire",
        "ECDHE: each side sent only a public share; the "
        f"{len(shared.output) if shared else '?'}-byte shared secret was computed on both sides, never sent",
        "public-key (asymmetric): " + ", ".join(f"{c.title} {'✓' if c.ok else '✗'}"
                                                for c in checks if c.crypto == "asymmetric") + " (client checks)",
        f"symmetric: master secret {master.output[:6].hex() if master else '?'}… by the PRF, then "
        + ", ".join(f"{c.title} {'✓' if c.ok else '✗'}" for c in checks if c.crypto == "symmetric"),
        f"application data: {_first_line(r.app_data[0][1])!r} -> {_first_line(r.app_data[1][1])!r}, "
        "both encrypted with AES-128-GCM",
    ]
    cost = measure_cost(budget=0.1)
    report.lines.append(f"measured: one RSA-{cost.rsa_bits} private-key op {cost.rsa_private_op_us:,.0f} µs, "
                        f"AES-GCM {cost.aes_gcm_per_kb_us:.2f} µs/KB: why TLS is hybrid")
    report.lines.append("next: protolab tls walk --kx rsa --pcap w.pcap --keylog w.keys")
    report.ok = r.completed and r.keylogs_agree and all(c.ok for c in checks)
    return report


def _first_line(data: bytes) -> str:
    return data.split(b"\r\n")[0].decode("ascii", "replace")


STOP = TourStop("tls", "TLS: how client and server agree on a key (an ECDHE walk)", run)
