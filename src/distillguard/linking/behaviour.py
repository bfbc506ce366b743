"""Behaviour-profile edges between accounts that were each flagged on their own.

A stealth campaign gives every account its own IP, card and paraphrased prompts, so it shares
no infrastructure and few exact templates. What one harness cannot vary cheaply is how it
behaves: the request parameters it sends, its mix of extraction categories, how harvest-shaped
its prompts are, how it spreads over the day. Two accounts are *behaviour-linked* when

* they send the same request configuration (modal ``max_tokens`` and ``temperature``), and
* their behaviour profiles (robustly standardised fingerprint columns, see `PROFILE_COLUMNS`)
  have cosine similarity >= ``min_similarity`` (detect: ``[campaigns] behaviour_min_similarity``, 0.8;
  ``MIN_SIMILARITY`` is the functions' default).

Among accounts flagged on their own these edges group verdicts for the analyst. They flag
someone new only through `recruit_edges`: an account with a little suspicion of its own that
works exactly like many members of a campaign built from flagged accounts, in a request
configuration that is that campaign's own (few other customers send it). Standardisation uses
the whole population's median and inter-quartile range, so "similar" means similar relative to
how customers differ.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

# Fingerprint columns (schema/fingerprints.py) that describe *how* an account works, not how much.
PROFILE_COLUMNS: tuple[str, ...] = (
    "hour_entropy", "gap_log_std", "burstiness", "sub_second_gap_share", "mean_hours_per_active_day",
    "single_turn_share", "mean_user_turns", "harvest_mean", "harvest_share", "content_diversity",
    "template_entropy", "max_tokens_cap_share", "temperature_mean", "temperature_given_share", "stream_share",
    "json_format_share", "tools_share", "n_gt1_share", "logprobs_share", "thinking_share", "output_input_ratio",
    "mean_output_tokens", "browser_ua_share", "datacenter_share", "vpn_share", "category_top_share",
    "category_entropy", "param_fixity",
)
CONFIG_COLUMNS: tuple[str, ...] = ("max_tokens_mode", "temperature_mode")
_LOG_SCALE = ("mean_output_tokens",)
# Cosine at which two profiles are near-identical: the bar of behaviour edges, of recruits and of the
# null test that judges a joiner's tie (one bar, so the test asks what the edge asked). Detect passes
# `[campaigns] behaviour_min_similarity` to all three; this is the functions' default.
MIN_SIMILARITY = 0.8
_CLIP = 5.0


def behaviour_profiles(fingerprints: pa.Table, account_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length profile vectors and request-configuration keys, rows aligned with `account_ids`.

    Accounts without a fingerprint get a zero vector (similar to nothing) and an empty key.
    """
    names = set(fingerprints.column_names)
    index = {a: i for i, a in enumerate(fingerprints.column("account_id").to_pylist())}
    rows = np.array([index.get(a, -1) for a in account_ids.tolist()], dtype=np.int64)
    cols = []
    for name in PROFILE_COLUMNS:
        if name not in names:
            continue
        v = np.asarray(fingerprints.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
        cols.append(np.log1p(np.maximum(v, 0)) if name in _LOG_SCALE else v)
    cols.extend(_category_shares(fingerprints))
    x = np.column_stack(cols) if cols else np.zeros((fingerprints.num_rows, 0))
    z = _robust_z(x)
    out = np.zeros((len(account_ids), z.shape[1]))
    have = rows >= 0
    out[have] = z[rows[have]]
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    out = np.divide(out, norm, out=np.zeros_like(out), where=norm > 0)
    keys = np.full(len(account_ids), "", dtype=object)
    if all(c in names for c in CONFIG_COLUMNS):
        parts = [[str(v) for v in fingerprints.column(c).to_pylist()] for c in CONFIG_COLUMNS]
        joined = np.array(["|".join(p) for p in zip(*parts, strict=True)], dtype=object)
        keys[have] = joined[rows[have]]
    return out, keys


def _category_shares(fingerprints: pa.Table) -> list[np.ndarray]:
    if "category_mix" not in fingerprints.column_names:
        return []
    mixes = [json.loads(s) if s else {} for s in fingerprints.column("category_mix").to_pylist()]
    cats = sorted({k for m in mixes for k in m})
    return [np.array([m.get(c, 0.0) for m in mixes], dtype=np.float64) for c in cats]


def _robust_z(x: np.ndarray) -> np.ndarray:
    """(x - median) / IQR per column (std where the IQR is 0), clipped; NaN becomes the median."""
    if x.size == 0:
        return x
    # A feature null for every account (no accounts file, say) has no median: it scores 0, and
    # numpy is never asked for statistics of an all-NaN column (that warns on every run).
    has = ~np.isnan(x).all(axis=0)
    med, iqr, sd = np.zeros(x.shape[1]), np.zeros(x.shape[1]), np.zeros(x.shape[1])
    if has.any():
        xs = x[:, has]
        with np.errstate(all="ignore"):
            med[has] = np.nanmedian(xs, axis=0)
            iqr[has] = np.nanquantile(xs, 0.75, axis=0) - np.nanquantile(xs, 0.25, axis=0)
            sd[has] = np.nanstd(xs, axis=0)
    scale = np.where(iqr > 1e-9, iqr, np.where(sd > 1e-9, sd, 1.0))
    med = np.nan_to_num(med)
    z = (x - med) / scale
    return np.clip(np.nan_to_num(z, nan=0.0), -_CLIP, _CLIP)


def behaviour_edges(profiles: np.ndarray, keys: np.ndarray, candidates: np.ndarray, *,
                    min_similarity: float = MIN_SIMILARITY, max_candidates: int = 20_000, max_key_share: float = 1.0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (i, j, weight) among `candidates` with the same configuration key and near profiles.

    Weight runs from 0.5 at `min_similarity` to 1.0 at identical profiles. Candidates are the
    accounts flagged alone (hundreds, not the population); beyond `max_candidates` only the
    first ones are compared, to bound the quadratic cost. A configuration more than
    `max_key_share` of all accounts (`keys` covers them all) send links no one: an SDK's default
    says nothing about who runs the account, and near profiles among its senders are any
    harvesting bots, several operators' alike.
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    cand = np.asarray(candidates, dtype=np.int64)[:max_candidates]
    cand = cand[np.asarray([bool(k) for k in keys[cand]], dtype=bool)] if len(cand) else cand
    if len(cand) and max_key_share < 1.0:
        values, counts = np.unique(keys[keys != ""].astype(str), return_counts=True)
        common = set(values[counts > max_key_share * len(keys)].tolist())
        cand = cand[np.asarray([k not in common for k in keys[cand]], dtype=bool)]
    if len(cand) < 2:
        return empty
    src, dst, wts = [], [], []
    for key in sorted(set(keys[cand].tolist())):
        group = cand[keys[cand] == key]
        if len(group) < 2:
            continue
        sim = profiles[group] @ profiles[group].T
        i, j = np.nonzero(np.triu(sim >= min_similarity, k=1))
        if len(i):
            src.append(group[i])
            dst.append(group[j])
            wts.append(0.5 + 0.5 * (sim[i, j] - min_similarity) / (1 - min_similarity))
    if not src:
        return empty
    return np.concatenate(src), np.concatenate(dst), np.concatenate(wts)


def recruit_edges(profiles: np.ndarray, keys: np.ndarray, members: np.ndarray, leads: np.ndarray, *,
                  min_similarity: float = MIN_SIMILARITY, min_matches: int = 10, min_key_share: float = 0.5
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (lead, member, weight) for the `leads` that work like a campaign's `members`.

    A lead joins when it sends the members' modal request configuration and its profile has
    cosine >= `min_similarity` with at least `min_matches` of them; it gets edges to its
    `min_matches` nearest members, weighted as in `behaviour_edges`. Nothing joins unless at
    least `min_key_share` of all accounts sending that configuration are members: where many
    customers send it (an SDK default), sharing it says nothing about who runs the account.
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    members = np.asarray(members, dtype=np.int64)
    top = modal_configuration(keys, members)
    if len(members) < min_matches or top is None:
        return empty
    senders = keys == top
    own = members[keys[members] == top]
    if len(own) < max(min_matches, min_key_share * senders.sum()):
        return empty
    is_member = np.zeros(len(keys), dtype=bool)
    is_member[members] = True
    leads = np.asarray(leads, dtype=np.int64)
    leads = leads[senders[leads] & ~is_member[leads]]
    if not len(leads):
        return empty
    sim = profiles[leads] @ profiles[own].T
    ok = (sim >= min_similarity).sum(axis=1) >= min_matches
    if not ok.any():
        return empty
    sim = sim[ok]
    nearest = np.argpartition(-sim, min_matches - 1, axis=1)[:, :min_matches]
    best = np.take_along_axis(sim, nearest, axis=1)
    src = np.repeat(leads[ok], min_matches)
    return src, own[nearest.ravel()], 0.5 + 0.5 * (best.ravel() - min_similarity) / (1 - min_similarity)


def ordinary_ties(profiles: np.ndarray, keys: np.ndarray, members: np.ndarray, joiners: np.ndarray,
                  outside: np.ndarray, *, min_similarity: float = MIN_SIMILARITY, min_share: float = 0.5,
                  min_accounts: int = 10, chunk: int = 2048) -> np.ndarray:
    """Per joiner: whether a behaviour tie from it to `members` is ordinary among accounts outside.

    `outside` is the null population (accounts no campaign holds, not flagged, that sent as few
    exchanges as a joiner). A joiner's tie is ordinary when, among the accounts of `outside` that
    send its request configuration, at least `min_accounts` and at least `min_share` of them have
    a profile as near (cosine >= `min_similarity`) to one of the members sending it: then a tie to
    the campaign is what such accounts have, and says nothing about who runs this one.
    """
    joiners = np.asarray(joiners, dtype=np.int64)
    out = np.zeros(len(joiners), dtype=bool)
    if min_accounts <= 0 or not len(joiners):
        return out
    members = np.asarray(members, dtype=np.int64)
    outside = np.asarray(outside, dtype=np.int64)
    for key in set(keys[joiners].tolist()):
        if not key:
            continue
        own = members[keys[members] == key]
        pool = outside[keys[outside] == key]
        if len(pool) < min_accounts or not len(own):
            continue
        near = sum(int(((profiles[pool[s:s + chunk]] @ profiles[own].T) >= min_similarity).any(axis=1).sum())
                   for s in range(0, len(pool), chunk))
        if near >= max(min_accounts, min_share * len(pool)):
            out[keys[joiners] == key] = True
    return out


def configuration_indicator(keys: np.ndarray, members: np.ndarray) -> dict | None:
    """The request configuration most members send, as an indicator an analyst can check.

    ``accounts`` is how many members send it, ``accounts_total`` how many accounts in the whole
    population do (a configuration thousands of customers use says little on its own).
    """
    top = modal_configuration(keys, members)
    if top is None:
        return None
    parts = zip(CONFIG_COLUMNS, top.split("|"), strict=True)
    shown = ", ".join(f"{name.removesuffix('_mode')}={v}" for name, v in parts)
    return {"kind": "request_configuration", "value": shown, "accounts": int((keys[members] == top).sum()),
            "accounts_total": int((keys == top).sum())}


def modal_configuration(keys: np.ndarray, members: np.ndarray) -> str | None:
    """The configuration key most `members` send (ties: the smallest key), None if none has one."""
    member_keys = keys[np.asarray(members, dtype=np.int64)]
    member_keys = member_keys[member_keys != ""].astype(str)
    if not len(member_keys):
        return None
    values, counts = np.unique(member_keys, return_counts=True)
    return str(values[int(np.argmax(counts))])
