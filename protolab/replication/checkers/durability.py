"""Durability: every acknowledged write must appear in the final read of the whole data set
(``read-all`` through the client's usual route, 1 s before the end), as Jepsen's set checker does.
Unknown (info) writes may be there or not; writes that failed must not be."""

from __future__ import annotations

from protolab.replication.checkers.base import Record, Verdict, result_of
from protolab.replication.history import OK, READ_ALL, WRITE_FS


def check_durability(record: Record) -> Verdict:
    reads = [(i, set(result_of(done) or ())) for i, _inv, done in record.pairs({READ_ALL})
             if done is not None and done[2] == OK]
    if not reads:
        return Verdict("durability", "unknown", "no final read-all completed: nothing to compare against")
    acked = [(i, inv[5]) for i, inv, done in record.pairs(WRITE_FS) if done is not None and done[2] == OK]
    failed = {inv[5] for _i, inv, done in record.pairs(WRITE_FS) if done is not None and done[2] == "fail"}
    lost: dict[int, int] = {}
    resurrected = set()
    for _ri, seen in reads:
        for i, wid in acked:
            if wid not in seen:
                lost[wid] = i
        resurrected |= seen & failed
    if lost:
        ids = sorted(lost)
        return Verdict("durability", "fail", f"{len(ids)} of {len(acked)} acknowledged writes missing from the final "
                       f"read (ids {', '.join(map(str, ids[:8]))}{' ...' if len(ids) > 8 else ''})",
                       evidence=[lost[w] for w in ids[:8]])
    if resurrected:
        return Verdict("durability", "fail", f"{len(resurrected)} writes that failed are in the final read")
    return Verdict("durability", "pass", f"all {len(acked)} acknowledged writes in {len(reads)} final read(s)")
