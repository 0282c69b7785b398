"""`protolab pcap`: commands of the capture-file lab."""

from protolab.cli.common import group

app = group(
    "What is in a capture file: read pcap and pcapng (also gzipped) fast and in constant memory."
)
