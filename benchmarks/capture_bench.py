"""Capture reading speed and memory: `protolab pcap info` vs `capinfos -c`, reader frames/s, peak RSS.

Generates (seeded, deterministic) a 200,000-frame and a 1,000,000-frame radiotap beacon capture in a
temporary directory, then prints in one run:
  - wall time of `protolab pcap info FILE` and of `capinfos -c FILE` (median of --repeat runs, 5 by
    default, the commands taking turns), and the ratio (target: <= 3x capinfos); and pcap info less its
    start-up on a 1-frame file (interpreter, Typer, imports), to tell the walk from the start-up;
  - frames per second of the reader alone (Packet objects) and of the header-only fast path (tally);
  - peak RSS of `protolab pcap info` and `protolab pcap summary` on each file (target: < 100 MiB, and
    nearly equal for 200k and 1M frames: memory does not grow with the file).

Usage: python benchmarks/capture_bench.py [--frames 200000 1000000] [--repeat 5] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from protolab.capture.reader import open_capture
from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter

CHANNELS_24 = [1, 6, 11]
RATES = b"\x01\x08\x82\x84\x8b\x96\x0c\x12\x18\x24"


def beacon_frames(count: int, seed: int):
    """(frame, timestamp_ns) of `count` beacons from 40 seeded access points, 102.4 ms apart per AP.

    SSID lengths differ between APs and the TIM element's length changes from beacon to beacon, so the
    records vary in length as in a real capture (no reader can coast on a fixed record size)."""
    rng = random.Random(seed)
    aps = []
    for i in range(40):
        bssid = bytes([0x02, rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256), i])
        ssid = f"lab-{rng.randrange(10**6):06d}".encode()[:rng.randrange(4, 11)] + b"x" * rng.randrange(0, 22)
        channel = rng.choice(CHANNELS_24)
        aps.append((bssid, ssid, channel, rng.randrange(-90, -30)))
    start_ns = 1_700_000_000_000_000_000
    for n in range(count):
        bssid, ssid, channel, signal = aps[n % len(aps)]
        freq = 2407 + 5 * channel
        # radiotap: present = flags | rate | channel | dbm_antsignal; 8 + 1 + 1 + 4 + 1 = 15 -> 16 with pad
        radiotap = struct.pack("<BBHIBBHHb", 0, 0, 16, 0x2E, 0, 2, freq, 0x00A0,
                               signal + rng.randrange(-3, 4)) + b"\0"
        seq = (n // len(aps)) & 0xFFF
        header = struct.pack("<HH6s6s6sH", 0x0080, 0, b"\xff" * 6, bssid, bssid, seq << 4)
        body = struct.pack("<QHH", n * 102400, 100, 0x0431)
        body += bytes([0, len(ssid)]) + ssid + bytes([1, len(RATES[:8])]) + RATES[:8]
        # TIM: the partial virtual bitmap grows when stations have traffic buffered (varies per beacon)
        bitmap = bytes(rng.randrange(1, 4))
        body += bytes([3, 1, channel, 5, 3 + len(bitmap), n % 3, 3, 0]) + bitmap
        yield radiotap + header + body, start_ns + n * 2_560_000 + rng.randrange(1000) * 1000


def make_capture(path: Path, frames: int, seed: int) -> None:
    with open(path, "wb") as f, PcapWriter(f, linktype=LINKTYPE_RADIOTAP) as w:
        for frame, ts in beacon_frames(frames, seed):
            w.write(frame, ts)


def run_measured(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return elapsed, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def interleaved_times(cmds: list[list[str]], repeat: int) -> list[list[float]]:
    """Wall times of `repeat` rounds, each running every command once in turn: on a shared machine a burst
    of load then hits all of them alike, so their medians and their per-round differences compare."""
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            times[i].append(run_measured(cmd)[0])
    return times


def reader_rates(path: Path) -> tuple[float, float]:
    started = time.perf_counter()
    with open_capture(path) as cap:
        n = sum(1 for _ in cap)
    packets_rate = n / (time.perf_counter() - started)
    started = time.perf_counter()
    with open_capture(path) as cap:
        n = cap.tally().packets
    tally_rate = n / (time.perf_counter() - started)
    return packets_rate, tally_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the captures here and keep them")
    parser.add_argument("--no-summary", action="store_true", help="skip the (slower) pcap summary RSS runs")
    args = parser.parse_args()
    capinfos = shutil.which("capinfos")
    protolab = [sys.executable, "-m", "protolab"]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="capture_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        tiny = workdir / "beacons_1.pcap"
        make_capture(tiny, 1, args.seed)
        start = protolab + ["pcap", "info", str(tiny)]
        if capinfos:
            ours_start, theirs_start = map(statistics.median,
                                           interleaved_times([start, [capinfos, "-c", str(tiny)]], args.repeat))
        else:
            ours_start, theirs_start = statistics.median(interleaved_times([start], args.repeat)[0]), None
        print(f"start-up (a 1-frame file): pcap info {ours_start:.3f} s, capinfos -c "
              + (f"{theirs_start:.3f} s" if theirs_start else "n/a"), flush=True)
        for frames in args.frames:
            path = workdir / f"beacons_{frames}.pcap"
            started = time.perf_counter()
            make_capture(path, frames, args.seed)
            made = time.perf_counter() - started
            size = path.stat().st_size
            print(f"{path.name}: {frames:,} frames, {size / 2**20:.1f} MiB (generated in {made:.1f} s)", flush=True)
            cmds = [protolab + ["pcap", "info", str(path)], start] + ([[capinfos, "-c", str(path)]] if capinfos else [])
            times = interleaved_times(cmds, args.repeat)
            ours = statistics.median(times[0])
            theirs = statistics.median(times[2]) if capinfos else None
            walk = statistics.median(big - small for big, small in zip(times[0], times[1], strict=True))
            _, info_rss = run_measured(protolab + ["pcap", "info", str(path)])
            summary_rss = summary_time = None
            if not args.no_summary:
                summary_time, summary_rss = run_measured(protolab + ["pcap", "summary", str(path)])
            packets_rate, tally_rate = reader_rates(path)
            row = dict(frames=frames, ours=ours, theirs=theirs, info_rss=info_rss, summary_rss=summary_rss,
                       summary_time=summary_time, packets_rate=packets_rate, tally_rate=tally_rate)
            rows.append(row)
            ratio = f"{ours / theirs:.2f}x" if theirs else "n/a (capinfos missing)"
            theirs_s = f"{theirs:.3f} s" if theirs else "n/a"
            print(f"  pcap info {ours:.3f} s   capinfos -c {theirs_s}   ratio {ratio} (target <= 3x)")
            if theirs:   # what the walk itself costs: the time over a 1-frame file's (interpreter, Typer, imports)
                print(f"  pcap info less its start-up (median of the per-round differences) {walk:.3f} s "
                      f"({walk / theirs:.2f}x capinfos -c)")
            print(f"  reader: {packets_rate:,.0f} packets/s (Packet objects), {tally_rate:,.0f} records/s (fast path)")
            line = f"  peak RSS: pcap info {info_rss / 2**20:.1f} MiB"
            if summary_rss:
                line += f", pcap summary {summary_rss / 2**20:.1f} MiB ({summary_time:.1f} s)"
            print(line + " (target < 100 MiB)", flush=True)
        if len(rows) >= 2:
            small, big = rows[0], rows[-1]
            print(f"RSS growth {small['frames']:,} -> {big['frames']:,} frames: pcap info "
                  f"{(big['info_rss'] - small['info_rss']) / 2**20:+.1f} MiB"
                  + (f", pcap summary {(big['summary_rss'] - small['summary_rss']) / 2**20:+.1f} MiB"
                     if big["summary_rss"] else ""))
        ok = all((r["theirs"] is None or r["ours"] <= 3 * r["theirs"]) and r["info_rss"] < 100 * 2**20
                 and (r["summary_rss"] is None or r["summary_rss"] < 100 * 2**20) for r in rows)
        print("targets met" if ok else "targets NOT met")
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
