"""Channel arithmetic for building beacons: frequency, 40 MHz secondary offset, centre channels."""

from __future__ import annotations

from protolab.capture.radiotap import channel_to_freq

BAND_NAMES = {"2.4": "2.4 GHz", "5": "5 GHz", "6": "6 GHz"}
BAND_OF_NAME = {v: k for k, v in BAND_NAMES.items()}


def frequency(band: str, channel: int) -> int:
    freq = channel_to_freq(channel, BAND_NAMES[band])
    if freq is None:
        raise ValueError(f"no frequency for channel {channel} in {band} GHz")
    return freq


def secondary_above(band: str, channel: int) -> bool:
    """For 40 MHz: is the secondary 20 MHz channel above the primary?"""
    if band == "2.4":
        return channel <= 7
    if band == "5":
        return (channel // 4) % 2 == 1  # 36, 44, 52 ... pair with the channel above
    return ((channel - 1) // 4) % 2 == 0


def center_channel(band: str, channel: int, width: int) -> int:
    """Centre channel number of the `width` MHz channel that contains `channel`."""
    if width == 20:
        return channel
    span = width // 5  # channel numbers covered
    if band == "6":
        return (channel - 1) // span * span + 1 + (span - 4) // 2
    base = 36 if channel < 149 else 149
    if band == "2.4":
        return channel + 2 if secondary_above(band, channel) else channel - 2
    return base + (channel - base) // span * span + (span - 4) // 2
