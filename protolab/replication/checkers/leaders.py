"""At most one leader per term: from the role changes nodes reported (Raft: leader, term) and the
elections Sentinels announced (``+elected-leader`` in an epoch). Two nodes leading the same term
is exactly the split brain Raft's vote rule exists to prevent."""

from __future__ import annotations

import re

from protolab.replication.checkers.base import Record, Verdict

_EPOCH = re.compile(r"epoch (\d+)")


def check_leaders(record: Record) -> Verdict:
    leaders: dict[tuple[str, int], set[str]] = {}
    for _t, node, role, term in record.roles:
        if role == "leader" and term is not None:
            leaders.setdefault(("term", term), set()).add(node)
    for _t, source, kind, detail in record.events:
        m = _EPOCH.search(detail) if kind == "+elected-leader" else None
        if m:
            leaders.setdefault(("epoch", int(m.group(1))), set()).add(source)
    if not leaders:
        return Verdict("one-leader-per-term", "pass", "no elections observed")
    bad = {k: v for k, v in leaders.items() if len(v) > 1}
    if bad:
        (what, n), who = min(bad.items())
        return Verdict("one-leader-per-term", "fail", f"{len(bad)} {what}(s) with two or more leaders; {what} {n}: "
                       f"{', '.join(sorted(who))}")
    kinds = {k for k, _n in leaders}
    return Verdict("one-leader-per-term", "pass", f"{len(leaders)} {'/'.join(sorted(kinds))}(s), one leader each")
