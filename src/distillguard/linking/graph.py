"""The account graph: accounts are nodes; shared evidence tokens become weighted edges.

Each token's contribution is weighted by how rare it is among all accounts (an inverse
document frequency): a /24 used by thousands of customers says little, a template shared
by 150 accounts says a lot. Tokens shared by more than `max_token_accounts` accounts (detect:
`[campaigns] token_max_share` of them, 10%, and at least `token_min_cap`) add no edges at all.
Large groups are linked as sparse random graphs (each member to `fanout` others) instead of full
cliques, so a 6,000-account campaign costs 60k edges, not 18M, and stays connected.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from distillguard._arrays import unique, unique_pairs
from distillguard.linking.evidence import KINDS


@dataclass
class TokenMembers:
    """The accounts sharing each token of one evidence kind, as flat arrays: at 200k accounts
    there are millions of shared tokens, too many for a dict of small arrays.

    Token t's value is ``values[t]``; its member indices (sorted) are
    ``members[offsets[t]:offsets[t + 1]]``.
    """

    values: pa.Array
    offsets: np.ndarray
    members: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def inside(self, mask: np.ndarray) -> np.ndarray:
        """Per token, how many of its members `mask` (bool per account) selects."""
        if len(self.values) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask[self.members].astype(np.int64), self.offsets[:-1])


@dataclass
class AccountGraph:
    """Symmetric weighted adjacency (total and per evidence kind) over indexed accounts."""

    account_ids: np.ndarray  # index -> account_id
    total: sp.csr_matrix
    by_kind: dict[str, sp.csr_matrix]
    token_members: dict[str, TokenMembers]  # kind -> its shared tokens and their members

    @property
    def n(self) -> int:
        return len(self.account_ids)

    def shares_token(self, kind: str, value: str) -> bool:
        """Whether `value` of `kind` is a shared token (one that links accounts)."""
        tm = self.token_members.get(kind)
        return tm is not None and pc.any(pc.equal(tm.values, value)).as_py() is True


def idf(k: np.ndarray, n_accounts: int) -> np.ndarray:
    """Rarity in (0, 1]: 1 for a token two accounts share, falling with log of its spread."""
    n = max(n_accounts, 3)
    return np.clip(np.log(n / np.maximum(k, 2)) / np.log(n / 2), 0.05, 1.0)


def _large_group_pairs(members: np.ndarray, sizes: np.ndarray, fanout: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, group) pairs for groups too large for all pairs, given back to back in `members`:
    in each group a random order, a ring through it (keeps the group connected) and
    `fanout - 1` random partners per member."""
    base = np.repeat(np.cumsum(sizes) - sizes, sizes)        # where each member's group starts
    size = np.repeat(sizes, sizes)
    group = np.repeat(np.arange(len(sizes)), sizes)
    pos = np.arange(len(members)) - base
    order = members[np.lexsort((rng.random(len(members)), group))]   # shuffled within each group
    src, dst = [order], [order[base + (pos - 1) % size]]
    for _ in range(fanout - 1):
        src.append(order)
        dst.append(order[base + (rng.random(len(members)) * size).astype(np.int64)])
    s, d, g = np.concatenate(src), np.concatenate(dst), np.tile(group, fanout)
    keep = s != d
    return s[keep], d[keep], g[keep]


