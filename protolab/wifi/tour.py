"""The beacon lab's tour stop: build a small beacon train, dissect one beacon, say what it showed."""

from __future__ import annotations

from protolab.tourstop import StopReport, TourStop


def run() -> StopReport:
    from protolab.capture.linklayer import locate
    from protolab.wifi.build import build_train
    from protolab.wifi.dissect import dissect_frame, spec_from_beacon
    from protolab.wifi.spec import BeaconSpec, resolve

    spec = resolve(BeaconSpec(ssid=b"protolab-tour", band="5", channel=36, width=80, vht=True,
                              security="wpa3-transition", dtim_period=3, count=4, buffered_aids=(7,),
                              multicast_buffered=True, rrm=True, bss_transition=True, seed=3))
    train = build_train(spec)
    chosen = train[3]  # a DTIM beacon: DTIM count 0 (the counts run 0, 2, 1, 0)
    loc = locate(127, chosen.frame)
    beacon = dissect_frame(chosen.frame[loc.offset:], 4, chosen.timestamp_ns, loc.radiotap)
    tim = beacon.element(5)
    rsn = beacon.element(48)
    roles: dict[str, int] = {}
    for e in beacon.elements:
        roles[e.role] = roles.get(e.role, 0) + 1
    back = spec_from_beacon(beacon)
    lines = [
        f"built {len(train)} beacons of '{spec.ssid.decode()}' ({spec.bssid}), 5 GHz ch 36/80 MHz, "
        f"TSF +{spec.beacon_interval * 1024} us each",
        f"beacon 4 (DTIM count {tim.get('dtim_count')} of {tim.get('dtim_period')}): multicast bit "
        f"{tim.get('multicast')}, partial virtual bitmap {tim.get('partial_virtual_bitmap')}: buffered AIDs "
        f"{tim.get('buffered AIDs')}",
        f"RSN: AKMs {[a['suite'] for a in rsn.get('akm_suites')]} (2 = PSK, 8 = SAE), MFP capable "
        f"{rsn.get('mfp_capable')}, required {rsn.get('mfp_required')}: WPA3 transition mode",
        f"{len(beacon.elements)} elements by role: " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())),
        "dissecting it gives back the spec it was built from: " + ("yes" if back == spec else "NO"),
    ]
    return StopReport("beacon", "802.11 beacons: what an AP announces", lines,
                      ok=back == spec and tim.get("dtim_count") == 0 and tim.get("multicast") == 1
                      and tim.get("buffered AIDs") == [7])


STOP = TourStop("beacon", "802.11 beacons: what an AP announces", run)
