"""The valid channels per band and width, and the arithmetic on them: frequency, 40 MHz secondary side,
centre channels."""

from __future__ import annotations

from protolab.capture.radiotap import channel_to_freq
from protolab.errors import BadInput

BAND_NAMES = {"2.4": "2.4 GHz", "5": "5 GHz", "6": "6 GHz"}
BAND_OF_NAME = {v: k for k, v in BAND_NAMES.items()}


def frequency(band: str, channel: int) -> int:
    freq = channel_to_freq(channel, BAND_NAMES[band])
    if freq is None:
        raise ValueError(f"no frequency for channel {channel} in {band} GHz")
    return freq


# The one table of valid channels: the 20 MHz channels of each band, and the centre channels of the wider
# channels (802.11-2020 Annex E, the global operating classes 115-130 and 131-134). A channel of width W
# belongs to the block whose centre is within W/10 - 2 channel numbers of it; a channel in no block cannot be
# used at that width (5 GHz 140 at 160 MHz: the centre would be 146, which no operating class has).
CHANNELS = {"2.4": tuple(range(1, 15)),
            "5": (*range(36, 65, 4), *range(100, 145, 4), *range(149, 178, 4)),
            "6": tuple(range(1, 234, 4))}
CHANNELS_TEXT = {"2.4": "1..14", "5": "36..64, 100..144, 149..177 in steps of 4", "6": "1, 5, 9 .. 233"}
CENTRES = {("5", 40): (38, 46, 54, 62, 102, 110, 118, 126, 134, 142, 151, 159, 167, 175),
           ("5", 80): (42, 58, 106, 122, 138, 155, 171),
           ("5", 160): (50, 114, 163),
           ("6", 40): tuple(range(3, 228, 8)),
           ("6", 80): tuple(range(7, 216, 16)),
           ("6", 160): tuple(range(15, 208, 32))}


def valid_channel(band: str, channel: int) -> bool:
    return channel in CHANNELS[band]


def _block(band: str, channel: int, width: int) -> int | None:
    reach = width // 10 - 2
    return next((c for c in CENTRES[(band, width)] if abs(channel - c) <= reach), None)


def check_width(band: str, channel: int, width: int) -> None:
    """BadInput unless `channel` lies in a `width` MHz channel of the band, naming the nearest channels that do."""
    if band == "2.4" or width == 20 or _block(band, channel, width) is not None:
        return
    fits = [c for c in CHANNELS[band] if _block(band, c, width) is not None]
    below = [c for c in fits if c < channel][-1:]
    above = [c for c in fits if c > channel][:1]
    near = " and ".join(str(c) for c in below + above)
    centres = CENTRES[(band, width)]
    spans = ", ".join(f"{c - width // 10 + 2}-{c + width // 10 - 2}" for c in centres)
    where = f" (those span channels {spans})" if len(centres) <= 8 else ""
    raise BadInput(f"{band} GHz channel {channel} is in no {width} MHz channel{where}; the nearest channels "
                   f"that are: {near}")


def secondary_above(band: str, channel: int) -> bool:
    """For 40 MHz: is the secondary 20 MHz channel above the primary?"""
    if band == "2.4":
        return channel <= 7
    centre = _block(band, channel, 40)
    return centre is not None and centre > channel


def center_channel(band: str, channel: int, width: int) -> int:
    """Centre channel number of the `width` MHz channel that contains `channel` (BadInput if none does)."""
    if width == 20:
        return channel
    if band == "2.4":
        return channel + 2 if secondary_above(band, channel) else channel - 2
    check_width(band, channel, width)
    return _block(band, channel, width)
