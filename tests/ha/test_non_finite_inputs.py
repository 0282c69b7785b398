"""Non-finite numbers (NaN, infinities, fault times that overflow to infinity) are refused by `ha health` and
`ha sessions`: one error line and exit 2 from the CLI, BadInput from the spec."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.ha.health import HealthSpec


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_cli_refuses_a_non_finite_threshold(cli, value):
    res = cli("ha", "health", "--detector", "phi-accrual", "--threshold", value, "--json")
    assert res.exit_code == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and "--threshold" in res.stderr


@pytest.mark.parametrize("field_", ["heartbeat", "timeout", "threshold", "jitter", "duration", "min_std",
                                    "acceptable_pause", "latency", "restart_time", "replace_time"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_spec_refuses_non_finite_numbers(field_, value):
    with pytest.raises(BadInput, match="finite"):
        HealthSpec(**{field_: value}).validate()


def test_spec_refuses_fault_times_that_overflow_to_infinity():
    huge = "9" * 400 + "s"  # float() of this many digits is inf
    for spec in (HealthSpec(crashes=[f"n3 at {huge}"]), HealthSpec(pauses=[f"n2 at 10s for {huge}"])):
        with pytest.raises(BadInput, match="finite"):
            spec.validate()


def test_sessions_refuses_nan(cli):
    res = cli("ha", "sessions", "--stale-resolvers", "nan", "--json")
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
