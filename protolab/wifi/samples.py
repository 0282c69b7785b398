"""The sample captures shipped in captures/beacon/, made by `beacon build`'s code from fixed specs.

Regenerate them (byte-identical: every input is fixed or seeded):

    python -m protolab.wifi.samples captures/beacon
"""

from __future__ import annotations

import sys
from pathlib import Path

from protolab.wifi.build import build_train, write_pcap
from protolab.wifi.spec import PROFILES, BeaconSpec


def sample_specs() -> dict[str, BeaconSpec]:
    specs = {f"profile-{name}.pcap": BeaconSpec(ssid=f"lab-{name}".encode(), band="2.4", channel=6, security=name,
                                                country="US", seed=10 + i, count=3)
             for i, name in enumerate(PROFILES)}
    specs["band-2.4ghz-ht40.pcap"] = BeaconSpec(ssid=b"lab-2g", band="2.4", channel=1, width=40, he=True,
                                                security="wpa3-transition", rrm=True, bss_transition=True, seed=20)
    specs["band-5ghz-vht80.pcap"] = BeaconSpec(ssid=b"lab-5g", band="5", channel=100, width=80, vht=True,
                                               security="wpa2-enterprise", akm=(1, 3), country="DE",
                                               spectrum_mgmt=True, power_constraint=3, mobility_domain=0xA1B2,
                                               seed=21)  # WPA-EAP FT-EAP: the MDE goes with an FT AKM
    specs["band-6ghz-he160.pcap"] = BeaconSpec(ssid=b"lab-6g", band="6", channel=37, width=160, he=True,
                                               security="wpa3-personal", seed=22)
    specs["train-dtim3.pcap"] = BeaconSpec(ssid=b"lab-train", band="2.4", channel=11, dtim_period=3, count=12,
                                           buffered_aids=(1, 5, 12), multicast_buffered=True, uapsd=True,
                                           bss_load=(3, 40, 12000), seed=23)
    specs["hidden-and-gbk-ssid.pcap"] = BeaconSpec(ssid=bytes.fromhex("b2e2cad4"), security="wep", ht=False,
                                                   wmm=False, cf=True, seed=24)
    specs["g-only-custom-wmm.pcap"] = BeaconSpec(ssid=b"lab-g-voice", band="2.4", channel=1, country="DE",
                                                 rates=(6, 9, 12, 18, 24, 36, 48, 54), basic_rates=(6, 12, 24),
                                                 country_triplets=((1, 13, 20),),
                                                 wmm_ac={"vo": {"aifsn": 2, "cwmin": 2, "cwmax": 3, "txop": 47,
                                                                "acm": 1}, "be": {"cwmax": 6}}, seed=25)
    return specs


def write_samples(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in sample_specs().items():
        path = directory / name
        write_pcap(build_train(spec), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "captures/beacon")):
        print(p)
