"""Gateway behaviour: per-account rate limits (HTTP 429) and the client retries they trigger."""

from __future__ import annotations

import numpy as np

from distillguard.simulate import timing as T
from distillguard.simulate.plans import RETRY_FLAG, concat, take

# retry style -> (retries, base gap s, gap growth): 0 a person re-sends, 1 SDK back-off, 2 scripted burst,
# 3 fixed delay, 4 gives up (no retry)
STYLES = {0: (1, 8.0, 1.0), 1: (2, 0.6, 2.0), 2: (3, 0.2, 1.3), 3: (3, 5.0, 1.0), 4: (0, 0.0, 1.0)}


def rate_limit(p: dict, rpm: np.ndarray, retry: np.ndarray, rng: np.random.Generator) -> dict:
    """Mark requests beyond an account's requests-per-minute as 429 and add the client's retries."""
    n = p["ts"].size
    if n == 0:
        return p
    minute = p["ts"] // (60 * T.SEC)
    order = np.lexsort((p["ts"], minute, p["acct"]))
    a_s, m_s = p["acct"][order], minute[order]
    new = np.r_[True, (a_s[1:] != a_s[:-1]) | (m_s[1:] != m_s[:-1])]
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    rank = np.arange(n) - start
    over = order[rank >= rpm[a_s]]
    if over.size == 0:
        return p
    p["status"][over] = 429
    extra = []
    style = retry[p["acct"][over]]
    for s, (k, gap, growth) in STYLES.items():
        sel = over[style == s]
        if sel.size == 0 or k == 0:
            continue
        idx = np.repeat(sel, k)
        pos = np.tile(np.arange(k), sel.size)
        q = take(p, idx)
        gaps = gap * growth ** pos * rng.uniform(0.7, 1.3, idx.size)
        cum = np.cumsum(gaps.reshape(-1, k), axis=1).ravel()
        q["ts"] = q["ts"] + (cum * T.SEC).astype(np.int64)
        q["status"] = np.where(pos == k - 1, 200, 429).astype(np.int16)
        q["flags"] = q["flags"] | RETRY_FLAG
        extra.append(q)
    return concat([p] + extra)
