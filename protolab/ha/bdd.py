"""A small reduced ordered binary decision diagram (BDD) for monotone structure functions.

Theory of operation
-------------------
A node is an integer id; ids 0 and 1 are the constants "down" and "up". Every other node is a
triple (variable, low, high) stored once in a unique table, so equal functions are the same id
and a node whose two branches are equal is never made. Variables are numbered in the order they
are tested (smaller first). ``conj`` / ``disj`` combine two diagrams by Shannon expansion on the
smaller top variable, memoised per pair; ``at_least`` builds a k-of-n threshold from them.

The probability that a diagram is 1, with independent variables, is one bottom-up pass:
P(node) = p(var) * P(high) + (1 - p(var)) * P(low). Shared variables (a rack under many hosts, a
session store in two paths) are handled exactly, because each variable is tested once per path.
"""

from __future__ import annotations

import sys

ZERO, ONE = 0, 1
MAX_NODES = 3_000_000  # about 1 GB of Python objects: beyond it the diagram is too big to build


class TooBig(Exception):
    """The diagram outgrew MAX_NODES (shared domains cutting across many k-of-n groups do that)."""
TERMINAL = 1 << 60  # the "variable" of the constants: after every real variable


class BDD:
    def __init__(self, max_nodes: int = MAX_NODES) -> None:
        self.max_nodes = max_nodes
        self.var = [TERMINAL, TERMINAL]
        self.low = [0, 1]
        self.high = [0, 1]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._and: dict[tuple[int, int], int] = {}
        self._or: dict[tuple[int, int], int] = {}
        if sys.getrecursionlimit() < 20_000:  # recursion depth follows the number of variables
            sys.setrecursionlimit(20_000)

    def mk(self, v: int, low: int, high: int) -> int:
        if low == high:
            return low
        key = (v, low, high)
        node = self._unique.get(key)
        if node is None:
            if len(self.var) >= self.max_nodes:
                raise TooBig(len(self.var))
            node = self._unique[key] = len(self.var)
            self.var.append(v)
            self.low.append(low)
            self.high.append(high)
        return node

    def variable(self, v: int) -> int:
        return self.mk(v, ZERO, ONE)

    def conj(self, a: int, b: int) -> int:
        return self._apply(a, b, ZERO, ONE, self._and)

    def disj(self, a: int, b: int) -> int:
        return self._apply(a, b, ONE, ZERO, self._or)

    def _apply(self, a: int, b: int, absorbing: int, neutral: int, memo: dict) -> int:
        """AND (absorbing 0, neutral 1) or OR (absorbing 1, neutral 0) of two nodes: Shannon expansion on
        the lower variable, memoised per operation."""
        if a == absorbing or b == absorbing:
            return absorbing
        if a == neutral or a == b:
            return b
        if b == neutral:
            return a
        key = (a, b) if a < b else (b, a)
        hit = memo.get(key)
        if hit is not None:
            return hit
        va, vb = self.var[a], self.var[b]
        v = va if va < vb else vb
        a0, a1 = (self.low[a], self.high[a]) if va == v else (a, a)
        b0, b1 = (self.low[b], self.high[b]) if vb == v else (b, b)
        out = memo[key] = self.mk(v, self._apply(a0, b0, absorbing, neutral, memo),
                                  self._apply(a1, b1, absorbing, neutral, memo))
        return out

    def at_least(self, k: int, items: list[int]) -> int:
        """At least ``k`` of ``items`` are 1 (monotone: T(i, k) = x_i T(i+1, k-1) + T(i+1, k))."""
        n = len(items)
        if k <= 0:
            return ONE
        if k > n:
            return ZERO
        row = [ONE] * (n + 1)  # row[i] = T(i, j) for the current j; T(n, j>0) = 0
        for j in range(1, k + 1):
            new = [ZERO] * (n + 1)
            for i in range(n - 1, -1, -1):
                new[i] = ZERO if n - i < j else self.disj(self.conj(items[i], row[i + 1]), new[i + 1])
            row = new
        return row[0]

    def probability(self, root: int, p: list[float]) -> float:
        """P(root = 1) when variable v is 1 with probability p[v], independently."""
        memo = {ZERO: 0.0, ONE: 1.0}
        order = sorted(self._reachable(root), key=lambda n: -self.var[n])  # deepest variables first
        for n in order:
            q = p[self.var[n]]
            memo[n] = q * memo[self.high[n]] + (1.0 - q) * memo[self.low[n]]
        return memo[root]

    def _reachable(self, root: int) -> list[int]:
        seen, stack = set(), [root]
        while stack:
            n = stack.pop()
            if n <= ONE or n in seen:
                continue
            seen.add(n)
            stack += (self.low[n], self.high[n])
        return list(seen)

    def size(self, root: int) -> int:
        return len(self._reachable(root))

    def up_path(self, node: int) -> list[int]:
        """The nodes met when every variable is 1 from ``node`` on (following high edges)."""
        out = []
        while node > ONE:
            out.append(node)
            node = self.high[node]
        return out

    def all_up_value(self, node: int) -> int:
        while node > ONE:
            node = self.high[node]
        return node

    def cuts(self, root: int, max_order: int) -> list[tuple[int, ...]]:
        """The minimal cut sets of at most ``max_order`` variables: sets whose being 0 (all other
        variables 1) makes root 0 while no proper subset does (Rauzy's recursion on the BDD).
        A minimal cut of node (v, low, high) either avoids v, then it is one of high's, or holds v
        with a minimal cut c of low that contains none of high's (else c alone would cut). Cuts are
        sorted tuples: every variable below v is larger, so (v, *c) stays sorted."""
        memo: dict[tuple[int, int], frozenset] = {}
        empty = frozenset([()])
        nothing: frozenset = frozenset()

        def cuts(n: int, r: int) -> frozenset:
            if n == ZERO:
                return empty
            if n == ONE:
                return nothing
            if r == 0:
                return empty if self.all_up_value(n) == ZERO else nothing
            key = (n, r)
            hit = memo.get(key)
            if hit is not None:
                return hit
            high = cuts(self.high[n], r)
            v = self.var[n]
            new = [(v, *c) for c in cuts(self.low[n], r - 1)
                   # a subset of c that already cuts with v up makes (v, *c) not minimal
                   if not (() in high or any((x,) in high for x in c) or (len(c) > 1 and c in high))]
            memo[key] = result = high.union(new) if new else high  # no copy when nothing is added
            return result

        return sorted(cuts(root, max_order), key=lambda c: (len(c), c))
