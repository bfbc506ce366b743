"""Near-duplicate recurring prompt text per account, paraphrase included: one cluster label per account.

A mined template catches an exact wrapper. An operator that paraphrases its wrapper for every
account defeats that, but each account still repeats its own version in every request, and the
versions share most of their words. Per account we take a deterministic sample of its
exchanges (system prompt and last user turn), keep the words (4+ letters) that recur in at least
`min_share` of the sampled requests - the account's wrapper, whichever turn it sits in - and
summarise that word set with a MinHash. Accounts whose sets have an estimated Jaccard similarity
of at least `min_jaccard` are linked (LSH candidates, then verified on the whole signature), and
connected components are the clusters. Accounts with too little recurring text get no label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import xxhash

SAMPLE_SQL = """
WITH n AS (SELECT account_id, count(*) AS n FROM exchanges GROUP BY account_id)
SELECT e.account_id, left(e.system_prompt, {head}) AS system_prompt,
       CASE WHEN length(e.last_user_text) > {both} THEN concat(left(e.last_user_text, {head}), ' ',
            right(e.last_user_text, {head})) ELSE e.last_user_text END AS last_user_text
FROM exchanges e JOIN n ON n.account_id = e.account_id
WHERE n.n <= {k} OR (hash(e.exchange_id) % 1000003) * n.n < {k} * 1000003
ORDER BY e.account_id, e.exchange_id
"""

_WORD = re.compile(r"[^\W\d_]{4,}")
_PRIME = (1 << 61) - 1


@dataclass(frozen=True)
class WrapperParams:
    per_account: int = 12      # exchanges sampled per account
    head_chars: int = 400      # a wrapper sits at the start or the end: read this much of each
    min_share: float = 0.5     # a word is part of the wrapper when this share of sampled requests has it
    min_words: int = 8         # fewer recurring words: no label
    perms: int = 64
    rows_per_band: int = 4
    min_jaccard: float = 0.5
    max_bucket: int = 300      # larger LSH buckets (one very common text) are linked as a whole


def wrapper_clusters(engine, account_ids: np.ndarray, params: WrapperParams | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A cluster label per account in `account_ids` ('' when it has no recurring text to compare)."""
    p = params or WrapperParams()
    t = engine.sql(SAMPLE_SQL.format(k=int(p.per_account), head=int(p.head_chars), both=2 * int(p.head_chars)))
    index = {a: i for i, a in enumerate(account_ids.tolist())}
    words: dict[int, dict[str, int]] = {}
    seen: dict[int, int] = {}
    for a, sys_p, user in zip(t["account_id"].to_pylist(), t["system_prompt"].to_pylist(),
                              t["last_user_text"].to_pylist(), strict=True):
        i = index.get(a)
        if i is None:
            continue
        seen[i] = seen.get(i, 0) + 1
        bag = words.setdefault(i, {})
        for w in set(_WORD.findall(((sys_p or "") + " " + (user or "")).lower())):
            bag[w] = bag.get(w, 0) + 1
    accounts, sigs = [], []
    a_coef, b_coef = _coefficients(p.perms)
    for i, bag in words.items():
        n = seen[i]
        need = max(2, int(np.ceil(p.min_share * n))) if n >= 3 else 1
        kept = [w for w, c in bag.items() if c >= need]
        if len(kept) < p.min_words:
            continue
        h = np.array([xxhash.xxh64_intdigest(w.encode()) & _PRIME for w in kept], dtype=np.uint64)
        # a*h + b modulo 2^64 with odd a is a bijection of the word hashes: its minimum is a MinHash
        sig = ((h[:, None] * a_coef[None, :]) + b_coef[None, :]).min(axis=0)
        accounts.append(i)
        sigs.append(sig)
    labels = np.full(len(account_ids), "", dtype=object)
    if len(accounts) < 2:
        return labels
    sig = np.vstack(sigs)
    pairs_i: list[np.ndarray] = []
    pairs_j: list[np.ndarray] = []
    r = p.rows_per_band
    for b in range(p.perms // r):
        band = np.ascontiguousarray(sig[:, b * r:(b + 1) * r])
        _, key = np.unique(band, axis=0, return_inverse=True)
        order = np.argsort(key, kind="stable")
        ks = key[order]
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        ends = np.r_[starts[1:], len(ks)]
        for s_, e_ in zip(starts.tolist(), ends.tolist(), strict=True):
            if e_ - s_ < 2:
                continue
            members = order[s_:e_]
            if e_ - s_ > p.max_bucket:  # one very common text: a chain keeps it connected
                pairs_i.append(members[:-1])
                pairs_j.append(members[1:])
                continue
            block = sig[members]
            sim = (block[:, None, :] == block[None, :, :]).mean(axis=2)
            ii, jj = np.nonzero(np.triu(sim >= p.min_jaccard, k=1))
            pairs_i.append(members[ii])
            pairs_j.append(members[jj])
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    m = len(accounts)
    i_all = np.concatenate(pairs_i) if pairs_i else np.empty(0, np.int64)
    j_all = np.concatenate(pairs_j) if pairs_j else np.empty(0, np.int64)
    adj = sp.csr_matrix((np.ones(len(i_all)), (i_all, j_all)), shape=(m, m))
    _, comp = connected_components(adj, directed=False)
    # label a component by its first account (stable across runs: accounts come in id order)
    first = np.full(comp.max() + 1, -1, dtype=np.int64)
    for x in range(m - 1, -1, -1):
        first[comp[x]] = x
    roots = first[comp]
    for x, i in enumerate(accounts):
        labels[i] = f"w{int(accounts[roots[x]])}"
    # a label held by one account links nothing
    uniq, counts = np.unique(labels[labels != ""], return_counts=True)
    single = set(uniq[counts < 2].tolist())
    labels[[lab in single for lab in labels.tolist()]] = ""
    return labels


def _coefficients(perms: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20261201)
    a = rng.integers(1, 2**62, perms, dtype=np.uint64) | np.uint64(1)   # odd multipliers
    b = rng.integers(0, 2**62, perms, dtype=np.uint64)
    return a, b
