"""The README's reference tables, generated from the schema declarations (``protolab.schema``).

README.md holds each table between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``;
``python -m protolab.reference [README.md]`` fills them in again after a field changed (a test checks that
they are current).
"""

from __future__ import annotations

import sys
from pathlib import Path

from protolab import schema


def tables() -> dict[str, str]:
    """Marker name -> the Markdown table of one input schema."""
    from protolab.ha.topology import TABLES, Topology
    from protolab.replication.scenario import LINK_KEYS, Scenario
    from protolab.wifi.spec import BeaconSpec

    return {"scenario-fields": schema.reference_table(Scenario, extra=LINK_KEYS),
            "beacon-fields": schema.reference_table(BeaconSpec, hostapd=True),
            "topology-fields": schema.reference_table(Topology, tables_of=TABLES)}


def fill(text: str) -> str:
    """``text`` with every generated table replaced by the current one."""
    for name, table in tables().items():
        text = schema.fill_markers(text, name, table)
    return text


if __name__ == "__main__":
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    readme.write_text(fill(readme.read_text(encoding="utf-8")), encoding="utf-8")
