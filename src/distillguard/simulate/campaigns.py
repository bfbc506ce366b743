"""Campaign traffic: scripted orchestration over farms of accounts (simulated, see docs/simulator.md).

- reasoning: a central queue pushes bursts round-robin across accounts (lock-step), CoT elicitation,
  rubric grading and censorship-safe rewrites; retry bursts after 429s.
- agentic: tool-use / coding / computer-use trajectories with growing message lists, image inputs,
  a share of mundane prompts to dilute, requests through rotating proxies.
- high_volume: agentic coding at scale; accounts come in waves as older ones churn; a share of
  traffic moves to the newly released model within 24 hours.
- stealth: per-account paraphrased wrappers, a few exchanges a day on human-like timing.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import timing as T
from distillguard.simulate.config import CAMPAIGNS, CampaignKnobs
from distillguard.simulate.plans import (
    C_AGENT, C_REASON, C_STEALTH, MUNDANE, MUNDANE_FLAG, Ctx, concat, make, take, _session_plan,
)

# category selector (column c % 100) thresholds, per campaign
AGENT_MIX = {"agentic": ((35, "tool"), (65, "coding"), (85, "computer"), (100, "vision")),
             "high_volume": ((60, "coding"), (100, "tool"))}


def _day_quota(knobs: CampaignKnobs, ctx: Ctx, day: int) -> int:
    start = ctx.t0 + int(knobs.start_day * T.DAY)
    total = ctx.end - start
    lo, hi = max(start, ctx.t0 + day * T.DAY), min(ctx.end, ctx.t0 + (day + 1) * T.DAY)
    return 0 if hi <= lo else int(round(knobs.exchanges * (hi - lo) / total))


def _active(ctx: Ctx, ci: int, t: int) -> np.ndarray:
    a = ctx.acc
    m = np.flatnonzero((a["campaign_i"] == ci) & (a["act_from"] <= t) & (a["act_to"] > t))
    return m[np.argsort(a["gid"][m], kind="stable")]


def _round_robin(ctx: Ctx, ci: int, ts: np.ndarray, counter0: int) -> np.ndarray:
    """Assign items (sorted by ts) to active accounts in turn, hour by hour."""
    acct = np.full(ts.size, -1, dtype=np.int64)
    hours = (ts - ctx.t0) // T.HOUR
    counter = counter0
    for h in np.unique(hours):
        sel = np.flatnonzero(hours == h)
        act = _active(ctx, ci, int(ctx.t0 + h * T.HOUR + T.HOUR // 2))
        if act.size == 0:
            continue
        acct[sel] = act[(counter + np.arange(sel.size)) % act.size]
        counter += sel.size
    return acct


def _mundane(ctx: Ctx, rng, comp: int, day: int, ci: int, n: int, lo: int, hi: int) -> dict:
    ts = np.sort(rng.integers(lo, hi, n))
    acct = _round_robin(ctx, ci, ts, int(rng.integers(0, 1000)))
    keep = acct >= 0
    ts, acct = ts[keep], acct[keep]
    keys = (np.int64(comp) << 48) + (np.int64(day) << 36) + (np.int64(1) << 35) + np.arange(ts.size)
    model = T.pick_models(rng, ts, ctx.acc["pro"][acct], ctx.release, 0.3, 48)
    return make(ts.size, ts=ts, acct=acct, kind=MUNDANE, sess=keys, a=rng.integers(0, 2**62, ts.size),
                b=rng.integers(0, 2**62, ts.size), model=model, nturns=1, flags=MUNDANE_FLAG)


def _window(knobs: CampaignKnobs, ctx: Ctx, day: int) -> tuple[int, int]:
    start = ctx.t0 + int(knobs.start_day * T.DAY)
    return max(start, ctx.t0 + day * T.DAY), min(ctx.end, ctx.t0 + (day + 1) * T.DAY)


def reasoning(ctx: Ctx, knobs: CampaignKnobs, day: int, comp: int) -> dict:
    ci = CAMPAIGNS.index("reasoning")
    rng = ctx.rng(comp, day)
    quota = _day_quota(knobs, ctx, day)
    lo, hi = _window(knobs, ctx, day)
    if quota == 0 or hi <= lo:
        return make(0)
    n_mund = int(round(quota * knobs.mundane_share))
    n_main = quota - n_mund
    n_acc = max(1, _active(ctx, ci, (lo + hi) // 2).size)
    per_burst = n_acc * int(rng.integers(4, 9))
    n_bursts = max(1, -(-n_main // per_burst))
    starts = np.sort(rng.integers(lo, max(lo + 1, hi - T.HOUR), n_bursts))
    sizes = np.full(n_bursts, n_main // n_bursts)
    sizes[: n_main - sizes.sum()] += 1
    idx = np.repeat(np.arange(n_bursts), sizes)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(idx.size) - first
    jitter = rng.exponential(max(knobs.timing_jitter_s, 1e-3), idx.size) * T.SEC
    ts = starts[idx] + (pos * 0.05 * T.SEC).astype(np.int64) + jitter.astype(np.int64)
    acct = np.full(ts.size, -1, dtype=np.int64)
    for bi in range(n_bursts):  # lock-step: the same account order every burst
        sel = np.flatnonzero(idx == bi)
        act = _active(ctx, ci, int(starts[bi]))
        if act.size:
            acct[sel] = act[np.arange(sel.size) % act.size]
    keep = acct >= 0
    n = int(keep.sum())
    keys = (np.int64(comp) << 48) + (np.int64(day) << 36) + np.arange(n)
    ts, acct = ts[keep], acct[keep]
    model = T.pick_models(rng, ts, ctx.acc["pro"][acct], ctx.release, knobs.new_model_share, 24)
    main = make(n, ts=ts, acct=acct, kind=C_REASON, sess=keys, a=rng.integers(0, 2**62, n),
                b=rng.integers(0, 2**62, n), c=rng.integers(0, 2**62, n), model=model, nturns=1)
    return _rotate(ctx, rng, concat([main, _mundane(ctx, rng, comp, day, ci, n_mund, lo, hi)]))


def agentic(ctx: Ctx, knobs: CampaignKnobs, day: int, comp: int, name: str = "agentic") -> dict:
    ci = CAMPAIGNS.index(name)
    rng = ctx.rng(comp, day)
    quota = _day_quota(knobs, ctx, day)
    lo, hi = _window(knobs, ctx, day)
    if quota == 0 or hi <= lo:
        return make(0)
    n_mund = int(round(quota * knobs.mundane_share))
    mix = AGENT_MIX[name]
    mean_turns = 6.5 if name == "agentic" else 9.0   # agentic: 15% single-turn vision requests
    n_traj = max(1, int(round((quota - n_mund) / mean_turns)))
    starts = np.sort(rng.integers(lo, hi, n_traj))
    acct = _round_robin(ctx, ci, starts, day * 7919)
    keep = acct >= 0
    starts, acct = starts[keep], acct[keep]
    csel = rng.integers(0, 2**62, starts.size)
    pct = csel % 100
    vision = pct >= mix[-2][0] if mix[-1][1] == "vision" else np.zeros(starts.size, bool)
    lo_t, hi_t = (3, 13) if name == "agentic" else (4, 15)
    nturns = np.where(vision, 1, rng.integers(lo_t, hi_t, starts.size))
    p = _session_plan(ctx, rng, comp, day, acct, starts, nturns, 4.0 + knobs.timing_jitter_s, C_AGENT,
                      share=knobs.new_model_share, ramp_h=24.0, c=csel)
    mund = _mundane(ctx, rng, comp, day, ci, n_mund, lo, hi)
    return _rotate(ctx, rng, concat([p, mund]))


def high_volume(ctx: Ctx, knobs: CampaignKnobs, day: int, comp: int) -> dict:
    return agentic(ctx, knobs, day, comp, "high_volume")


def stealth(ctx: Ctx, knobs: CampaignKnobs, day: int, comp: int) -> dict:
    """Human-like: sessions drawn like a chat user's, scaled so the campaign meets its quota."""
    ci = CAMPAIGNS.index("stealth")
    rng = ctx.rng(comp, day)
    quota = _day_quota(knobs, ctx, day)
    lo, hi = _window(knobs, ctx, day)
    a = ctx.acc
    m = np.flatnonzero(a["campaign_i"] == ci)
    if quota == 0 or hi <= lo or m.size == 0:
        return make(0)
    day_start = ctx.t0 + day * T.DAY
    prof = T.local_profile(T.HUMAN, a["tz"][m])
    per_acct = quota / m.size / 1.4 * a["rate"][m] / a["rate"][m].mean()
    accts, starts = T.draw_starts(rng, m, per_acct, prof, day_start)
    keep = (starts >= lo) & (starts < hi)
    accts, starts = accts[keep], starts[keep]
    order = np.argsort(starts, kind="stable")
    accts, starts = accts[order], starts[order]
    nturns = 1 + (rng.random(accts.size) < 0.4)
    p = _session_plan(ctx, rng, comp, day, accts, starts, nturns, 45.0 + knobs.timing_jitter_s, C_STEALTH,
                      share=knobs.new_model_share, ramp_h=72.0)
    mund = (p["a"] % 1_000_000) < knobs.mundane_share * 1_000_000   # whole sessions are mundane
    p["kind"][mund] = MUNDANE
    p["flags"][mund] = MUNDANE_FLAG
    return _rotate(ctx, rng, p)


