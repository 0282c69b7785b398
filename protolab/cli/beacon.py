"""`protolab beacon`: commands of the 802.11 beacon lab.

Parsing only: the work is in protolab.wifi (build, dissect, survey, explain, send), the views in
protolab.render.beacon. Scapy and rich are imported inside the commands, never at module level
(`protolab --help` stays fast).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, stdout_taken, warn
from protolab.cli.schema_options import given, with_options

if TYPE_CHECKING:
    from protolab import schema

app = group(
    "What an access point announces in a beacon, and why: build, dissect, survey and explain "
         "802.11 beacon frames.\n\n"
    "Example: protolab beacon build --ssid lab --security wpa3-personal -o lab.pcap && "
    "protolab beacon dissect lab.pcap"
)

class SortKey(str, Enum):
    signal = "signal"
    bssid = "bssid"
    ssid = "ssid"
    channel = "channel"
    beacons = "beacons"
    enc = "enc"
    first = "first"


# ---- build ------------------------------------------------------------------------------------------

def _spec_options() -> list[schema.Option]:
    """The spec fields that declare an option (the spec is imported when the command is built or run)."""
    from protolab import schema
    from protolab.wifi.spec import BeaconSpec

    return schema.flags(BeaconSpec)


def _spec_from_options(spec_file: Path | None, hostapd: Path | None, values: dict, strict: bool = False):
    """The spec of --spec or --hostapd (or the default one) with the options' field values on top; the
    hostapd keys the beacon does not reflect are listed in one warning line per kind."""
    from protolab.errors import BadInput
    from protolab.fileio import read_text
    from protolab.wifi.hostapd_conf import read_hostapd
    from protolab.wifi.spec import BeaconSpec, apply, spec_from_toml

    if spec_file and hostapd:
        raise BadInput("give either --spec or --hostapd, not both")
    if strict and not hostapd:
        raise BadInput("--strict is about --hostapd: it refuses the keys the beacon does not reflect")
    if spec_file:
        base = spec_from_toml(spec_file)
    elif hostapd:
        conf = read_hostapd(read_text(hostapd, "--hostapd"), str(hostapd), strict=strict)
        if conf.not_in_beacon:
            warn(f"{hostapd}: not part of a beacon, ignored: {', '.join(conf.not_in_beacon)}")
        if conf.not_built:
            warn(f"{hostapd}: in hostapd's beacon but not built here: "
                 + "; ".join(f"{key} ({what})" for key, what in conf.not_built))
        if conf.other_bss_line:
            warn(f"{hostapd}:{conf.other_bss_line}: only the first BSS is built (bss= and what follows ignored)")
        base = conf.spec
    else:
        base = BeaconSpec()
    return apply(base, values)


@app.command()
@with_options(_spec_options)  # --ssid ... --signal: the spec's fields
def build(
    spec: Annotated[Path | None, typer.Option(help="TOML spec file (keys: the spec fields).")] = None,
    hostapd: Annotated[Path | None, typer.Option(help="hostapd.conf to read as hostapd reads it (keys that "
                                                      "are not part of a beacon are listed and ignored).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="With --hostapd: refuse the keys the beacon does not "
                                                          "reflect instead of listing them.")] = False,
    out: Annotated[Path | None, typer.Option("-o", "--output",
                                             help="Write the train to this radiotap pcap (-: stdout).")] = None,
    frame: Annotated[int, typer.Option(help="Which beacon of the train to show (1-based).")] = 1,
    show_hex: Annotated[bool, typer.Option("--hex/--no-hex", help="Show the annotated hex dump.")] = True,
    as_json: JsonFlag = False,
    **options,
) -> None:
    """Craft beacons with Scapy, write them to a pcap, show the annotated field tree and hex dump.

    Example: protolab beacon build --ssid lab --band 5 --channel 36 --vht --width 80 --security wpa3-personal -o b.pcap
    """
    from protolab.errors import BadInput
    from protolab.fileio import open_output
    from protolab.render.beacon import build_view
    from protolab.wifi.build import write_pcap
    from protolab.wifi.spec import resolve
    from protolab.wifi.train import build_and_show

    chosen = given(options)
    from protolab.schema import flag_value

    values = {opt.field.name: flag_value(opt, chosen[opt.param])
              for opt in _spec_options() if opt.param in chosen}
    beacon_spec = resolve(_spec_from_options(spec, hostapd, values, strict))
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
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture (radiotap, Prism, plain 802.11...; -: stdin).")],
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
    file: Annotated[Path, typer.Argument(help="A pcap/pcapng capture (-: stdin).")],
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
    if not as_json:  # the JSON carries them; the table and the CSV have no place for them
        for message in result.warnings:
            warn(f"{result.file}: {message}")
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
    from protolab.wifi.spec import BeaconSpec
    from protolab.wifi.spec_values import ssid_bytes

    check_interface(iface)
    if spec or hostapd:
        beacon_spec = dataclasses.replace(_spec_from_options(spec, hostapd, {}), count=count)
    else:
        beacon_spec = BeaconSpec(ssid=ssid_bytes(ssid), security=security, channel=channel, count=count, seed=seed)
    from protolab.render.beacon import send_view

    output(send_beacons(beacon_spec, iface, interval), as_json, send_view)
