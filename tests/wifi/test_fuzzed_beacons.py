"""Hypothesis: mutated and truncated beacons never crash dissect or survey, and fields decoded before a
broken element are never overwritten."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protolab.wifi.build import build_train
from protolab.wifi.dissect import split_elements
from protolab.wifi.spec import BeaconSpec

BASE = build_train(BeaconSpec(ssid=b"fuzz", band="5", channel=36, vht=True, he=True, width=80,
                              security="wpa3-transition", akm=(2, 8, 4), country="US", rrm=True, mobility_domain=0x1234,
                              bss_load=(1, 2, 3), cf=True, buffered_aids=(4,), seed=9))[0]
RT = BASE.radiotap_len
FRAME = BASE.frame[RT:]
BOUNDARIES = [36] + [o + 2 + n for o, _, n, _ in split_elements(FRAME)]  # where each element ends

mutations = st.lists(st.tuples(st.integers(0, len(FRAME) - 1), st.integers(0, 255)), max_size=8)


def mutate(edits, cut: int) -> bytes:
    frame = bytearray(FRAME)
    for pos, value in edits:
        frame[pos] = value
    return bytes(frame[:cut])


def survey_bytes(frames: list[bytes]):
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.survey import survey_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pcap"
        with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as w:
            for i, f in enumerate(frames):
                w.write(BASE.frame[:RT] + f, i * 1000)
        return survey_file(path, each=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=mutations, cut=st.integers(0, len(FRAME)))
def test_mutated_beacons_never_crash(edits, cut):
    from protolab.wifi.dissect import dissect_frame

    frame = mutate(edits, cut)
    beacon = dissect_frame(frame)
    survey = survey_bytes([frame, FRAME])
    if len(frame) >= 2 and frame[0] == 0x80:
        assert survey.beacons == 2 and len(survey.rows) == 2
    if 36 <= cut < len(FRAME) and not edits:
        # a clean cut: at an element boundary the beacon is fine, inside an element that one is malformed
        inside = cut not in BOUNDARIES
        assert beacon.malformed == inside and survey.rows[0].malformed == inside
        assert len(beacon.elements) == sum(b <= cut for b in BOUNDARIES) - 1 + inside
        ssid = beacon.element(0)
        if ssid is not None and not ssid.malformed:
            assert ssid.get("ssid") == b"fuzz".hex()


@settings(max_examples=40, deadline=None)
@given(length=st.integers(0, 255), tail=st.binary(max_size=40))
def test_lying_length_never_overwrites_the_ssid(length, tail):
    """The shape of Scapy issue #2683: an element claiming more bytes than it has, then another SSID."""
    from protolab.wifi.dissect import dissect_frame
    from protolab.wifi.elements import digest_elements

    frame = FRAME[:36] + b"\x00\x04real" + bytes([48, length]) + tail + b"\x00\x04fake"
    beacon = dissect_frame(frame)
    assert beacon.elements[0].get("ssid") == b"real".hex()
    assert digest_elements(frame, 36)["ssid"] == b"real"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.tuples(st.lists(st.tuples(st.integers(0, len(BASE.frame) - 1), st.integers(0, 255)),
                                           max_size=6), st.integers(0, len(BASE.frame))), min_size=1, max_size=4))
def test_mutated_records_radiotap_included_never_crash(records):
    """Whole records mutated (radiotap header too), through the file readers of dissect and survey."""
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter
    from protolab.wifi.dissect import dissect_file
    from protolab.wifi.survey import survey_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pcap"
        with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as w:
            for i, (edits, cut) in enumerate(records):
                frame = bytearray(BASE.frame)
                for pos, value in edits:
                    frame[pos] = value
                w.write(bytes(frame[:cut]), i * 1000)
        survey, dissected = survey_file(path, each=True), dissect_file(path)
    assert survey.frames == dissected.frames == len(records)
    assert survey.beacons == len(dissected.beacons) == len(survey.rows)
    assert [r.frame for r in survey.rows] == [b.frame for b in dissected.beacons]


