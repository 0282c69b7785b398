"""The outputs that a restructuring must leave byte-identical: seeded runs of every shipped scenario,
the sample captures read by every view, the TLS walks, the HA examples and the tour.

`python tests/golden/golden_cases.py` records them into tests/golden/expected.json;
tests/golden/test_outputs_unchanged.py replays them. Small outputs are kept whole (a failure shows the diff),
large files by SHA-256. Record again only when a change of output is intended, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).with_name("expected.json")
KEEP_WHOLE = 20_000  # outputs up to this many characters are stored as text, larger ones as a digest

SCENARIOS = sorted(p.stem for p in (REPO / "protolab/replication/scenarios").glob("*.toml"))
TOPOLOGIES = sorted(p.stem for p in (REPO / "protolab/ha/topologies").glob("*.toml"))
BEACONS = sorted(str(p.relative_to(REPO)) for p in (REPO / "captures/beacon").glob("*.pcap"))
TLS_WALKS = ("walk-tls12-rsa", "walk-tls12-ecdhe", "walk-tls13")

# Timings measured on the machine (the tour's "ok 0.27 s", "RSA op 333 µs") differ run to run.
_TIMING = re.compile(r"\d[\d,]*(?:\.\d+)?\s?(?:µs|us|ms|s)\b|(?<=\"seconds\": )[\d.e-]+|(?<=_us\": )[\d.e-]+")
# A timing's width moves the padding of the panel it stands in: runs of padding and rules are folded.
_PADDING = re.compile(r" {2,}(?=│)|─{2,}")


def cases() -> list[tuple[str, list[str], list[str]]]:
    """(name, argv, output files the command writes into its working folder)."""
    out: list[tuple[str, list[str], list[str]]] = []
    for s in SCENARIOS:
        out.append((f"run-{s}", ["replicate", "run", s, "--seed", "7"], []))
        out.append((f"run-{s}-json", ["replicate", "run", s, "--seed", "7", "--json", "--svg", "ladder.svg",
                                      "--history", "history.jsonl", "--metrics", "run.om"],
                    ["ladder.svg", "history.jsonl", "run.om"]))
    out.append(("compare", ["replicate", "compare", "async-crash", "--seed", "3"], []))
    out.append(("compare-json", ["replicate", "compare", "channels-compare", "--seed", "3", "--json"], []))
    out.append(("chaos", ["replicate", "chaos", "raft-partition", "--runs", "6", "--seed", "5"], []))
    out.append(("chaos-unsafe", ["replicate", "chaos", "raft-partition", "--runs", "25", "--seed", "1", "--unsafe",
                                 "--json", "--save", "replay.toml", "--svg", "lat.svg", "--metrics", "chaos.om"],
                ["replay.toml", "lat.svg", "chaos.om"]))
    out.append(("scenarios", ["replicate", "scenarios"], []))
    for topic in ("master-slave", "master-master", "raft"):
        out.append((f"explain-{topic}", ["replicate", "explain", topic], []))
    for t in TOPOLOGIES:
        out.append((f"spof-{t}", ["ha", "spof", t, "--json"], []))
    out.append(("spof-view", ["ha", "spof", "web-session-store"], []))
    for strategy in ("sticky", "shared-store", "replicated-store"):
        out.append((f"sessions-{strategy}", ["ha", "sessions", "--strategy", strategy, "--fail", "server-2 at 30s",
                                             "--json"], []))
    out.append(("health", ["ha", "health", "--pause", "n2 at 10s for 4s", "--crash", "n3 at 30s",
                           "--recover", "restart", "--metrics", "health.om"], ["health.om"]))
    out.append(("health-phi", ["ha", "health", "--detector", "phi-accrual", "--json"], []))
    for p in BEACONS:
        stem = Path(p).stem
        out.append((f"dissect-{stem}", ["beacon", "dissect", p, "--json"], []))
        out.append((f"info-{stem}", ["pcap", "info", p, "--json"], []))
    out.append(("dissect-view", ["beacon", "dissect", BEACONS[0], "--frame", "1", "--hex"], []))
    for p in BEACONS[:4]:
        out.append((f"survey-{Path(p).stem}", ["beacon", "survey", p, "--json"], []))
    out.append(("survey-view", ["beacon", "survey", "captures/beacon/train-dtim3.pcap"], []))
    out.append(("build-vht", ["beacon", "build", "--ssid", "lab", "--band", "5", "--channel", "36", "--vht",
                              "--width", "80", "--security", "wpa3-personal", "--count", "3", "-o", "b.pcap"],
                ["b.pcap"]))
    out.append(("build-g", ["beacon", "build", "--band", "2.4", "--rates", "6,9,12,18,24,36,48,54",
                            "--basic-rates", "6,12,24", "--country", "DE", "--country-triplet", "1,13,20",
                            "--wmm-ac", "vo:aifsn=2,cwmin=2,cwmax=3,txop=47", "--json", "-o", "g.pcap"], ["g.pcap"]))
    for topic in ("power-save", "time-sync", "security"):
        out.append((f"beacon-explain-{topic}", ["beacon", "explain", topic], []))
    for w in TLS_WALKS:
        kc = f"captures/tls/{w}"
        out.append((f"decode-{w}", ["tls", "decode", kc + ".pcap", "--keylog", kc + ".keylog", "--json"], []))
        out.append((f"decode-{w}-view", ["tls", "decode", kc + ".pcap", "--keylog", kc + ".keylog"], []))
        out.append((f"pcap-summary-{w}", ["pcap", "summary", kc + ".pcap", "--json"], []))
    for args in (["--kx", "rsa"], ["--kx", "ecdhe", "--no-ems"], ["--version", "1.3"],
                 ["--version", "1.3", "--group", "secp384r1", "--tamper", "finished"]):
        name = "walk" + "".join(a.strip("-") for a in args)
        out.append((name, ["tls", "walk", *args, "--seed", "4", "--pcap", "w.pcap", "--keylog", "w.keylog"],
                    ["w.pcap", "w.keylog"]))
        out.append((name + "-json", ["tls", "walk", *args, "--seed", "4", "--json"], []))
    out.append(("tour", ["tour"], []))
    out.append(("tour-json", ["tour", "--json"], []))
    return out


def _kept(text: str) -> str | dict:
    return text if len(text) <= KEEP_WHOLE else {"sha256": hashlib.sha256(text.encode()).hexdigest(),
                                                 "chars": len(text)}


def _file(path: Path) -> dict:
    data = path.read_bytes() if path.exists() else b""
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def run_case(argv: list[str], files: list[str]) -> dict:
    """Run one command in-process in a fresh folder; its exit code, normalised stdout, and output files."""
    from typer.testing import CliRunner

    from protolab.cli.app import app

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        # Inputs are named relative to the checkout (captures/...), so outputs that show a path are the same in
        # every clone: the working folder links to the checkout's captures.
        os.symlink(REPO / "captures", Path(tmp) / "captures")
        try:
            result = CliRunner().invoke(app, argv, env={"COLUMNS": "120"})
            outputs = {f: _file(Path(tmp) / f) for f in files}
        finally:
            os.chdir(here)
    stdout, stderr = (_PADDING.sub(" ", _TIMING.sub("<t>", text)) for text in (result.stdout, result.stderr))
    return {"exit": result.exit_code, "stdout": _kept(stdout), "stderr": _kept(stderr), "files": outputs}


def record() -> None:
    data = {name: run_case(argv, files) for name, argv, files in cases()}
    EXPECTED.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"recorded {len(data)} cases into {EXPECTED.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    record()
