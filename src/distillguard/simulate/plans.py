"""Traffic plans: one numpy row per exchange (time, account, content keys), and the benign personas.

A plan holds no text. Rendering turns each row into a request/response later, as a pure
function of the row, so plans can be built per day and rendered in bounded chunks.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import timing as T
from distillguard.simulate.population import Accounts

# kinds of exchange (what the renderer builds)
CHAT, DEV, EVAL, JUDGE, BATCH, AGENT, RESEARCH, JAIL, C_REASON, C_AGENT, MUNDANE, C_STEALTH, C_PLAY = range(13)
MUNDANE_FLAG, RETRY_FLAG = 1, 2

COLS = {"ts": np.int64, "acct": np.int64, "kind": np.int8, "sess": np.int64, "turn": np.int16,
        "nturns": np.int16, "a": np.int64, "b": np.int64, "c": np.int64, "model": np.int8,
        "status": np.int16, "flags": np.int8, "ipsel": np.int64}


def make(n: int, **cols) -> dict[str, np.ndarray]:
    out = {}
    for k, dt in COLS.items():
        v = cols.get(k)
        if v is None:
            out[k] = np.full(n, -1 if k == "ipsel" else (200 if k == "status" else 0), dtype=dt)
        else:
            out[k] = np.broadcast_to(np.asarray(v), (n,)).astype(dt)
    return out


def concat(plans: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    plans = [p for p in plans if p["ts"].size]
    if not plans:
        return make(0)
    return {k: np.concatenate([p[k] for p in plans]) for k in COLS}


def take(p: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in p.items()}


def sort(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.lexsort((p["flags"], p["turn"], p["sess"], p["acct"], p["ts"]))
    return take(p, order)


class Ctx:
    """What every generator needs for one day."""

    def __init__(self, seed: int, accounts: Accounts, t0: int, days: int, release: int, corpus) -> None:
        self.seed, self.acc, self.t0, self.days, self.release, self.corpus = seed, accounts, t0, days, release, corpus
        self.end = t0 + days * T.DAY

    def rng(self, component: int, day: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, component, day])

    def members(self, persona_i: int, day_start: int) -> np.ndarray:
        a = self.acc
        return np.flatnonzero((a["persona_i"] == persona_i) & (a["campaign_i"] < 0)
                              & (a["act_from"] < day_start + T.DAY) & (a["act_to"] > day_start))

    def sess_keys(self, component: int, day: int, n: int) -> np.ndarray:
        return (np.int64(component) << 48) + (np.int64(day) << 36) + np.arange(n, dtype=np.int64)


def _models(ctx: Ctx, rng, ts, accts, share=0.45, ramp_h=72.0):
    return T.pick_models(rng, ts, ctx.acc["pro"][accts], ctx.release, share, ramp_h)


def _session_plan(ctx, rng, comp, day, accts, starts, nturns, gap_s, kind, share=0.45, ramp_h=72.0,
                  c=None) -> dict:
    s = T.sessions(rng, accts, starts, nturns, gap_s)
    n_sess = starts.size
    keys = ctx.sess_keys(comp, day, n_sess)
    a_key = rng.integers(0, 2**62, n_sess)
    b_key = rng.integers(0, 2**62, n_sess)
    c_key = rng.integers(0, 2**62, n_sess) if c is None else c
    # one model per session (a conversation stays on the model it started with)
    model_s = _models(ctx, rng, starts, accts, share, ramp_h)
    i = s["sidx"]
    return make(i.size, ts=s["ts"], acct=s["acct"], kind=kind, sess=keys[i], turn=s["turn"],
                nturns=s["nturns"], a=a_key[i], b=b_key[i], c=np.asarray(c_key)[i], model=model_s[i])


def human_sessions(ctx: Ctx, comp: int, persona_i: int, day: int, kind: int, per_day: float,
                   max_turns: int, gap_s: float, base=T.HUMAN) -> dict:
    day_start = ctx.t0 + day * T.DAY
    rng = ctx.rng(comp, day)
    m = ctx.members(persona_i, day_start)
    if m.size == 0:
        return make(0)
    tz = ctx.acc["tz"][m]
    prof = T.local_profile(base, tz) * T.weekday_factor(day_start, tz, 0.8)[:, None]
    accts, starts = T.draw_starts(rng, m, ctx.acc["rate"][m] * per_day, prof, day_start)
    keep = (starts >= ctx.acc["act_from"][accts]) & (starts < ctx.acc["act_to"][accts])
    accts, starts = accts[keep], starts[keep]
    nturns = np.minimum(max_turns, 1 + rng.geometric(0.45, accts.size) - 1)
    return _session_plan(ctx, rng, comp, day, accts, starts, nturns, gap_s, kind)


def steady(ctx: Ctx, comp: int, persona_i: int, day: int, kind: int) -> dict:
    """Developer apps: single calls at the account's rate, shaped by a ServeGen client when present."""
    day_start = ctx.t0 + day * T.DAY
    rng = ctx.rng(comp, day)
    m = ctx.members(persona_i, day_start)
    if m.size == 0:
        return make(0)
    sg = ctx.corpus.servegen
    if sg is not None:
        rows = ctx.acc["sg"][m] % sg.shape[0]
        hours = (day % 14) * 24 + np.arange(24)
        prof = sg[rows][:, hours] / 24.0
    else:
        prof = T.local_profile(T.WORK * 0.5 + 1.0, ctx.acc["tz"][m])
    accts, ts = T.draw_starts(rng, m, ctx.acc["rate"][m], prof, day_start)
    return _session_plan(ctx, rng, comp, day, accts, ts, np.ones(ts.size), 1.0, kind)


