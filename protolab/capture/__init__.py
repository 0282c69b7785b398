"""protolab.capture: the one place that knows capture file formats and link layers.

    reader        open_capture(path) -> Capture: format sniffing, Packet stream, tally() (the info fast path)
    records       Packet, Interface, Header, Tally, Walker: what the formats produce and the facade hands on
    stream        the byte window every reader reads through; gzip inflation that keeps what a bad stream held
    pcap, pcapng  the two formats' walkers (pcap.py: classic pcap in all its magics; pcapng.py: blocks)
    fastpath      header-only hot loops for `pcap info`
    linktypes     link-type registry and the pcap link-type word's FCS bits
    linklayer     locate(linktype, data): where the 802.11 frame or the IP packet starts
    radiotap      radiotap decoding, frequency <-> channel; radioheaders: Prism, AVS, PPI mapped to the same
    dot11         just enough 802.11 MAC header for counting (type/subtype, BSSID, body offset)
    ip            IPv4/IPv6 + TCP/UDP header decoding
    writer        PcapWriter / PcapngWriter; tcpsynth: TcpFlow, a TCP conversation as Ethernet frames
    info, summary the results of `protolab pcap info` and `protolab pcap summary`
    tour          the capture lab's tour stop
"""
