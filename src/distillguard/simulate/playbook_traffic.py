"""One day of a playbook campaign's traffic: dispatch, sessions, dilution, release reaction.

Rows are plan rows of kind `C_PLAY`; column `c` carries the harvesting family (low 4 bits,
index into the playbook's families) and a free key above it. Mundane dilution rows (kind
`MUNDANE`) are sent by the same accounts within minutes of the campaign's own sessions.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import timing as T
from distillguard.simulate.campaigns import _rotate
from distillguard.simulate.plans import C_PLAY, MUNDANE, MUNDANE_FLAG, Ctx, concat, make
from distillguard.simulate.playbooks import AGENTIC_FAMILIES, Playbook

GAP_S = {"lockstep": 2.0, "shifts": 4.0, "queue": 6.0, "human": 45.0}
RELEASE = {"wave": (0.6, 6.0), "drift": (0.5, 120.0), "none": (0.0, 1.0)}   # (share, ramp hours)


def _active(ctx: Ctx, ci: int, lo: int, hi: int) -> np.ndarray:
    a = ctx.acc
    m = np.flatnonzero((a["campaign_i"] == ci) & (a["act_from"] < hi) & (a["act_to"] > lo))
    return m[np.argsort(a["gid"][m], kind="stable")]


def _assign(ctx: Ctx, ci: int, ts: np.ndarray, rng, fixed_order: bool) -> np.ndarray:
    """Give each start to an account active then (in turn when `fixed_order`, else at random)."""
    acct = np.full(ts.size, -1, dtype=np.int64)
    hours = (ts - ctx.t0) // T.HOUR
    turn = 0
    for h in np.unique(hours):
        sel = np.flatnonzero(hours == h)
        t = int(ctx.t0 + h * T.HOUR)
        act = _active(ctx, ci, t, t + T.HOUR)
        if act.size == 0:
            continue
        if fixed_order:
            acct[sel] = act[(turn + np.arange(sel.size)) % act.size]
            turn += sel.size
        else:
            acct[sel] = act[rng.integers(0, act.size, sel.size)]
    return acct


def _starts(ctx: Ctx, pb: Playbook, rng, n: int, lo: int, hi: int, members: np.ndarray) -> tuple:
    """(account, start ts) of `n` sessions per the dispatch axis."""
    how = pb.choices["dispatch"]
    ci = pb.index
    if how == "lockstep":   # bursts from a central queue, every burst the same account order
        per = max(1, members.size) * int(rng.integers(4, 9))
        n_b = max(1, -(-n // per))
        b0 = np.sort(rng.integers(lo, max(lo + 1, hi - T.HOUR), n_b))
        idx = np.arange(n) % n_b
        pos = np.arange(n) // n_b
        ts = b0[idx] + (pos * 0.05 * T.SEC).astype(np.int64) + (rng.exponential(0.4, n) * T.SEC).astype(np.int64)
        ts = np.sort(ts)
        return _assign(ctx, ci, ts, rng, True), ts
    if how in ("shifts", "queue"):
        day_start = ctx.t0 + (lo - ctx.t0) // T.DAY * T.DAY
        if how == "shifts":   # two operator shifts, 07-23 in the operator's time zone
            local = (np.arange(24) + pb.operator_tz) % 24
            prof = ((local >= 7) & (local < 23)).astype(float)
        else:
            prof = np.ones(24)
        hrs = rng.choice(24, n, p=prof / prof.sum())
        ts = np.sort(day_start + hrs * T.HOUR + rng.integers(0, T.HOUR, n))
        ts = ts[(ts >= lo) & (ts < hi)]
        return _assign(ctx, ci, ts, rng, False), ts
    # human: sessions per account on a diurnal cycle in the account's own time zone
    a = ctx.acc
    day_start = ctx.t0 + (lo - ctx.t0) // T.DAY * T.DAY
    prof = T.local_profile(T.HUMAN, a["tz"][members])
    per_acct = n / max(members.size, 1) * a["rate"][members] / max(a["rate"][members].mean(), 1e-9)
    accts, ts = T.draw_starts(rng, members, per_acct, prof, day_start)
    keep = (ts >= lo) & (ts < hi) & (ts >= a["act_from"][accts]) & (ts < a["act_to"][accts])
    accts, ts = accts[keep], ts[keep]
    order = np.argsort(ts, kind="stable")
    return accts[order], ts[order]


def generate(ctx: Ctx, pb: Playbook, day: int, comp: int) -> dict:
    """Plan rows of playbook `pb` on UTC day `day`."""
    rng = ctx.rng(comp, day)
    start = ctx.t0 + int(pb.start_day * T.DAY)
    lo, hi = max(start, ctx.t0 + day * T.DAY), min(ctx.end, ctx.t0 + (day + 1) * T.DAY)
    if hi <= lo:
        return make(0)
    members = _active(ctx, pb.index, lo, hi)
    if members.size == 0:
        return make(0)
    quota = int(round(pb.per_day * members.size * (hi - lo) / T.DAY))
    n_mund = int(round(quota * pb.dilution))
    n_fam = len(pb.families)
    agentic = np.array([f in AGENTIC_FAMILIES for f in pb.families])
    low = pb.choices["volume"] == "low"
    turns = (2, 5) if low else (3, 11)   # low volume: short trajectories, so every account sends something
    mean_turns = 1 + agentic.mean() * (2.0 if low else 6.5) \
        + (~agentic).mean() * (0.4 if pb.choices["dispatch"] == "human" else 0)
    n_sess = max(1, int(round((quota - n_mund) / mean_turns)))
    if low:   # at least ~1.5 sessions per account and day: an account bought for a campaign is used
        n_sess = max(n_sess, int(round(1.5 * members.size * (hi - lo) / T.DAY)))
    accts, starts = _starts(ctx, pb, rng, n_sess, lo, hi, members)
    keep = accts >= 0
    accts, starts = accts[keep], starts[keep]
    if starts.size == 0:
        return make(0)
    fam = rng.integers(0, n_fam, starts.size)
    c = (rng.integers(0, 2**40, starts.size) << 4) | fam
    human = pb.choices["dispatch"] == "human"
    nturns = np.where(agentic[fam], rng.integers(turns[0], turns[1], starts.size),
                      1 + (rng.random(starts.size) < (0.4 if human else 0.0)))
    s = T.sessions(rng, accts, starts, nturns, GAP_S[pb.choices["dispatch"]])
    keys = ctx.sess_keys(comp, day, starts.size)
    share, ramp = RELEASE[pb.choices["release"]]
    model_s = T.pick_models(rng, starts, ctx.acc["pro"][accts], ctx.release, share, ramp)
    i = s["sidx"]
    main = make(i.size, ts=s["ts"], acct=s["acct"], kind=C_PLAY, sess=keys[i], turn=s["turn"],
                nturns=s["nturns"], a=rng.integers(0, 2**62, starts.size)[i],
                b=rng.integers(0, 2**62, starts.size)[i], c=c[i], model=model_s[i])
    parts = [main]
    if n_mund:   # dilution inside the campaign's sessions: same accounts, minutes apart
        host = rng.integers(0, starts.size, n_mund)
        ts = starts[host] + (rng.uniform(20, 900, n_mund) * T.SEC).astype(np.int64)
        mk = (np.int64(comp) << 48) + (np.int64(day) << 36) + (np.int64(1) << 35) + np.arange(n_mund)
        parts.append(make(n_mund, ts=ts, acct=accts[host], kind=MUNDANE, sess=mk,
                          a=rng.integers(0, 2**62, n_mund), b=rng.integers(0, 2**62, n_mund),
                          model=model_s[host], nturns=1, flags=MUNDANE_FLAG))
    return _rotate(ctx, rng, concat(parts))