def _rotate(ctx: Ctx, rng, p: dict) -> dict:
    """Requests that leave through a fresh proxy address instead of the account's usual one."""
    if p["ts"].size == 0:
        return p
    acc = ctx.acc
    rot = acc["rot"][p["acct"]]
    use = rng.random(p["ts"].size) < rot
    n_pool = np.maximum(acc["pool_n"][p["acct"]], 1)
    p["ipsel"] = np.where(use, acc["pool_lo"][p["acct"]] + rng.integers(0, 2**40, p["ts"].size) % n_pool, -1)
    return p


GENERATORS = {"reasoning": reasoning, "agentic": agentic, "high_volume": high_volume, "stealth": stealth}


def cap_daily(ctx: Ctx, p: dict, caps: np.ndarray) -> dict:
    """Drop campaign rows beyond each account's per-UTC-day cap (`caps` per account, 0 = none)."""
    if p["ts"].size == 0:
        return p
    day = (p["ts"] - ctx.t0) // T.DAY
    order = np.lexsort((p["ts"], day, p["acct"]))
    acct_s, day_s = p["acct"][order], day[order]
    new_grp = np.r_[True, (acct_s[1:] != acct_s[:-1]) | (day_s[1:] != day_s[:-1])]
    grp_start = np.maximum.accumulate(np.where(new_grp, np.arange(order.size), 0))
    rank = np.arange(order.size) - grp_start
    cap = caps[acct_s]
    keep_sorted = (cap <= 0) | (rank < cap)
    keep = np.zeros(order.size, bool)
    keep[order[keep_sorted]] = True
    return take(p, np.flatnonzero(keep))
