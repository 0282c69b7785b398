"""survey's fast paths against the slow, obvious ones: radiotap layouts compiled per present chain vs
parse_radiotap on every header, and digests cached/templated per AP vs a fresh element walk per beacon,
on a capture recorded the way a monitor-mode receiver writes it (TSFT and signal change every frame)."""

from __future__ import annotations

import random
import struct
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from protolab.capture.linklayer import locate
from protolab.capture.radiotap import parse_radiotap
from protolab.wifi.radiofast import Radio, RadioLayouts

# iwlwifi's chain: TSFT flags rate channel signal rx-flags | signal antenna | signal antenna
RX_FORMAT = "<BBH3IQBBHHbxHbBbB"


def rx_header(tsft: int, freq: int, signal: int, flags: int = 0x10) -> bytes:
    return struct.pack(RX_FORMAT, 0, 0, struct.calcsize(RX_FORMAT), 0xA000402F, 0xA0000820, 0x820, tsft, flags, 12,
                       freq, 0x140, signal, 0, signal - 1, 0, signal - 2, 1)


def test_layout_reads_what_parse_radiotap_reads_on_every_frame():
    layouts = RadioLayouts()
    for i, signal in enumerate((-40, -41, -90, -7)):
        data = rx_header(10**9 + i * 102400, 5180, signal, flags=0x10 if i % 2 else 0) + b"\x80\x00"
        length, radio = layouts.read(data)
        assert (length, radio) == (38, Radio.of(parse_radiotap(data)))
        assert radio == Radio(5180, "5 GHz", 36, signal, bool(i % 2))
    assert len(layouts.layouts) == 1  # one chain, one compiled layout, whatever the TSFT and signal


# Present words made of known fields, unknown ones, namespace and vendor bits: the layout must agree with
# parse_radiotap, or step aside (None) for locate: for broken headers and vendor namespaces only.
WORD_BITS = st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 11, 14, 18, 19, 21, 22, 27, 28, 29, 30]), max_size=8)


@settings(max_examples=120, deadline=None)
@given(words=st.lists(WORD_BITS, min_size=1, max_size=3), data=st.binary(min_size=0, max_size=60),
       cut=st.integers(0, 100))
def test_layout_agrees_with_parse_radiotap(words, data, cut):
    present = [sum(1 << b for b in set(bits)) | (1 << 31 if i + 1 < len(words) else 0)
               for i, bits in enumerate(words)]
    body = struct.pack(f"<{len(present)}I", *present) + data
    length = min(4 + len(body), 8 + cut)
    record = struct.pack("<BBH", 0, 0, length) + body
    fast = RadioLayouts().read(record)
    slow = locate(127, record)
    if fast is not None:  # None: survey asks locate for this record
        assert slow.kind == "802.11" and fast == (slow.offset, Radio.of(slow.radiotap))
    elif slow.kind == "802.11" and slow.radiotap.complete:
        assert any(w & (1 << 30) and w & (1 << 31) for w in present)  # only vendor namespaces step aside


def _receiver_capture(path, seed: int = 3):
    """Two APs recorded by a receiver: TSFT advancing, signal varying per frame, real FCS, one AP with a
    BSS load that changes per beacon and buffered traffic that changes its TIM."""
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.build import build_train
    from protolab.wifi.dissect import split_elements
    from protolab.wifi.spec import BeaconSpec

    rng = random.Random(seed)
    trains = [build_train(BeaconSpec(ssid=b"busy", band="5", channel=36, bss_load=(1, 1, 1), dtim_period=3, count=30,
                                     buffered_aids=aids, seed=1)) for aids in [(), (1,), (2, 9), (40,)]]
    busy = [rng.choice(trains)[i] for i in range(30)]
    quiet = build_train(BeaconSpec(ssid=b"quiet", band="5", channel=36, count=30, seed=2))
    signals: dict[str, list[int]] = {"busy": [], "quiet": []}
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as w:
        for i in range(30):
            for name, b in (("busy", busy[i]), ("quiet", quiet[i])):
                frame = bytearray(b.frame[b.radiotap_len:])
                load = next((o for o, eid, _, _ in split_elements(bytes(frame)) if eid == 11), None)
                if load is not None:
                    struct.pack_into("<HB", frame, load + 2, rng.randrange(50), rng.randrange(256))
                signal = rng.randrange(-90, -20)
                signals[name].append(signal)
                w.write(rx_header(rng.randrange(2**40), 5180, signal) + frame + zlib.crc32(frame).to_bytes(4, "little"),
                        b.timestamp_ns + (5_000_000 if name == "quiet" else 0))
    return signals


def test_survey_on_a_receiver_capture_matches_a_fresh_walk(tmp_path):
    from protolab.capture.reader import open_capture
    from protolab.wifi.elements import digest_elements
    from protolab.wifi.survey import survey_file

    path = tmp_path / "rx.pcap"
    signals = _receiver_capture(path)
    result = survey_file(path, each=True)
    assert result.beacons == 60
    with open_capture(path) as cap:
        records = list(cap)
    assert len({r.data[:38] for r in records}) == 60  # no two radiotap headers alike
    for record, row in zip(records, result.rows, strict=True):
        frame = record.data[38:-4]
        truth = digest_elements(frame, 36)
        assert (row.dtim_count, row.dtim_period, row.elements, row.ssid) == (
            truth["dtim_count"], truth["dtim_period"], truth["ids"], truth["ssid"].hex())
        assert row.signal_dbm == parse_radiotap(record.data).signal_dbm
    nets = {n.ssid: n for n in result.networks}
    for name, values in signals.items():
        net = nets[name]
        assert (net.beacons, net.signal_min, net.signal_max) == (30, min(values), max(values))
        assert net.signal_avg == round(sum(values) / len(values), 1) and net.measured_tu == 100.0
    bodies = {r.data[38 + 36:-4] for r in records if r.data[38 + 24 + 12 + 2:][:4] == b"busy"}
    assert len(bodies) == 30  # the busy AP's body changed on every beacon


def test_phy_from_the_newest_capability_element():
    from protolab.wifi.build import build_train
    from protolab.wifi.elements import digest_elements
    from protolab.wifi.spec import BeaconSpec
    from protolab.wifi.survey import phy_and_width

    b = build_train(BeaconSpec(band="5", channel=36, vht=True, he=True, width=80))[0]
    frame = b.frame[b.radiotap_len:]
    assert phy_and_width(digest_elements(frame, 36), "5 GHz") == ("ax", 80)
    eht = frame + bytes([255, 3, 108, 0, 0])  # an EHT Capabilities element (extension 108): Wi-Fi 7
    assert phy_and_width(digest_elements(eht, 36), "5 GHz") == ("be", 80)
