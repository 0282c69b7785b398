"""The live backend's redis-py connections warn about nothing: the retry policy they are given is the
asyncio one (redis-py converts a synchronous Retry handed to an asyncio client, with a UserWarning that
every live run used to print), and it still retries nothing."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("owner", [None, "c1"])
def test_a_live_connection_is_made_without_a_warning(owner):
    pytest.importorskip("redis")
    from redis.asyncio.retry import Retry

    from protolab.replication.live.conn import connection
    from protolab.replication.live.owners import Owners

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conn = connection(6379, timeout=0.5, owner=owner, owners=Owners() if owner else None)
    assert [str(w.message) for w in caught] == []
    assert isinstance(conn.retry, Retry) and conn.retry._retries == 0  # a timed-out write is never re-sent
