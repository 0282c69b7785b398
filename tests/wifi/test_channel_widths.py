"""Which channels exist at which width comes from one table (channels.CHANNELS and CENTRES): every channel it
allows builds a beacon whose centre-frequency fields tshark reads as the table's centre, without an expert
warning; a channel in no block of its width (5 GHz 140 at 160 MHz, 6 GHz 229/233 at 160 MHz) is refused with
exit 2, one line naming the nearest channels that work, from options and from hostapd.conf (with the line)."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.wifi.build import build_one
from protolab.wifi.channels import CENTRES, CHANNELS, center_channel
from protolab.wifi.hostapd_conf import spec_from_hostapd
from protolab.wifi.spec import BeaconSpec, resolve

from .tshark import tshark_fields


def test_each_block_is_made_of_valid_channels_and_they_do_not_overlap():
    for (band, width), centres in CENTRES.items():
        reach = width // 10 - 2
        blocks = [set(range(c - reach, c + reach + 1, 4)) for c in centres]
        assert all(b <= set(CHANNELS[band]) and len(b) == width // 20 for b in blocks), (band, width)
        assert sum(len(b) for b in blocks) == len(set().union(*blocks))
    assert [center_channel("5", c, 160) for c in (36, 64, 100, 128, 149, 177)] == [50, 50, 114, 114, 163, 163]
    assert [center_channel("6", c, w) for c, w in ((1, 160), (221, 160), (229, 40), (37, 80))] == [15, 207, 227, 39]


def test_every_allowed_channel_and_width_builds_the_tables_centre(tmp_path, tool):
    from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapWriter

    cases = []
    for (band, width) in CENTRES:
        for channel in CHANNELS[band]:
            try:
                centre = center_channel(band, channel, width)
            except BadInput:
                continue
            spec = resolve(BeaconSpec(band=band, channel=channel, width=width, vht=band == "5", ht=band == "5",
                                      he=band == "6", security="wpa3-personal"))
            cases.append((band, channel, width, centre, build_one(spec, 0, False)))
    path = tmp_path / "widths.pcap"
    with PcapWriter(path, linktype=LINKTYPE_RADIOTAP) as writer:
        for i, case in enumerate(cases):
            writer.write(case[4], i * 1000)
    rows = tshark_fields(tool("tshark"), path, "wlan.vht.op.channelcenter0", "wlan.vht.op.channelcenter1",
                         "wlan.ext_tag.he_operation.6ghz.chan_center_freq_seg_0",
                         "wlan.ext_tag.he_operation.6ghz.chan_center_freq_seg_1", "_ws.expert.message")
    assert len(rows) == len(cases) == 28 + 28 + 24 + 58 + 56 + 56
    for (band, channel, width, centre, _), row in zip(cases, rows, strict=True):
        seg0, seg1 = (row[0], row[1]) if band == "5" else (row[2], row[3])
        if width == 160:  # CCFS0: the 80 MHz half holding the primary, CCFS1: the whole channel
            assert (int(seg0), int(seg1)) == (center_channel(band, channel, 80), centre), (band, channel, width)
        elif band == "6" or width == 80:
            assert int(seg0) == centre, (band, channel, width, row)
        assert row[4] == "", (band, channel, width, row)


@pytest.mark.parametrize("argv, message", [
    (["--band", "5", "--channel", "140", "--width", "160", "--vht"],
     "5 GHz channel 140 is in no 160 MHz channel (those span channels 36-64, 100-128, 149-177); the nearest "
     "channels that are: 128 and 149"),
    (["--band", "6", "--channel", "229", "--width", "160"],
     "6 GHz channel 229 is in no 160 MHz channel (those span channels 1-29, 33-61, 65-93, 97-125, 129-157, 161-189, "
     "193-221); the nearest channels that are: 221"),
    (["--band", "6", "--channel", "233", "--width", "160"],
     "6 GHz channel 233 is in no 160 MHz channel (those span channels 1-29, 33-61, 65-93, 97-125, 129-157, 161-189, "
     "193-221); the nearest channels that are: 221"),
    (["--band", "6", "--channel", "233", "--width", "40"],
     "6 GHz channel 233 is in no 40 MHz channel; the nearest channels that are: 229"),
    (["--band", "6", "--channel", "225", "--width", "80"],
     "6 GHz channel 225 is in no 80 MHz channel; the nearest channels that are: 221"),
])
def test_impossible_channel_and_width_is_refused_naming_the_neighbours(cli, tmp_path, argv, message):
    r = cli("beacon", "build", *argv, "--security", "wpa3-personal", "-o", str(tmp_path / "x.pcap"))
    assert r.exit_code == 2 and r.stderr == f"error: {message}\n", r.stderr
    assert not (tmp_path / "x.pcap").exists()


def test_hostapd_conf_names_the_channel_line():
    conf = "ssid=x\nhw_mode=a\nchannel=140\nieee80211n=1\nieee80211ac=1\nvht_oper_chwidth=2\n"
    with pytest.raises(BadInput, match=r"^hostapd.conf:3: 5 GHz channel 140 is in no 160 MHz channel"):
        spec_from_hostapd(conf)
    assert resolve(spec_from_hostapd(conf.replace("140", "132").replace("chwidth=2", "chwidth=1"))).width == 80
