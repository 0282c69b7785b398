"""The history format: JSON lines that read back into the same operations, invoke/completion pairs, counts-only
histories, and the compact write-id logs of the nodes."""

from __future__ import annotations

import io

from protolab.replication.history import History, read_jsonl
from protolab.replication.idlog import IdLog


def test_history_jsonl_round_trip_and_pairs():
    h = History()
    h.add(0.1, "c1", "invoke", "write", 0, 1, "n1")
    h.add(0.2, "c1", "invoke", "write", 1, 2, "n1")
    h.add(0.3, "c1", "info", "write", 1, 2, "n1", "timeout")
    h.add(0.4, "c1", "ok", "write", 0, 1, "n1")
    out = io.StringIO()
    h.write_jsonl(out)
    lines = out.getvalue().splitlines()
    assert lines[2] == ('{"index":2,"time":0.3,"process":"c1","type":"info","f":"write","key":1,"value":2,'
                        '"node":"n1","error":"timeout"}')
    assert read_jsonl(lines) == h.ops
    assert [(i[5], d[2]) for i, d in h.pairs()] == [(1, "ok"), (2, "info")]
    counts_only = History(keep=False)
    counts_only.add(0.1, "c1", "invoke", "write", 0, 1, "n1")
    assert counts_only.ops == [] and counts_only.counts["invoke"] == 1


def test_idlog_runs_stay_compact_and_suffix():
    log = IdLog()
    for wid in [*range(1, 1001), 5000, 5001, 7]:
        log.append(wid)
    assert len(log) == 1003 and len(log.starts) == 3
    assert log.suffix(999) == [1000, 5000, 5001, 7]
    assert list(log.copy())[-3:] == [5000, 5001, 7]