NUMBERS = st.one_of(st.none(), st.integers(-(2**70), 2**70), st.integers(-300, 70000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.fixed_dictionaries({name: NUMBERS for name in (
    "mobility_domain", "power_constraint", "signal_dbm", "seq_start", "tsf_start", "dtim_count")}),
    period=st.integers(-2, 300), interval=st.integers(-2, 70000),
    load=st.one_of(st.none(), st.tuples(st.integers(-1, 70000), st.integers(-1, 300), st.integers(-1, 70000))))
def test_any_numbers_in_a_spec_build_or_are_bad_input(values, period, interval, load):
    """Whatever numbers a spec holds, build either makes a beacon or says BadInput (never a Scapy struct error)."""
    import dataclasses

    from protolab.errors import BadInput
    from protolab.wifi.spec import resolve

    values = {k: v for k, v in values.items() if v is not None or k not in ("signal_dbm", "seq_start", "dtim_count")}
    spec = dataclasses.replace(BeaconSpec(seed=3), dtim_period=period, beacon_interval=interval, bss_load=load,
                               **values)
    try:
        resolved = resolve(spec)
    except BadInput:
        return
    (beacon,) = build_train(resolved)
    assert beacon.dtim_count == resolved.dtim_count and beacon.sequence == resolved.seq_start


CHANNELS = {"2.4": [1, 6, 7, 11], "5": [36, 100, 149], "6": [1, 37, 101]}


@st.composite
def specs(draw):
    from protolab.wifi import bss_params as bp
    from protolab.wifi.spec import PROFILES

    band = draw(st.sampled_from(sorted(CHANNELS)))
    pool = sorted(bp.KNOWN_RATES if band == "2.4" else bp.OFDM_RATES)
    rates = tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True)))
    wmm_ac = draw(st.dictionaries(st.sampled_from(bp.AC_NAMES), st.fixed_dictionaries(
        {"aifsn": st.integers(2, 15), "cwmin": st.integers(0, 4), "cwmax": st.integers(4, 15),
         "txop": st.integers(0, 65535), "acm": st.integers(0, 1)}), max_size=2))
    country = draw(st.sampled_from([None, "US", "DE", "JP"]))
    return BeaconSpec(
        band=band, channel=draw(st.sampled_from(CHANNELS[band])), width=draw(st.sampled_from([20, 40, 80, 160])),
        ht=draw(st.sampled_from([True, True, False])), vht=draw(st.booleans()), he=draw(st.booleans()),
        security=draw(st.sampled_from(list(PROFILES))), rates=draw(st.sampled_from([(), rates])),
        basic_rates=draw(st.sampled_from([(), rates[:1]])), country=country, wmm=draw(st.sampled_from([True, False])),
        wmm_ac=wmm_ac, country_triplets=draw(st.sampled_from([(), ((1, 11, 30),)])) if country else (),
        secondary=draw(st.sampled_from(["", "above", "below"])), dtim_period=draw(st.integers(1, 5)),
        uapsd=draw(st.booleans()), pairwise=draw(st.sampled_from([(), (4,), (8, 4)])),
        mfp=draw(st.sampled_from(["", "off", "capable", "required"])), rrm=draw(st.booleans()),
        bss_transition=draw(st.booleans()), mobility_domain=draw(st.sampled_from([None, 0xA1B2])),
        akm=draw(st.sampled_from([None, (2, 4), (1, 3), (8, 9, 24)])),
        extra_capabilities=draw(st.sampled_from([(), ("QoS",)])), seed=draw(st.integers(0, 99)),
        ssid=draw(st.binary(max_size=32)), hidden=draw(st.sampled_from(["no", "no", "empty", "zeros"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(spec=specs())
def test_any_spec_build_accepts_dissects_back_into_itself(spec):
    """Beyond the round-trip matrix: whatever combination resolve() accepts, dissect gives the same spec back
    (resolve refuses what a beacon cannot say: MFP without RSN, WMM parameters without WMM, HE without HT...)."""
    from protolab.capture.linklayer import locate
    from protolab.errors import BadInput
    from protolab.wifi.dissect import dissect_frame, spec_from_beacon
    from protolab.wifi.spec import resolve

    try:
        spec = resolve(spec)
    except BadInput:
        return
    built = build_train(spec)[0]
    loc = locate(127, built.frame)
    assert spec_from_beacon(dissect_frame(built.frame[loc.offset:], 1, 0, loc.radiotap)) == spec
