"""Speed of `protolab beacon survey` against `tshark -T fields` on a seeded 200,000-beacon capture.

Usage: python benchmarks/beacon_bench.py [--beacons 200000] [--seed 7] [--keep]
Writes the capture into a temporary directory (40 APs, every security profile, 2.4/5/6 GHz, RSN + HT
elements; recorded as a monitor-mode receiver does: radiotap TSFT advancing and signal changing with every
frame, FCS at the end, BSS load values changing), then runs both tools as subprocesses on it and prints frames/s,
the ratio (target: survey >= 10x tshark) and survey's peak RSS (target: < 100 MiB).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

# The fields of ../shared/wifi/README.md (the ground-truth TSVs).
TSHARK_FIELDS = ("frame.number frame.time_epoch wlan.fc.type_subtype wlan.bssid wlan.ssid wlan.ds.current_channel "
                 "wlan_radio.channel wlan_radio.frequency wlan_radio.signal_dbm wlan.fixed.timestamp wlan.fixed.beacon "
                 "wlan.fixed.capabilities wlan.fixed.capabilities.ess wlan.fixed.capabilities.privacy "
                 "wlan.fixed.capabilities.short_slot_time wlan.supported_rates wlan.extended_supported_rates "
                 "wlan.tim.dtim_count wlan.tim.dtim_period wlan.country_info.code wlan.rsn.version wlan.rsn.gcs.type "
                 "wlan.rsn.pcs.type wlan.rsn.akms.type wlan.rsn.capabilities.mfpc wlan.rsn.capabilities.mfpr "
                 "wlan.wfa.ie.type wlan.wfa.ie.wpa.ucs.type wlan.wfa.ie.wpa.akms.type wlan.ht.capabilities "
                 "wlan.ht.info.primarychannel wlan.ht.info.secchanoffset wlan.vht.capabilities "
                 "wlan.vht.op.channelwidth wlan.vht.op.channelcenter0 wlan.mobility_domain.mdid wlan.tag.number "
                 "wlan.ext_tag.number _ws.malformed").split()


# A receiver's radiotap header as iwlwifi writes it in monitor mode: three present words (the second and
# third restart the radiotap namespace for the per-antenna signal), TSFT = the receiver's clock in us,
# flags with the FCS bit (the 4 FCS bytes follow the frame), rate, channel, combined signal, RX flags,
# then signal + antenna index per chain. TSFT and every signal byte change from one frame to the next.
RT_PRESENT = (0xA000402F, 0xA0000820, 0x00000820)
RT_FORMAT = "<BBH3IQBBHHbxHbBbB"
RT_LEN = struct.calcsize(RT_FORMAT)  # 38
CHANNEL_FLAGS = {"2.4": 0x00A0, "5": 0x0140, "6": 0x0140}


def receiver_radiotap(tsft: int, rate_500k: int, freq: int, band: str, signal: int, chains: tuple[int, int]) -> bytes:
    return struct.pack(RT_FORMAT, 0, 0, RT_LEN, *RT_PRESENT, tsft, 0x10, rate_500k, freq, CHANNEL_FLAGS[band],
                       signal, 0, chains[0], 0, chains[1], 1)


def make_capture(path: Path, beacons: int, seed: int, aps: int = 40) -> None:
    """`beacons` beacons from `aps` APs as a monitor-mode receiver records them: per frame the TSFT
    advances with the receive time, the signal (combined and per chain) wanders, the FCS is real, and the
    APs that carry a BSS load element update its station count and channel utilisation as real APs do."""
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.build import build_one, iter_train
    from protolab.wifi.channels import frequency
    from protolab.wifi.dissect import split_elements
    from protolab.wifi.spec import PROFILES, BeaconSpec, resolve

    rng = random.Random(seed)
    plans = [("2.4", 1, False, False), ("2.4", 6, False, True), ("2.4", 11, False, False), ("5", 36, True, False),
             ("5", 100, True, True), ("5", 149, True, False), ("6", 37, False, True)]
    trains, radios, load_at = [], [], []
    per_ap = -(-beacons // aps)
    for a in range(aps):
        band, channel, vht, he = plans[a % len(plans)]
        security = list(PROFILES)[a % len(PROFILES)]
        if security in ("open", "wep") and a % 3:
            security = "wpa2-personal"  # keep most beacons RSN-carrying, as the issue asks
        spec = BeaconSpec(ssid=f"bench-{a:02d}".encode(), band=band, channel=channel, ht=band != "6", vht=vht,
                          he=he, width=80 if vht else 20, security=security, dtim_period=1 + a % 3,
                          country="DE" if a % 2 else None, rrm=a % 4 == 0, bss_transition=a % 5 == 0,
                          mobility_domain=0x1000 + a if a % 6 == 0 else None, seed=seed * 1000 + a, count=per_ap,
                          bss_load=(3, 40, 0) if a % 4 == 1 else None, buffered_aids=(1 + a % 7,))
        trains.append(iter_train(spec))
        first = build_one(resolve(spec), 0, False)
        load_at.append(next((o for o, eid, _, _ in split_elements(first[first[2]:]) if eid == 11), 0))
        radios.append((frequency(band, channel), band, 2 if band == "2.4" else 12, rng.randrange(-85, -30)))
    order = sorted(range(aps), key=lambda a: rng.random())  # offsets within the beacon interval
    rx_clock_start = rng.randrange(10**9, 10**10)  # the receiver's TSF when the capture starts (us)
    first_ns = None
    written = 0
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as writer:
        for _ in range(per_ap):
            for slot, a in enumerate(order):
                if written == beacons:
                    return
                beacon = next(trains[a])
                frame = bytearray(beacon.frame[beacon.radiotap_len:])
                if load_at[a]:  # stations and utilisation of a live AP
                    struct.pack_into("<HB", frame, load_at[a] + 2, rng.randrange(0, 30), rng.randrange(0, 256))
                t = beacon.timestamp_ns + slot * 2_000_000 + rng.randrange(0, 50_000)
                first_ns = t if first_ns is None else first_ns
                freq, band, rate, mean = radios[a]
                signal = mean + rng.randrange(-6, 7)
                chains = (signal - rng.randrange(0, 4), signal - rng.randrange(0, 4))
                header = receiver_radiotap(rx_clock_start + (t - first_ns) // 1000, rate, freq, band, signal, chains)
                writer.write(header + frame + zlib.crc32(frame).to_bytes(4, "little"), t)
                written += 1


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib if peak_kib > before else before, proc.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beacons", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the temporary capture and print its path")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="beacon-bench-"))
    try:
        cap = tmp / "beacons.pcap"
        t = time.perf_counter()
        make_capture(cap, args.beacons, args.seed)
        print(f"capture: {args.beacons} beacons, {cap.stat().st_size / 2**20:.1f} MiB, "
              f"made in {time.perf_counter() - t:.1f} s")
        survey_s, survey_rss, out = timed([sys.executable, "-m", "protolab", "beacon", "survey", str(cap), "--json"])
        import json
        networks = json.loads(out)["networks"]
        print(f"protolab beacon survey: {survey_s:.2f} s, {args.beacons / survey_s:,.0f} frames/s, "
              f"{len(networks)} networks, peak RSS {survey_rss / 1024:.1f} MiB")
        tshark = shutil.which("tshark")
        if tshark is None:
            print("tshark not installed: no comparison")
            return 0
        cmd = [tshark, "-r", str(cap), "-Y", "wlan.fc.type_subtype==8", "-T", "fields", "-E", "separator=/t",
               "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in TSHARK_FIELDS:
            cmd += ["-e", f]
        tshark_s, _, out = timed(cmd)
        rows = out.count(b"\n")
        print(f"tshark -T fields:       {tshark_s:.2f} s, {rows / tshark_s:,.0f} frames/s ({rows} rows)")
        ratio = (args.beacons / survey_s) / (rows / tshark_s)
        print(f"ratio: survey is {ratio:.1f}x tshark (target >= 10x); survey peak RSS "
              f"{survey_rss / 1024:.1f} MiB (target < 100 MiB)")
        return 0
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
