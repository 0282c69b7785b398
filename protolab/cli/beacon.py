"""`protolab beacon`: commands of the 802.11 beacon lab."""

from protolab.cli.common import group

app = group(
    "What an access point announces in a beacon, and why: build, dissect, survey and explain "
         "802.11 beacon frames."
)
