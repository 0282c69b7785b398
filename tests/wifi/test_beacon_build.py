"""beacon build: the round-trip matrix (tshark and our dissect), trains, TIM, SSIDs, sample captures, Scapy."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from protolab.errors import BadInput
from protolab.wifi import bss_params as bp
from protolab.wifi.spec import PROFILES, BeaconSpec, resolve

REPO = Path(__file__).resolve().parents[2]

# band, channel, HT, VHT, HE, width: every band x PHY generation combination
COMBOS = [("2.4", 6, False, False, False, 20), ("2.4", 1, True, False, False, 40), ("2.4", 7, True, False, True, 40),
          ("5", 36, False, False, False, 20), ("5", 44, True, False, False, 40), ("5", 100, True, True, False, 80),
          ("5", 149, True, True, True, 80), ("5", 36, True, True, True, 160), ("6", 37, False, False, True, 160),
          ("6", 5, False, False, True, 20)]


def matrix_specs() -> list[BeaconSpec]:
    specs = []
    for i, (band, channel, ht, vht, he, width) in enumerate(COMBOS):
        for j, profile in enumerate(PROFILES):
            k = i * len(PROFILES) + j
            specs.append(resolve(BeaconSpec(
                ssid=f"rt-{k}".encode(), band=band, channel=channel, ht=ht, vht=vht, he=he, width=width,
                security=profile, seed=k, country="DE" if k % 2 else "JP" if k % 5 == 2 else None, rrm=k % 3 == 0,
                bss_transition=k % 4 == 0, **fast_transition(profile, k),
                bss_load=(k, 10, 300) if k % 6 == 0 else None, cf=k % 7 == 0,
                vendor=(bytes.fromhex("001122010203"),) if k % 8 == 1 else (),
                spectrum_mgmt=band != "2.4" and k % 2 == 0, dtim_period=1 + k % 4,
                extra_capabilities=("QoS", "immediate-block-ack") if k % 9 == 0 else (),
                **custom_params(band, k))))
    return specs


def fast_transition(profile: str, k: int) -> dict:
    """Every 5th RSN spec adds FT-PSK to its AKMs and a Mobility Domain element (which goes with an FT AKM)."""
    rsn = PROFILES[profile].rsn_akms
    return dict(mobility_domain=0x100 + k, akm=(*rsn, 4)) if k % 5 == 0 and rsn else {}


def custom_params(band: str, k: int) -> dict:
    """Every 5th spec sets its own rates, country triplets and WMM parameters (the rest use the defaults)."""
    if k % 5 != 2:
        return {}
    rates = (1.0, 2.0, 5.5, 11.0) if band == "2.4" and k % 2 else (6.0, 9.0, 12.0, 18.0, 24.0, 36.0, 48.0, 54.0)
    side = {"secondary": "below"} if k // len(PROFILES) == 2 else {}  # COMBOS[2], channel 7: HT40- for once
    return dict(rates=rates, basic_rates=rates[:1] + rates[2:3], country_triplets=((1, 3, 17), (8, 6, 20)), **side,
                wmm=True, wmm_ac={"vo": {"aifsn": 3, "cwmin": 1, "cwmax": 2, "txop": 30, "acm": 1}, "bk": {"cwmax": 9}})


_MATRIX: dict = {}


@pytest.fixture
def matrix(tmp_path_factory):
    """All specs built once, written as ONE multi-frame pcap (one tshark run for the whole matrix)."""
    if not _MATRIX:
        from protolab.wifi.build import build_train, write_pcap

        specs = matrix_specs()
        frames = [build_train(s)[0] for s in specs]
        path = tmp_path_factory.mktemp("matrix") / "matrix.pcap"
        write_pcap(frames, path)
        _MATRIX.update(specs=specs, frames=frames, path=path)
    return _MATRIX


TSHARK_FIELDS = ["wlan.bssid", "wlan.ssid", "wlan_radio.channel", "wlan_radio.frequency", "wlan.ds.current_channel",
                 "wlan.fixed.beacon", "wlan.fixed.capabilities.privacy", "wlan.tim.dtim_period",
                 "wlan.country_info.code", "wlan.country_info.fnm.fcn", "wlan.country_info.fnm.nc",
                 "wlan.country_info.fnm.mtpl", "wlan.supported_rates", "wlan.extended_supported_rates",
                 "wlan.wfa.ie.wme.acp.aci", "wlan.wfa.ie.wme.acp.aifsn", "wlan.wfa.ie.wme.acp.acm",
                 "wlan.wfa.ie.wme.acp.ecw.min", "wlan.wfa.ie.wme.acp.ecw.max", "wlan.wfa.ie.wme.acp.txop_limit",
                 "radiotap.datarate", "wlan.rsn.gcs.type", "wlan.rsn.pcs.type", "wlan.rsn.akms.type",
                 "wlan.rsn.capabilities.mfpc", "wlan.rsn.capabilities.mfpr", "wlan.wfa.ie.type",
                 "wlan.wfa.ie.wpa.akms.type", "wlan.ht.capabilities", "wlan.vht.capabilities",
                 "wlan.ext_tag.number", "wlan.mobility_domain.mdid", "wlan.ht.info.secchanoffset",
                 "wlan.vht.op.channelwidth", "wlan.vht.op.channelcenter0",
                 "wlan.ext_tag.he_operation.6ghz.primary_channel",
                 "wlan.ext_tag.he_operation.6ghz.control.channel_width", "wlan.extcap.b19", "wlan.tag.number",
                 "_ws.expert.severity", "_ws.expert.message", "_ws.malformed"]


def test_matrix_tshark_agrees_without_errors(matrix, tool):
    cmd = [tool("tshark"), "-r", str(matrix["path"]), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [dict(zip(TSHARK_FIELDS, line.split("\t"), strict=True)) for line in out.splitlines()]
    assert len(rows) == len(matrix["specs"])
    from protolab.wifi.build import secondary_is_above
    from protolab.wifi.channels import center_channel, frequency

    for spec, row in zip(matrix["specs"], rows, strict=True):
        where = f"{spec.ssid.decode()} {spec.band} GHz {spec.security}"
        assert row["_ws.expert.message"] == "" and row["_ws.malformed"] == "", where
        p = spec.profile
        assert row["wlan.bssid"] == spec.bssid and bytes.fromhex(row["wlan.ssid"]) == spec.ssid, where
        assert int(row["wlan_radio.frequency"]) == frequency(spec.band, spec.channel), where
        assert int(row["wlan_radio.channel"]) == spec.channel, where
        assert row["wlan.ds.current_channel"] == ("" if spec.band == "6" else str(spec.channel)), where
        assert int(row["wlan.fixed.beacon"]) == spec.beacon_interval, where
        assert row["wlan.fixed.capabilities.privacy"] == str(int(p.privacy)), where
        assert int(row["wlan.tim.dtim_period"]) == spec.dtim_period, where
        assert row["wlan.country_info.code"] == (spec.country or ""), where
        if spec.country:
            triplets = spec.country_triplets or bp.default_triplets(spec.band, spec.country)
            assert [row[f"wlan.country_info.fnm.{f}"] for f in ("fcn", "nc", "mtpl")] == [
                ",".join(str(t[i]) for t in triplets) for i in range(3)], where
        rates, basic = bp.effective_rates(spec.band, spec.rates, spec.basic_rates)
        shown = [int(x, 0) for x in (row["wlan.supported_rates"] + "," + row["wlan.extended_supported_rates"])
                 .split(",") if x]
        assert shown == bp.rate_codes(rates, basic), where
        assert float(row["radiotap.datarate"]) == min(basic), where
        if spec.wmm:
            wmm = bp.effective_wmm(rates, spec.wmm_ac)
            got = list(zip(*(map(int, row[f"wlan.wfa.ie.wme.acp.{f}"].split(",")) for f in
                             ("aci", "aifsn", "ecw.min", "ecw.max", "txop_limit")), strict=True))
            assert got == [(i, *wmm[ac][:4]) for i, ac in enumerate(bp.AC_NAMES)], where
            assert row["wlan.wfa.ie.wme.acp.acm"].split(",") == [str(wmm[ac][4]) for ac in bp.AC_NAMES], where
        if p.rsn_akms:
            mfp = spec.effective_mfp
            assert (row["wlan.rsn.gcs.type"], row["wlan.rsn.pcs.type"], row["wlan.rsn.akms.type"]) == (
                str(spec.group_cipher), ",".join(map(str, spec.effective_pairwise)),
                ",".join(map(str, spec.rsn_akms))), where
            assert (row["wlan.rsn.capabilities.mfpc"], row["wlan.rsn.capabilities.mfpr"]) == (
                str(int(mfp != "off")), str(int(mfp == "required"))), where
        else:
            assert row["wlan.rsn.akms.type"] == "", where
        assert ("0x01" in row["wlan.wfa.ie.type"].split(",")) == bool(p.wpa_akms), where
        assert bool(row["wlan.ht.capabilities"]) == spec.ht and bool(row["wlan.vht.capabilities"]) == spec.vht
        assert ("35" in row["wlan.ext_tag.number"].split(",")) == spec.he, where
        assert row["wlan.mobility_domain.mdid"] == (f"0x{spec.mobility_domain:04x}" if spec.mobility_domain else "")
        if spec.ht:
            assert row["wlan.ht.info.secchanoffset"] == ("0x00" if spec.width == 20 else
                                                         "0x01" if secondary_is_above(spec) else "0x03"), where
        if spec.vht and spec.width >= 80:
            assert row["wlan.vht.op.channelwidth"] == "1", where
            assert int(row["wlan.vht.op.channelcenter0"]) == center_channel(spec.band, spec.channel, 80), where
        if spec.band == "6":
            assert int(row["wlan.ext_tag.he_operation.6ghz.primary_channel"]) == spec.channel, where
            assert int(row["wlan.ext_tag.he_operation.6ghz.control.channel_width"]) == {20: 0, 40: 1, 80: 2,
                                                                                         160: 3}[spec.width]
        if "127" in row["wlan.tag.number"].split(","):
            assert row["wlan.extcap.b19"] == str(int(spec.bss_transition)), where


def test_matrix_dissects_back_into_the_same_spec(matrix):
    from protolab.wifi.dissect import dissect_file, spec_from_beacon

    result = dissect_file(matrix["path"])
    assert len(result.beacons) == len(matrix["specs"])
    for spec, beacon in zip(matrix["specs"], result.beacons, strict=True):
        assert not beacon.malformed
        back = spec_from_beacon(beacon)
        diff = {f.name: (getattr(spec, f.name), getattr(back, f.name)) for f in dataclasses.fields(spec)
                if f.compare and getattr(spec, f.name) != getattr(back, f.name)}
        assert back == spec, diff
        # every field shown carries one of the six roles
        roles = {f.role for sec in (beacon.radio, beacon.header, beacon.fixed) for f in sec}
        roles |= {f.role for e in beacon.elements for f in e.fields} | {e.role for e in beacon.elements}
        assert roles <= {"discovery", "time sync", "power save", "compatibility", "security", "roaming"}


def test_train_tsf_sequence_dtim_and_times():
    from protolab.wifi.build import build_train
    from protolab.wifi.elements import digest_elements

    spec = BeaconSpec(count=7, dtim_period=3, dtim_count=1, beacon_interval=200, seq_start=4094,
                      buffered_aids=(3, 17), multicast_buffered=True, seed=5)
    train = build_train(spec)
    assert [b.dtim_count for b in train] == [1, 0, 2, 1, 0, 2, 1]
    assert [b.sequence for b in train] == [4094, 4095, 0, 1, 2, 3, 4]
    assert all(b.tsf - a.tsf == 200 * 1024 for a, b in zip(train, train[1:], strict=False))
    assert all(b.timestamp_ns - a.timestamp_ns == 200 * 1024 * 1000 for a, b in zip(train, train[1:], strict=False))
    for b in train:
        frame = b.frame[b.radiotap_len:]
        assert int.from_bytes(frame[24:32], "little") == b.tsf and (frame[22] | frame[23] << 8) >> 4 == b.sequence
        s = digest_elements(frame, 36)
        assert (s["dtim_count"], s["dtim_period"]) == (b.dtim_count, 3)
        tim = frame[frame.index(bytes([5, 6, b.dtim_count, 3])):][:8]
        assert tim[4] & 1 == (b.dtim_count == 0)  # multicast bit on DTIM beacons only
        assert tim[5:] == bytes([0b1000, 0, 0b10])  # AIDs 3 and 17 in the partial virtual bitmap
    assert build_train(spec)[3].frame == train[3].frame  # seeded: same bytes again


def test_tim_bitmap_offsets():
    from protolab.wifi.build import tim_bitmap

    assert tim_bitmap(()) == (0, b"\x00")
    assert tim_bitmap((1,)) == (0, b"\x02")
    offset, bitmap = tim_bitmap((130, 131, 200))  # N1 = 16 (even), N2 = 25
    assert offset == 8 and len(bitmap) == 10 and bitmap[0] == 0b1100 and bitmap[-1] == 1


def test_ssid_any_bytes_and_hidden():
    from protolab.wifi.build import build_train
    from protolab.wifi.elements import digest_elements

    def ssid_of(spec):
        b = build_train(spec)[0]
        return digest_elements(b.frame[b.radiotap_len:], 36)["ssid"]

    assert ssid_of(BeaconSpec(ssid=bytes.fromhex("b2e2cad4"))) == bytes.fromhex("b2e2cad4")
    assert ssid_of(BeaconSpec(ssid=b"secret", hidden="empty")) == b""
    assert ssid_of(BeaconSpec(ssid=b"secret", hidden="zeros")) == b"\x00" * 6
    with pytest.raises(BadInput, match="at most 32"):
        resolve(BeaconSpec(ssid=b"x" * 33))


def test_sample_captures_regenerate_byte_identical(tmp_path):
    from protolab.wifi.samples import write_samples

    shipped = REPO / "captures" / "beacon"
    written = write_samples(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in shipped.glob("*.pcap"))
    for path in written:
        assert path.read_bytes() == (shipped / path.name).read_bytes(), path.name


def test_power_save_timeline_shows_the_tims_build_sends():
    from protolab.wifi.build import build_one
    from protolab.wifi.explain import power_save

    steps = power_save().timeline
    assert [s.dtim_count for s in steps] == [0, 2, 1] * 3 + [0]
    for step in steps:
        spec = resolve(BeaconSpec(dtim_period=3, buffered_aids=(5,) if step.station_bit else (), seed=1))
        assert bytes.fromhex(step.tim_element) in build_one(spec, step.dtim_count, step.multicast), step


def test_our_scapy_layers_keep_scapy_working():
    """layers.py changes Scapy's dispatch for everyone in the process: Scapy's own beacons must still build
    as beacons, and pkt[Dot11Beacon] / network_stats() must still work on dissected ones."""
    from scapy.layers.dot11 import Dot11, Dot11Beacon, Dot11Elt, RadioTap

    import protolab.wifi.layers  # noqa: F401
    from protolab.wifi.build import build_train

    own = bytes(Dot11(addr1="ff:ff:ff:ff:ff:ff") / Dot11Beacon() / Dot11Elt(ID=0, info=b"x"))
    assert own[0] == 0x80  # type 0 subtype 8
    pkt = RadioTap(build_train(BeaconSpec(ssid=b"scapy", security="wpa3-transition", country="NZ"))[0].frame)
    assert pkt.haslayer(Dot11Beacon) and "radio-measurement" not in str(pkt[Dot11Beacon].cap)
    stats = pkt[Dot11Beacon].network_stats()
    assert (stats["ssid"], stats["channel"], stats["country"], stats["crypto"]) == (
        "scapy", 6, "NZ", {"WPA3-transition/PSK"})
