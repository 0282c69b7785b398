"""The scenario of `replicate run` / `compare`: a shipped or file scenario, or one made from --mode alone,
with the options its fields declare (``protolab.schema`` flags) applied on top.

The scenario model is imported when a command runs or is built, not with this module (`protolab --help`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protolab.cli.schema_options import given
from protolab.errors import BadInput

if TYPE_CHECKING:
    from protolab import schema
    from protolab.replication.scenario import Scenario


def scenario_options() -> list[schema.Option]:
    """Every scenario field that declares a flag (looked up at call time: a test may extend the schema)."""
    from protolab import schema
    from protolab.replication import scenario as model

    return schema.flags(model.Scenario)


def build_scenario(name: str | None, **options) -> Scenario:
    """A shipped or file scenario with the given options applied on top, or one made from options alone."""
    from protolab import schema
    from protolab.replication import scenario as model

    values = given(options)
    if name is None:
        if "mode" not in values:
            raise BadInput(f"give a SCENARIO (see 'protolab replicate scenarios') or --mode {'|'.join(model.MODES)}")
        sc = model.Scenario(mode=values["mode"], name="flags", clients=[model.ClientSpec("c1", near="n1")])
    else:
        sc = model.load(name)
    for opt in scenario_options():
        if opt.param in values:
            schema.apply_flag(opt, sc, values[opt.param])
    sentinels = values.get("sentinels")
    if sentinels and "quorum" not in values:  # fewer Sentinels than the quorum: the quorum follows them down
        sc.sentinel.quorum = min(sc.sentinel.quorum, sentinels)
    return sc.validate()
