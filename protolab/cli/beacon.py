"""`protolab beacon`: commands of the 802.11 beacon lab.

Parsing only: the work is in protolab.wifi (build, dissect, survey, explain, send), the views in
protolab.render.beacon. Scapy and rich are imported inside the commands, never at module level
(`protolab --help` stays fast).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, stdout_taken

app = group(
    "What an access point announces in a beacon, and why: build, dissect, survey and explain "
         "802.11 beacon frames.\n\n"
    "Example: protolab beacon build --ssid lab --security wpa3-personal -o lab.pcap && "
    "protolab beacon dissect lab.pcap"
)

class Band(str, Enum):
    b24 = "2.4"
    b5 = "5"
    b6 = "6"


class Hidden(str, Enum):
    no = "no"
    empty = "empty"
    zeros = "zeros"


class SortKey(str, Enum):
    signal = "signal"
    bssid = "bssid"
    ssid = "ssid"
    channel = "channel"
    beacons = "beacons"
    enc = "enc"
    first = "first"


# ---- build ------------------------------------------------------------------------------------------

def _spec_from_options(spec_file: Path | None, hostapd: Path | None, options: dict):
    from protolab.errors import BadInput
    from protolab.tomlfile import read_text
    from protolab.wifi.spec import BeaconSpec, spec_from_hostapd, spec_from_mapping, spec_from_toml

    if spec_file and hostapd:
        raise BadInput("give either --spec or --hostapd, not both")
    if spec_file:
        base = spec_from_toml(spec_file)
    elif hostapd:
        base = spec_from_hostapd(read_text(hostapd, "--hostapd"), str(hostapd))
    else:
        base = BeaconSpec()
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    return spec_from_mapping(given, base)


@app.command()
def build(
    ssid: Annotated[str | None, typer.Option(help="SSID (UTF-8), or hex:... for any bytes (max 32).")] = None,
    hidden: Annotated[Hidden | None, typer.Option(help="Hide the SSID: empty (length 0) or zeros.")] = None,
    bssid: Annotated[str | None, typer.Option(help="BSSID (default: seeded random).")] = None,
    band: Annotated[Band | None, typer.Option(help="2.4, 5 or 6 (GHz).")] = None,
    channel: Annotated[int | None, typer.Option(help="Channel number in the band (default: 6, 36 or 37).")] = None,
    width: Annotated[int | None, typer.Option(help="Channel width in MHz: 20, 40, 80, 160.")] = None,
    secondary: Annotated[str | None, typer.Option(help="40 MHz in 2.4 GHz: secondary channel above or below "
                                                       "(hostapd's HT40+ / HT40-; default: the usual side).")] = None,
    interval: Annotated[int | None, typer.Option(help="Beacon interval in TU (1 TU = 1024 us).")] = None,
    dtim_period: Annotated[int | None, typer.Option(help="DTIM period (beacons).")] = None,
    dtim_count: Annotated[int | None, typer.Option(help="DTIM count of the first beacon.")] = None,
    buffered_aid: Annotated[list[int] | None, typer.Option(help="AID with buffered frames (repeat).")] = None,
    multicast: Annotated[bool | None, typer.Option("--multicast", help="Group traffic buffered (DTIMs).")] = None,
    security: Annotated[str | None, typer.Option(
        help="open, wep, wpa, wpa2-personal, wpa2-enterprise, wpa3-personal, wpa3-transition, owe, "
             "wpa-wpa2-personal (WPA+WPA2 mixed).")] = None,
    pairwise: Annotated[list[str] | None, typer.Option(
        help="Pairwise cipher (CCMP, GCMP-256, TKIP...; repeat).")] = None,
    wpa_pairwise: Annotated[list[str] | None, typer.Option(
        help="wpa-wpa2-personal only: the WPA element's pairwise cipher (default TKIP; repeat).")] = None,
    mfp: Annotated[str | None, typer.Option(help="off, capable or required (default: the profile's).")] = None,
    rates: Annotated[str | None, typer.Option(help="Supported rates in Mb/s, e.g. 6,9,12,18,24,36,48,54 "
                                                   "(default: the band's; past 8 they go in Extended Rates).")] = None,
    basic_rates: Annotated[str | None, typer.Option(help="Basic rates in Mb/s (default: the band's among "
                                                         "--rates).")] = None,
    country: Annotated[str | None, typer.Option(help="Country code (adds the country element).")] = None,
    country_triplet: Annotated[list[str] | None, typer.Option(
        help="first-channel,channels,max-dBm (repeat; default: the band's).")] = None,
    spectrum_mgmt: Annotated[bool | None, typer.Option("--spectrum-mgmt", help="802.11h.")] = None,
    power_constraint: Annotated[int | None, typer.Option(help="Power constraint in dB.")] = None,
    bss_load: Annotated[str | None, typer.Option(help="stations,utilisation,capacity (BSS load).")] = None,
    ht: Annotated[bool | None, typer.Option("--ht/--no-ht", help="HT (802.11n) elements.")] = None,
    vht: Annotated[bool | None, typer.Option("--vht/--no-vht", help="VHT (802.11ac) elements.")] = None,
    he: Annotated[bool | None, typer.Option("--he/--no-he", help="HE (802.11ax) elements.")] = None,
    wmm: Annotated[bool | None, typer.Option("--wmm/--no-wmm", help="WMM parameter element.")] = None,
    wmm_ac: Annotated[list[str] | None, typer.Option(
        help="WMM parameters of one access category (be/bk/vi/vo), e.g. vo:aifsn=2,cwmin=2,cwmax=3,txop=47 "
             "(cwmin/cwmax are exponents: CW = 2^n - 1; txop in 32 us units; repeat).")] = None,
    uapsd: Annotated[bool | None, typer.Option("--uapsd", help="Advertise U-APSD.")] = None,
    cf: Annotated[bool | None, typer.Option("--cf", help="CF parameter set (legacy PCF).")] = None,
    mobility_domain: Annotated[str | None, typer.Option(help="802.11r MDID, hex (e.g. a1b2).")] = None,
    rrm: Annotated[bool | None, typer.Option("--rrm", help="802.11k RM enabled capabilities.")] = None,
    bss_transition: Annotated[bool | None, typer.Option("--bss-transition", help="802.11v BSS transition.")] = None,
    vendor: Annotated[list[str] | None, typer.Option(help="Raw vendor element: OUI+data in hex (repeat).")] = None,
    cap: Annotated[list[str] | None, typer.Option(help="Extra capability bit by name, e.g. QoS (repeat).")] = None,
    count: Annotated[int | None, typer.Option(help="Beacons in the train.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the BSSID and TSF start.")] = None,
    signal: Annotated[int | None, typer.Option(help="Radiotap signal in dBm.")] = None,
    spec: Annotated[Path | None, typer.Option(help="TOML spec file (keys: the spec fields).")] = None,
    hostapd: Annotated[Path | None, typer.Option(help="hostapd.conf to read (a subset of its keys).")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--output", help="Write the train to this radiotap pcap.")] = None,
    frame: Annotated[int, typer.Option(help="Which beacon of the train to show (1-based).")] = 1,
    show_hex: Annotated[bool, typer.Option("--hex/--no-hex", help="Show the annotated hex dump.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Craft beacons with Scapy, write them to a pcap, show the annotated field tree and hex dump.

    Example: protolab beacon build --ssid lab --band 5 --channel 36 --vht --width 80 --security wpa3-personal -o b.pcap
    """
    from protolab.errors import BadInput
    from protolab.fileio import open_output
    from protolab.render.beacon import build_view
    from protolab.wifi.build import write_pcap
    from protolab.wifi.spec import resolve, ssid_bytes
    from protolab.wifi.train import build_and_show

    load = None
    if bss_load is not None:
        try:
            load = tuple(int(x) for x in bss_load.split(","))
            assert len(load) == 3
        except (ValueError, AssertionError):
            raise BadInput("--bss-load wants stations,utilisation,capacity (three numbers)") from None
    from protolab.wifi.bss_params import parse_rate_list, parse_wmm_option

    triplets = []
    for text in country_triplet or ():
        try:
            triplets.append(tuple(int(x) for x in text.split(",")))
        except ValueError:
            raise BadInput(f"--country-triplet wants first-channel,channels,max-dBm, not {text!r}") from None
    wmm_overrides: dict = {}
    for text in wmm_ac or ():
        ac, params = parse_wmm_option(text)
        wmm_overrides.setdefault(ac, {}).update(params)
    try:
        vendor_bytes = tuple(bytes.fromhex(v) for v in vendor or ())
        mdid = int.from_bytes(bytes.fromhex(mobility_domain), "little") if mobility_domain else None
    except ValueError:
        raise BadInput("--vendor and --mobility-domain take hex bytes") from None
    if mobility_domain and len(bytes.fromhex(mobility_domain)) != 2:
        raise BadInput("--mobility-domain is 2 bytes of hex in frame order, like hostapd's (e.g. a1b2)")
    options = dict(ssid=ssid_bytes(ssid) if ssid is not None else None, hidden=hidden.value if hidden else None,
                   bssid=bssid, band=band.value if band else None, channel=channel, width=width, secondary=secondary,
                   beacon_interval=interval, dtim_period=dtim_period, dtim_count=dtim_count,
                   buffered_aids=tuple(buffered_aid or ()), multicast_buffered=multicast, security=security,
                   pairwise=tuple(pairwise or ()), wpa_pairwise=tuple(wpa_pairwise or ()), mfp=mfp,
                   country=country, spectrum_mgmt=spectrum_mgmt,
                   rates=parse_rate_list(rates, what="--rates") if rates else None,
                   basic_rates=parse_rate_list(basic_rates, what="--basic-rates") if basic_rates else None,
                   country_triplets=tuple(triplets), wmm_ac=wmm_overrides or None,
                   power_constraint=power_constraint, bss_load=load, ht=ht, vht=vht, he=he, wmm=wmm, uapsd=uapsd,
                   cf=cf, mobility_domain=mdid, rrm=rrm, bss_transition=bss_transition, vendor=vendor_bytes,
                   extra_capabilities=tuple(cap or ()),
                   count=count, seed=seed, signal_dbm=signal)
    beacon_spec = resolve(_spec_from_options(spec, hostapd, options))
    if not 1 <= frame <= beacon_spec.count:
        raise BadInput(f"--frame must be 1..{beacon_spec.count}")
    piped = stdout_taken(as_json, {"-o": out})  # `-o -`: the capture is the output (e.g. into tshark -r -)
    sink = None
    if out is not None:
        def sink(train):
            with open_output(out, stdout_ok=True) as f:
                write_pcap(train, f)
    result = build_and_show(beacon_spec, frame, sink, str(out) if out else None)
    if not piped:
        output(result, as_json, lambda r: build_view(r, show_hex))