def build_graph(
    tokens: pa.Table,
    account_ids: np.ndarray,
    *,
    extra_edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    max_token_accounts: int | None = None,
    fanout: int = 12,
    seed: int = 0,
    max_degree: int | None = 32,
) -> AccountGraph:
    """Build the graph from (account_id, kind, value) tokens plus precomputed pair edges.

    `extra_edges` maps a kind to (i, j, weight) arrays of account indices (signature, lockstep).
    Each kind keeps, per account, its `max_degree` strongest ties (an edge stays if either end
    keeps it; None: all): accounts behind one proxy pool share thousands of addresses, and at
    220k accounts their pairwise ties alone passed 150M edges and 12 GB. A campaign member's
    strongest few dozen ties already saturate the capped weights that linking reads.
    """
    n = len(account_ids)
    cap = max_token_accounts or max(50, int(0.1 * n))
    # Arrow, not Python objects: at 200k accounts the token table has millions of rows.
    acc = account_index(tokens["account_id"], account_ids)
    kinds = tokens["kind"].combine_chunks()
    values = tokens["value"].combine_chunks()
    known = pa.array(acc >= 0)

    def one_kind(k: int, kind: str) -> tuple[str, TokenMembers, sp.csr_matrix | None] | None:
        mask = pc.and_(pc.equal(kinds, kind), known)
        if not pc.any(mask).as_py():
            return None
        a = acc[mask.to_numpy(zero_copy_only=False)]
        uniq, inv = _sorted_codes(values.filter(mask))
        counts = np.bincount(inv, minlength=len(uniq))
        usable = (counts >= 2) & (counts <= cap)
        tm, codes = _members(uniq, inv, a, usable)
        if len(codes) == 0:
            return None
        weights = KINDS[kind].weight * idf(counts[codes], n)
        pairs = _PairSum(n)
        # Each kind draws from its own stream, so the result does not depend on which kind runs first.
        _add_group_pairs(pairs, tm, weights, fanout, np.random.default_rng([seed, k]))
        m = pairs.matrix()
        if m is not None:
            m.data = np.minimum(m.data, 2 * KINDS[kind].weight)
            m = strongest_edges(m, max_degree) if max_degree else m
        return kind, tm, m

    # Two kinds at a time: the sparse and sorting work runs in numpy and scipy without the GIL,
    # and the two address kinds (ip, ip_prefix) carry ~90% of the pairs at 200k accounts.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dg-graph") as pool:
        done = list(pool.map(lambda ik: one_kind(*ik), enumerate(KINDS)))
    by_kind: dict[str, sp.csr_matrix] = {}
    token_members: dict[str, TokenMembers] = {}
    for item in done:
        if item is not None:
            kind, tm, m = item
            token_members[kind] = tm
            if m is not None:
                by_kind[kind] = m
    graph = AccountGraph(account_ids, _sum(by_kind.values(), n), by_kind, token_members)
    return with_edges(graph, extra_edges) if extra_edges else graph


def _members(uniq: pa.Array, inv: np.ndarray, a: np.ndarray, usable: np.ndarray) -> tuple[TokenMembers, np.ndarray]:
    """The distinct accounts of each usable token with at least two of them, in token order,
    and those tokens' codes (positions in `uniq`)."""
    keep = usable[inv]
    tm_pairs = unique_pairs(inv[keep], a[keep])          # sorted by token, then account
    tok, mem = tm_pairs[:, 0], tm_pairs[:, 1]
    size = np.bincount(tok, minlength=len(uniq))
    ok = size >= 2
    sel = ok[tok]
    codes = np.flatnonzero(ok)
    return TokenMembers(uniq.take(pa.array(codes)), np.concatenate(([0], np.cumsum(size[codes]))), mem[sel]), codes


def _add_group_pairs(pairs: _PairSum, tm: TokenMembers, weights: np.ndarray, fanout: int,
                     rng: np.random.Generator, batch: int = 300_000) -> None:
    """Each token's member pairs: every pair of a small group (by group size), and for a large
    one a ring plus random partners (in batches of about `batch` members)."""
    sizes = tm.sizes
    starts = tm.offsets[:-1]
    for k in unique(sizes[sizes <= fanout + 1]).tolist():
        g = np.flatnonzero(sizes == k)
        block = tm.members[starts[g][:, None] + np.arange(k)]   # (groups, k)
        i, j = np.triu_indices(k, 1)
        pairs.add(block[:, i].ravel(), block[:, j].ravel(), np.repeat(weights[g], len(i)))
    big = np.flatnonzero(sizes > fanout + 1)
    block_of = (np.cumsum(sizes[big]) - 1) // batch      # consecutive groups, ~`batch` members a block
    for b in unique(block_of).tolist():
        part = big[block_of == b]
        k = sizes[part]
        members = tm.members[np.repeat(starts[part], k) + np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)]
        i, j, g = _large_group_pairs(members, k, fanout, rng)
        pairs.add(i, j, weights[part][g])


