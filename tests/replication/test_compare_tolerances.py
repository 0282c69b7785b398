"""compare --backends sim,redis judges counts as it judges times: each judged measure (failover, RTO, lost and
unknown writes, two-primary time) agrees only when the predicted median is within --tolerance of the measured
one, or equal where the measurement is 0. Built pairs of results, no servers: the verdict is arithmetic."""

from __future__ import annotations

import dataclasses

import pytest

from protolab.render.replicate import backends_view
from protolab.replication.live.compare import MEASURES, TOLERANCE, judge, parse_tolerance, summarize
from protolab.replication.runner import simulate
from protolab.replication.scenario import load
from tests.cli.test_views_in_render import printed

LOST = "acknowledged writes lost"
JUDGED = ["failover time (fault -> +switch-master)", "RTO (longest unavailability)", LOST,
          "time with two primaries", "writes unknown"]


@pytest.fixture(scope="module")
def base():
    sc = load("sentinel-split-brain")
    return sc, simulate(sc)[1]


def pair(base, tolerance=TOLERANCE, sim=None, redis=None):
    """The comparison of one simulated run with a 'measured' copy of it, each changed as given."""
    sc, r = base
    return summarize(sc, {"sim": [dataclasses.replace(r, **(sim or {}))],
                          "redis": [dataclasses.replace(r, **(redis or {}))]}, tolerance)


def row(comparison, measure):
    return next(r for r in comparison.rows if r.measure == measure)


def test_the_judged_measures_are_the_ones_a_user_sizes_with():
    assert [m for m, (_unit, _read, judged) in MEASURES.items() if judged] == sorted(JUDGED, key=list(MEASURES).index)


def test_a_62_percent_miss_on_lost_writes_disagrees(base):
    """min-replicas-to-write after a heal: 976 lost predicted, 601 measured. Both lost writes, so the old
    yes/no loss verdict said 'agree'."""
    c = pair(base, sim={"acked_lost": 976}, redis={"acked_lost": 601})
    lost = row(c, LOST)
    assert (lost.verdict, lost.why) == ("disagree", "+62.4%, past ±30%")
    assert c.verdict == "disagree"
    assert all(row(c, m).verdict == "agree" for m in JUDGED if m != LOST)  # the rest is the same run
    text = printed(backends_view(c))
    assert "verdict: disagree - 4 of 5 judged measures within ±30% of the measured median" in text
    assert "disagree: acknowledged writes lost: predicted 976, measured 601 writes (+62.4%, past ±30%)" in text
    assert pair(base, 0.70, sim={"acked_lost": 976}, redis={"acked_lost": 601}).verdict == "agree"


@pytest.mark.parametrize("measure, field, sim, redis, verdict", [
    (LOST, "acked_lost", 4, 0, "disagree"),  # the SIGKILL lesson: real loses nothing, no relative error exists
    (LOST, "acked_lost", 0, 0, "agree"),
    ("time with two primaries", "two_primaries_s", 0.001, 0.0, "disagree"),
    ("RTO (longest unavailability)", "rto_s", 1.3, 1.0, "agree"),  # exactly at the bound
    ("RTO (longest unavailability)", "rto_s", 1.31, 1.0, "disagree"),
    ("RTO (longest unavailability)", "rto_s", 0.7, 1.0, "agree"),
    ("failover time (fault -> +switch-master)", "failover_s", None, 2.4, "disagree"),  # no failover predicted
    ("failover time (fault -> +switch-master)", "failover_s", None, None, "agree"),
])
def test_times_and_counts_are_judged_alike(base, measure, field, sim, redis, verdict):
    c = pair(base, sim={field: sim}, redis={field: redis})
    assert row(c, measure).verdict == verdict
    assert c.verdict == verdict


def test_unknown_writes_are_judged(base):
    sc, r = base
    c = pair(base, sim={"writes": dataclasses.replace(r.writes, info=50)},
             redis={"writes": dataclasses.replace(r.writes, info=100)})
    assert row(c, "writes unknown").why == "-50.0%, past ±30%" and c.verdict == "disagree"


def test_measures_shown_but_not_judged_never_decide(base):
    c = pair(base, sim={"unavailable_s": 1.0}, redis={"unavailable_s": 9.0})
    assert row(c, "unavailability, total").verdict is None and c.verdict == "agree"


def test_one_backend_has_no_verdict(base):
    sc, r = base
    c = summarize(sc, {"sim": [r]})
    assert c.verdict is None and all(x.verdict is None for x in c.rows)


def test_judge_reasons():
    assert judge(3, 0, 0.3) == ("disagree", "measured 0, so only 0 agrees")
    assert judge(None, 2.0, 0.3) == ("disagree", "none on sim, one on the other")
    assert judge(2.0, 2.5, 0.1) == ("disagree", "-20.0%, past ±10%")


def test_tolerance_is_a_percentage():
    assert parse_tolerance("30%") == pytest.approx(0.30)
    assert parse_tolerance("0%") == 0 and parse_tolerance("12.5%") == pytest.approx(0.125)
    for bad in ("0.3", "30", "-5%", "abc%", "2000%", ""):
        with pytest.raises(Exception, match="--tolerance"):
            parse_tolerance(bad)


def test_tolerance_on_the_command_line(cli):
    r = cli("replicate", "compare", "async-crash", "--backends", "sim", "--tolerance", "0.3")
    assert r.exit_code == 2 and "a percentage" in r.stderr
    r = cli("replicate", "compare", "async-crash", "--tolerance", "30%")
    assert r.exit_code == 2 and "--tolerance goes with --backends" in r.stderr
    r = cli("replicate", "compare", "async-crash", "--backends", "sim", "--tolerance", "5%", "--json")
    assert r.exit_code == 0, r.stderr
    assert '"tolerance": 0.05' in r.stdout and '"verdict": null' in r.stdout