@app.command()
def dissect(
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture (radiotap, Prism, plain 802.11...).")],
    frame: Annotated[int | None, typer.Option(help="Only this frame number.")] = None,
    bssid: Annotated[str | None, typer.Option(help="Only beacons of this BSSID.")] = None,
    limit: Annotated[int | None, typer.Option(help="Stop after this many beacons (1 or more).")] = None,
    show_hex: Annotated[bool, typer.Option("--hex", help="Add an annotated hex dump per beacon.")] = False,
    all_bits: Annotated[bool, typer.Option("--all-bits", help="Show clear capability bits too.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Every field of every beacon: radio, header, fixed fields, each element with its role.

    Example: protolab beacon dissect capture.pcap --frame 4 --hex
    """
    from protolab.render.progress import progress
    from protolab.wifi.dissect import dissect_file
    from protolab.wifi.spec import parse_mac

    with progress(file.stat().st_size if file.is_file() else 0, "dissecting", unit="bytes") as advance:
        result = dissect_file(file, frame=frame, bssid=parse_mac(bssid) if bssid else None, limit=limit,
                              progress=advance)
    from protolab.render.beacon import dissect_view

    output(result, as_json, lambda r: dissect_view(r, show_hex, all_bits))


@app.command()
def survey(
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture.")],
    sort: Annotated[SortKey, typer.Option(help="Sort networks by this column.")] = SortKey.signal,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    each: Annotated[bool, typer.Option("--each", help="One row per beacon (JSON/CSV) instead of per BSS.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """What airodump-ng shows, from the beacons of a capture (fast: no Scapy per frame).

    Example: protolab beacon survey capture.pcap --sort channel
    """
    from protolab.errors import BadInput
    from protolab.render.progress import progress
    from protolab.wifi.survey import sort_networks, survey_file

    if csv and as_json:  # checked before the file is read: one output format per run
        raise BadInput("--csv and --json are two output formats: choose one")
    size = file.stat().st_size if file.exists() else 0
    with progress(size, "reading", unit="bytes") as advance:
        result = survey_file(file, each=each, progress=advance)
    sort_networks(result, sort.value)
    from protolab.render.beacon import survey_csv, survey_view

    if csv:
        import sys

        survey_csv(result, each, sys.stdout)
        return
    output(result, as_json, survey_view)


@app.command()
def explain(
    topic: Annotated[str | None, typer.Argument(help="overview, fields, power-save, a role, or an element "
                                                      "(tim, rsn, ht, wmm...).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Why beacons exist and what each field is for (from the registry dissect uses).

    Example: protolab beacon explain power-save
    """
    from protolab.render.beacon import explain_view
    from protolab.wifi.explain import explain as explain_topic

    output(explain_topic(topic), as_json, explain_view)


@app.command()
def send(
    iface: Annotated[str, typer.Option("--iface", help="Interface to send on (monitor mode for real radios).")],
    count: Annotated[int, typer.Option(help="Beacons to send.")] = 10,
    interval: Annotated[float | None, typer.Option(help="Seconds between beacons (default: the beacon "
                                                        "interval).")] = None,
    ssid: Annotated[str, typer.Option(help="SSID.")] = "protolab",
    security: Annotated[str, typer.Option(help="Security profile.")] = "wpa2-personal",
    channel: Annotated[int, typer.Option(help="Channel (2.4 GHz).")] = 6,
    seed: Annotated[int, typer.Option(help="Seed for the BSSID.")] = 1,
    spec: Annotated[Path | None, typer.Option(help="TOML spec file (overrides the options above).")] = None,
    hostapd: Annotated[Path | None, typer.Option(help="hostapd.conf to read instead.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Transmit built beacons with Scapy sendp (needs root and the interface).

    Example: sudo protolab beacon send --iface wlan0mon --count 50
    """
    import dataclasses

    from protolab.wifi.send import check_interface, send_beacons
    from protolab.wifi.spec import BeaconSpec, ssid_bytes

    check_interface(iface)
    if spec or hostapd:
        beacon_spec = dataclasses.replace(_spec_from_options(spec, hostapd, {}), count=count)
    else:
        beacon_spec = BeaconSpec(ssid=ssid_bytes(ssid), security=security, channel=channel, count=count, seed=seed)
    from protolab.render.beacon import send_view

    output(send_beacons(beacon_spec, iface, interval), as_json, send_view)
