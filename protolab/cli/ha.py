"""`protolab ha`: commands of the high-availability lab."""

from protolab.cli.common import group

app = group(
    "Where a design's single points of failure are, what its availability is, and how sessions and "
    "health checks behave behind a load balancer."
)
