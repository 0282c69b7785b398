"""`protolab replicate`: commands of the replication and failover lab."""

from protolab.cli.common import group

app = group(
    "How redundant servers stay in sync, fail over, split, and lose or keep data: "
         "a deterministic simulator of replication modes."
)
