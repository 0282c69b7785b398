"""A replicated write log stored as runs of consecutive write ids.

A primary applies writes in the order they arrive; with one client (or ordered clients) the ids
come in sequence, so the log is a handful of ``[start, end]`` runs whatever the number of writes:
the data set of a long benchmark run takes constant memory. Its length is the replication offset.
The open (last) run's end lives in ``next_id`` (that end + 1: the id that extends it), so the
common append is one comparison and one store; ``ends[-1]`` is brought up to date when read.
"""

from __future__ import annotations

from collections.abc import Iterator


class IdLog:
    __slots__ = ("starts", "_ends", "length", "next_id")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self._ends: list[int] = []
        self.length = 0
        self.next_id = -1  # the id that extends the last run (write ids start at 1: -1 extends nothing)

    @property
    def ends(self) -> list[int]:
        ends = self._ends
        if ends:
            ends[-1] = self.next_id - 1
        return ends

    def append(self, wid: int) -> None:
        if wid == self.next_id:  # hot paths inline these two lines
            self.next_id = wid + 1
        else:
            self.start_run(wid)
        self.length += 1

    def start_run(self, wid: int) -> None:
        self.ends.append(wid)
        self.starts.append(wid)
        self.next_id = wid + 1

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self.starts, self.ends, strict=True):
            yield from range(start, end + 1)

    def copy(self) -> IdLog:
        other = IdLog()
        other.starts, other._ends, other.length = list(self.starts), list(self.ends), self.length
        other.next_id = self.next_id
        return other

    def suffix(self, offset: int) -> list[int]:
        """The ids after the first ``offset`` (what a replica at that offset is missing)."""
        out: list[int] = []
        skip = offset
        for start, end in zip(self.starts, self.ends, strict=True):
            n = end - start + 1
            if skip >= n:
                skip -= n
                continue
            out.extend(range(start + skip, end + 1))
            skip = 0
        return out

    def reversed_ids(self) -> Iterator[int]:
        """The ids from the newest back (a read looks for the last write to its key)."""
        for start, end in zip(reversed(self.starts), reversed(self.ends), strict=True):
            yield from range(end, start - 1, -1)


def last_write_to(ids, key: int, key_of: dict[int, int]) -> int | None:
    """The newest id in ``ids`` (newest first) whose key is ``key``: what a register read returns."""
    for wid in ids:
        if key_of.get(wid) == key:
            return wid
    return None
