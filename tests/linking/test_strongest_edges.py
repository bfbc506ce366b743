"""Sparsifying the graph before Leiden keeps each node's strongest ties and the communities."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from distillguard.linking.communities import detect_communities
from distillguard.linking.graph import strongest_edges, top_per_row


def _random_symmetric(n: int, density: float, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    m = sp.random(n, n, density=density, random_state=rng, format="csr")
    m = (m + m.T).tocsr()
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def test_each_row_keeps_its_k_heaviest_and_the_result_is_symmetric():
    m = _random_symmetric(300, 0.2, 1)
    k = 5
    top = strongest_edges(m, k)
    assert (top != top.T).nnz == 0
    dense, kept = m.toarray(), top.toarray()
    for r in range(m.shape[0]):
        heaviest = np.argsort(-dense[r], kind="stable")[:k]
        heaviest = heaviest[dense[r, heaviest] > 0]
        assert np.all(kept[r, heaviest] == dense[r, heaviest])  # its own top k survive
    assert np.all((kept == 0) | (kept == dense))  # nothing invented, weights unchanged
    assert top.nnz < m.nnz


def test_dense_groups_are_still_found_after_sparsifying():
    """Three groups of 60 accounts tied all-to-all (a proxy pool each), a few chance ties between."""
    rng = np.random.default_rng(4)
    n, size = 180, 60
    rows, cols = [], []
    for g in range(3):
        idx = np.arange(g * size, (g + 1) * size)
        i, j = np.triu_indices(size, 1)
        rows.append(idx[i])
        cols.append(idx[j])
    noise_i, noise_j = rng.integers(0, n, 40), rng.integers(0, n, 40)
    i = np.concatenate(rows + [noise_i])
    j = np.concatenate(cols + [noise_j])
    w = np.concatenate([rng.uniform(0.8, 2.0, sum(len(r) for r in rows)), np.full(40, 0.35)])
    m = sp.coo_matrix((w, (i, j)), shape=(n, n)).tocsr()
    m = (m + m.T).tocsr()
    m.setdiag(0)
    m.eliminate_zeros()
    labels = detect_communities(m, max_degree=8)
    for g in range(3):
        assert len(set(labels[g * size:(g + 1) * size].tolist())) == 1
    assert len({labels[0], labels[size], labels[2 * size]}) == 3


def test_ranking_rows_a_block_at_a_time_keeps_the_same_entries():
    """top_per_row ranks a block of rows at a time (memory); any block size gives the whole-matrix result,
    ties (many equal weights) included."""
    rng = np.random.default_rng(5)
    n = 400
    m = sp.random(n, n, density=0.2, random_state=7, format="csr")
    m.data = np.round(m.data * 4) / 4 + 0.25          # few distinct weights: many ties
    whole = top_per_row(m.copy(), 7, block=10**9)
    for block in (1, 13, 500, int(rng.integers(20, 2000))):
        got = top_per_row(m.copy(), 7, block=block)
        assert (got != whole).nnz == 0 and got.nnz == whole.nnz
    assert np.diff(whole.indptr).max() == 7