def eval_jobs(ctx: Ctx, comp: int, persona_i: int, day: int, activity: float) -> dict:
    """Benchmark suites in bursts, LLM-as-judge runs, and re-runs on the new model after release."""
    day_start = ctx.t0 + day * T.DAY
    rng = ctx.rng(comp, day)
    m = ctx.members(persona_i, day_start)
    out = []
    n_suites = len(ctx.corpus.suites)
    n_judge = max(1, len(ctx.corpus.templates_of("judge", "rubric_grading")))
    jobs = []   # (acct, start, kind, suite/template, variant, model)
    for acct in m:
        fix = int(ctx.acc["fix"][acct])
        tz = int(ctx.acc["tz"][acct])
        if rng.random() < 0.45 * activity:
            start = day_start + int(((9 + rng.integers(0, 9) - tz) % 24) * T.HOUR + rng.integers(0, T.HOUR))
            judge = ((fix >> 3) + day) % 3 == 0
            model = 2 if start > ctx.release and rng.random() < 0.6 else int(rng.random() < 0.3)
            what = (fix + int(rng.integers(0, 3))) % (n_judge if judge else n_suites)
            jobs.append((acct, start, JUDGE if judge else EVAL, what, int(rng.random() < 0.3), model))
        if day_start <= ctx.release < day_start + T.DAY and rng.random() < 0.85:
            start = ctx.release + int(rng.uniform(0.5, 8) * T.HOUR)
            jobs.append((acct, start, EVAL, fix % n_suites, int(rng.random() < 0.3), 2))
    for j, (acct, start, kind, what, variant, model) in enumerate(jobs):
        if kind == EVAL:
            n = len(ctx.corpus.suites[what].rows)
        else:
            n = int(rng.integers(40, 240))
        gaps = rng.exponential(0.8 * T.SEC, n).astype(np.int64)
        ts = start + np.cumsum(gaps)
        key = (np.int64(comp) << 48) + (np.int64(day) << 36) + j
        out.append(make(n, ts=ts, acct=acct, kind=kind, sess=key, a=what, b=np.arange(n), c=variant,
                        model=model, nturns=1))
    return concat(out)


def batch_jobs(ctx: Ctx, comp: int, persona_i: int, day: int) -> dict:
    """Enterprise batch: one templated job a day per account, at a fixed local hour, high rate."""
    day_start = ctx.t0 + day * T.DAY
    rng = ctx.rng(comp, day)
    out = []
    for j, acct in enumerate(ctx.members(persona_i, day_start)):
        if rng.random() > 0.9:
            continue
        fix = int(ctx.acc["fix"][acct])
        hour = ([1, 2, 3, 22, 23, 14][fix % 6] - int(ctx.acc["tz"][acct])) % 24
        n = int(rng.poisson(ctx.acc["rate"][acct]))
        if n == 0:
            continue
        start = day_start + hour * T.HOUR + int(rng.integers(0, 600)) * T.SEC
        ts = start + np.cumsum(rng.exponential(0.25 * T.SEC, n)).astype(np.int64)
        model = 1 if fix % 3 else 0
        key = (np.int64(comp) << 48) + (np.int64(day) << 36) + j
        out.append(make(n, ts=ts, acct=acct, kind=BATCH, sess=key, a=fix, b=rng.integers(0, 2**62, n),
                        model=model, nturns=1))
    return concat(out)


def researcher(ctx: Ctx, comp: int, persona_i: int, day: int) -> dict:
    """Researchers: reasoning prompts with thinking on, and small synthetic-data template bursts."""
    p = human_sessions(ctx, comp, persona_i, day, RESEARCH, 3.0, 1, 30.0, T.WORK)
    if p["ts"].size == 0:
        return p
    rng = ctx.rng(comp + 1, day)
    burst = (p["c"] % 10) < 3
    reps = np.where(burst, rng.integers(10, 40, p["ts"].size), 1)
    idx = np.repeat(np.arange(p["ts"].size), reps)
    q = take(p, idx)
    first = np.repeat(np.cumsum(reps) - reps, reps)
    q["b"] = q["b"] + (np.arange(idx.size) - first)
    q["ts"] = q["ts"] + ((np.arange(idx.size) - first) * rng.uniform(2, 6, idx.size) * T.SEC).astype(np.int64)
    return q