def account_index(ids: pa.ChunkedArray | pa.Array, account_ids: np.ndarray) -> np.ndarray:
    """Position of each id in `account_ids` (-1 where absent), computed in Arrow."""
    pos = pc.index_in(ids, value_set=pa.array(account_ids.tolist(), pa.string()))
    return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _sorted_codes(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(distinct values in sorted order, each value's code): `np.unique(..., return_inverse=True)`."""
    enc = values.dictionary_encode()
    rank = pc.array_sort_indices(enc.dictionary)  # UTF-8 byte order is code point order
    where = np.empty(len(rank), dtype=np.int64)
    where[rank.to_numpy()] = np.arange(len(rank))
    return enc.dictionary.take(rank), where[enc.indices.to_numpy(zero_copy_only=False)]


def with_edges(graph: AccountGraph, extra_edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> AccountGraph:
    """A copy of `graph` with precomputed pair edges (i, j, weight) added under their kinds."""
    by_kind = dict(graph.by_kind)
    for kind, (i, j, w) in extra_edges.items():
        if len(i):
            by_kind[kind] = _symmetric(i, j, w, graph.n, cap=2 * KINDS[kind].weight)
    return AccountGraph(graph.account_ids, _sum(by_kind.values(), graph.n), by_kind, graph.token_members)


class _PairSum:
    """Sums weighted pairs into a sparse matrix in bounded chunks (both directions, diagonal dropped)."""

    def __init__(self, n: int, chunk: int = 4_000_000) -> None:
        self.n = n
        self.chunk = chunk
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending = 0
        self.total: sp.csr_matrix | None = None

    def add(self, i: np.ndarray, j: np.ndarray, w: float | np.ndarray) -> None:
        w = np.broadcast_to(np.asarray(w, dtype=np.float64), (len(i),))
        off = i != j
        if not off.all():  # the diagonal goes here: scipy's setdiag on a big matrix costs seconds
            i, j, w = i[off], j[off], w[off]
        self.parts.append((i, j, w))
        self.pending += len(i)
        if self.pending >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if not self.parts:
            return
        i = np.concatenate([p[0] for p in self.parts])
        j = np.concatenate([p[1] for p in self.parts])
        w = np.concatenate([p[2] for p in self.parts])
        self.parts, self.pending = [], 0
        m = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
                          shape=(self.n, self.n)).tocsr()
        m.sum_duplicates()
        self.total = m if self.total is None else (self.total + m).tocsr()

    def matrix(self) -> sp.csr_matrix | None:
        self._flush()
        m = self.total
        if m is None:
            return None
        m.eliminate_zeros()
        return m


def strongest_edges(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Symmetric `m` keeping, per row, its `k` heaviest entries (ties: lower column first)."""
    top = top_per_row(m, k)
    return top if top is m else top.maximum(top.T).tocsr()


def top_per_row(m: sp.csr_matrix, k: int, block: int = 8_000_000) -> sp.csr_matrix:
    """`m` (any shape, positive entries) keeping, per row, its `k` heaviest entries (ties: lower column
    first); `m` itself when no row has more.

    Rows are ranked a block of about `block` entries at a time: at 200k accounts one address kind
    has ~110M pairs before this cut, and ranking them at once held ~3.4 GB of sort keys. Each
    block's keys are the same numbers a whole-matrix sort would use, so the result is the same.
    """
    deg = np.diff(m.indptr)
    if len(deg) == 0 or deg.max() <= k:
        return m
    m.sort_indices()
    # One float key sorts by row, then heaviest first (a stable sort keeps column order on ties):
    # a third of the time of a three-key lexsort.
    top_w = float(m.data.max())
    rows_out, cols_out, data_out = [], [], []
    start, n_rows = 0, m.shape[0]
    while start < n_rows:
        end = int(np.searchsorted(m.indptr, m.indptr[start] + block, side="right")) - 1
        end = min(max(end, start + 1), n_rows)
        lo, hi = int(m.indptr[start]), int(m.indptr[end])
        d = deg[start:end]
        rows = np.repeat(np.arange(start, end), d)
        data = m.data[lo:hi]
        order = np.argsort(rows + (top_w - data) / (top_w * 1.0001), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - np.repeat(m.indptr[start:end] - lo, d)
        keep = rank < k
        rows_out.append(rows[keep])
        cols_out.append(m.indices[lo:hi][keep])
        data_out.append(data[keep])
        start = end
    return sp.csr_matrix((np.concatenate(data_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
                         shape=m.shape)


def _sum(matrices, n: int) -> sp.csr_matrix:  # type: ignore[no-untyped-def]
    total = sp.csr_matrix((n, n))
    for m in matrices:
        total = total + m
    return total.tocsr()


def _symmetric(i: np.ndarray, j: np.ndarray, w: np.ndarray, n: int, cap: float) -> sp.csr_matrix:
    """Symmetric matrix; many shared tokens of one kind add up, but only to `cap`."""
    pairs = _PairSum(n)
    pairs.add(i, j, w)
    m = pairs.matrix()
    assert m is not None
    m.data = np.minimum(m.data, cap)
    return m
