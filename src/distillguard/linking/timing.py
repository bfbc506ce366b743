"""Lock-step timing and behavioural-signature edges between accounts.

Lock-step: accounts fed by one load balancer start, pause and stop together. Each account's
activity is binned (default 10 minutes) and compared by Pearson correlation, which ignores
steady volume (two always-on apps do not correlate) and keeps shared on/off structure.
Pairs are only scored among candidates (pairs that already share evidence, and nearest
neighbours among suspicious accounts), never all pairs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from distillguard._arrays import unique_pairs
from distillguard.engine.base import Engine
from distillguard.linking.graph import account_index

ACTIVITY_SQL = """
SELECT account_id, CAST(floor((epoch_us(ts) - $t0) / $bin_us) AS BIGINT) AS bin, count(*) AS n
FROM exchanges GROUP BY account_id, CAST(floor((epoch_us(ts) - $t0) / $bin_us) AS BIGINT)
"""


def activity_matrix(engine: Engine, account_ids: np.ndarray, bin_minutes: int = 10) -> sp.csr_matrix:
    """Accounts x time bins, counts of exchanges."""
    t0 = engine.sql("SELECT min(epoch_us(ts)) AS t0 FROM exchanges").column(0)[0].as_py() or 0
    rows = engine.sql(ACTIVITY_SQL, {"t0": t0, "bin_us": bin_minutes * 60_000_000})
    r = account_index(rows["account_id"], account_ids)
    b = rows["bin"].to_numpy()
    n = rows["n"].to_numpy().astype(np.float64)
    keep = r >= 0
    n_bins = int(b.max()) + 1 if len(b) else 1
    return sp.csr_matrix((np.sqrt(n[keep]), (r[keep], b[keep])), shape=(len(account_ids), n_bins))


def _centred_norms(m: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    n_bins = m.shape[1]
    s = np.asarray(m.sum(axis=1)).ravel()
    sq = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    mean = s / n_bins
    var = np.maximum(sq - n_bins * mean**2, 1e-12)
    return mean, np.sqrt(var)


def pair_correlation(m: sp.csr_matrix, i: np.ndarray, j: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Pearson correlation of activity rows for each (i, j) pair."""
    mean, norm = _centred_norms(m)
    n_bins = m.shape[1]
    out = np.empty(len(i))
    for s in range(0, len(i), chunk):
        a, b = i[s:s + chunk], j[s:s + chunk]
        dot = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
        out[s:s + chunk] = (dot - n_bins * mean[a] * mean[b]) / (norm[a] * norm[b])
    return out


def lockstep_edges(
    activity: sp.csr_matrix,
    candidate_i: np.ndarray,
    candidate_j: np.ndarray,
    suspicious: np.ndarray,
    *,
    min_correlation: float = 0.6,
    min_active_bins: int = 6,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (i, j, weight) between accounts whose binned activity is strongly correlated."""
    active = np.diff(activity.indptr)
    ok = active >= min_active_bins
    sus = suspicious[ok[suspicious]]
    if len(sus) >= 2:
        nn_i, nn_j, _ = _dense_neighbours(projected_profiles(activity, sus), sus)
        candidate_i = np.concatenate([candidate_i, nn_i])
        candidate_j = np.concatenate([candidate_j, nn_j])
    keep = ok[candidate_i] & ok[candidate_j] & (candidate_i != candidate_j)
    i, j = candidate_i[keep], candidate_j[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pairs = unique_pairs(lo, hi)
    if len(pairs) == 0:
        return pairs[:, 0], pairs[:, 1], np.empty(0)
    corr = pair_correlation(activity, pairs[:, 0], pairs[:, 1])
    strong = corr >= min_correlation
    w = (corr[strong] - min_correlation) / (1 - min_correlation)
    return pairs[strong, 0], pairs[strong, 1], 0.5 + 0.5 * w


def projected_profiles(activity: sp.csr_matrix, rows: np.ndarray, dims: int = 128, seed: int = 0) -> np.ndarray:
    """Centred, unit-norm activity rows, randomly projected to `dims` columns (float32).

    Euclidean distance between centred unit rows is sqrt(2 - 2 * correlation), and a Gaussian
    projection keeps distances to within ~sqrt(2 / dims) (relative): enough to find each
    account's nearest candidates, whose correlation is then computed exactly. At 200k accounts
    the suspicious fifth is ~39k rows of ~1,000 ten-minute bins: the projection cuts the
    neighbour search's cost by the ratio of the two widths, and the rows are never densified.
    """
    n_bins = activity.shape[1]
    mean, norm = _centred_norms(activity)
    if n_bins <= dims:
        dense = activity[rows].toarray() - mean[rows, None]
        return (dense / norm[rows, None]).astype(np.float32)
    r = np.random.default_rng(seed).standard_normal((n_bins, dims)) / np.sqrt(dims)
    # (a - mean) @ r == a @ r - mean * column sums of r
    y = np.asarray(activity[rows] @ r) - mean[rows, None] * r.sum(axis=0)[None, :]
    return (y / norm[rows, None]).astype(np.float32)


def _dense_neighbours(dense: np.ndarray, members: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = min(k + 1, len(members))
    nn = NearestNeighbors(n_neighbors=k, metric="euclidean", algorithm="brute").fit(dense)
    _, idx = nn.kneighbors(dense)
    src = np.repeat(np.arange(len(members)), k)
    dst = idx.ravel()
    keep = src != dst
    return members[src[keep]], members[dst[keep]], np.ones(int(keep.sum()))


def signature_edges(
    signatures: np.ndarray, suspicious: np.ndarray, similarity, *, min_similarity: float = 0.8,
    bands: int = 12, max_bucket: int = 200, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges between suspicious accounts whose behavioural signatures nearly match.

    Candidates come from LSH banding of the signature's MinHash part (accounts that agree on
    one whole band), never from all pairs; `similarity(a, b)` scores each candidate.
    """
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))
    if len(suspicious) < 2:
        return empty
    rng = np.random.default_rng(seed)
    x = signatures[suspicious]
    width = max(1, min(48, x.shape[1]) // bands)
    src, dst = [], []
    for b in range(bands):
        keys = x[:, b * width:(b + 1) * width]
        _, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        inv = inv.ravel()
        order = np.argsort(inv, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(counts)))
        for g in np.flatnonzero(counts >= 2):
            members = order[bounds[g]:bounds[g + 1]]
            if len(members) > max_bucket:
                members = rng.choice(members, max_bucket, replace=False)
            nxt = np.roll(members, 1)  # a ring per bucket keeps it connected at linear cost
            src.append(members)
            dst.append(nxt)
            if len(members) > 2:
                src.append(members)
                dst.append(members[rng.integers(0, len(members), len(members))])
    if not src:
        return empty
    i, j = np.concatenate(src), np.concatenate(dst)
    keep = i != j
    i, j = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
    pairs = unique_pairs(i, j)
    sim = similarity(x[pairs[:, 0]], x[pairs[:, 1]])
    strong = sim >= min_similarity
    w = 0.5 + 0.5 * (sim[strong] - min_similarity) / (1 - min_similarity)
    return suspicious[pairs[strong, 0]], suspicious[pairs[strong, 1]], w
