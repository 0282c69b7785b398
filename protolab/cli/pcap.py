"""`protolab pcap`: commands of the capture-file lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, warn

app = group(
    "What is in a capture file: read pcap and pcapng (also gzipped) fast and in constant memory.\n\n"
    "Example: protolab pcap info capture.pcap"
)

FilesArg = Annotated[list[Path], typer.Argument(help="Capture files: pcap or pcapng, optionally gzipped (-: stdin).",
                                                 show_default=False)]
FileArg = Annotated[Path, typer.Argument(help="A capture file: pcap or pcapng, optionally gzipped (-: stdin).",
                                          show_default=False)]


def _with_progress(path: Path, work):
    """Run work(path, progress_callback) with a bytes progress bar on a TTY (silent otherwise)."""
    import sys

    if not sys.stdout.isatty():   # no bar to draw: skip importing rich for it (start-up time matters here)
        return work(path, None)
    from protolab.render.progress import progress

    try:
        total = path.stat().st_size
    except OSError:
        total = None
    with progress(total, f"reading {path.name}", unit="bytes") as advance:
        return work(path, advance)


@app.command()
def info(files: FilesArg, as_json: JsonFlag = False) -> None:
    """What capinfos tells: file type, encapsulation, packets, sizes, times, rates, interfaces, warnings.

    Reads only the record headers (the fast path), so it is quick on big files. Field names and units are
    capinfos' (-M: exact values). Interfaces are listed in file order; in a pcapng file of several sections
    each one also shows its section and its id in that section, as tshark's frame.section_number and
    frame.interface_id give them.

    Example: protolab pcap info capture.pcap other.pcapng.gz --json
    """
    from protolab.capture.info import capture_info
    from protolab.errors import BadInput
    from protolab.render.pcap import info_view, print_info

    results, failures = [], []
    for path in files:
        try:
            results.append(_with_progress(path, capture_info))
        except BadInput as exc:
            failures.append(str(exc))
    if results:
        if as_json:
            for result in results:
                for message in result.warnings:
                    warn(f"{result.path}: {message}")
            output(results, as_json, info_view)
        else:
            print_info(results)
    if failures:
        raise BadInput(failures[0] if len(failures) == 1 else f"{len(failures)} files could not be read: "
                       + "; ".join(failures))


@app.command()
def summary(file: FileArg, top: Annotated[int, typer.Option(min=1, help="Conversations and BSSIDs to list.")] = 10,
            as_json: JsonFlag = False) -> None:
    """A protocol breakdown: link types; 802.11 frame types/subtypes and BSSIDs; top TCP/UDP conversations
    and how many look like TLS.

    Example: protolab pcap summary capture.pcap --top 5
    """
    from protolab.capture.summary import capture_summary
    from protolab.render.pcap import summary_view

    result = _with_progress(file, lambda path, advance: capture_summary(path, top=top, progress=advance))
    if as_json:
        for message in result.warnings:
            warn(f"{result.path}: {message}")
    output(result, as_json, summary_view)
