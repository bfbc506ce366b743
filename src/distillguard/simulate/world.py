"""`simulate_world`: build accounts, plan traffic day by day, render and stream it to disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import orjson

from distillguard.errors import ConfigError, ExportError
from distillguard.simulate import campaigns as C
from distillguard.simulate import hard_negatives as HN
from distillguard.simulate import infra as I
from distillguard.simulate import limits, pipeline, population
from distillguard.simulate import playbook_traffic as PT
from distillguard.simulate import playbooks as PB
from distillguard.simulate import plans as P
from distillguard.simulate import timing as T
from distillguard.simulate.config import CAMPAIGNS, PERSONAS, SimConfig, load_config
from distillguard.simulate.corpus import load_corpus
from distillguard.simulate.ids import hex_ids
from distillguard.simulate.records import PROFILES, Assembler
from distillguard.simulate.render import Renderer
from distillguard.simulate.text import Texts
from distillguard.simulate.writer import TruthWriter, write_jsonl

FORMATS = ("jsonl", "parquet")


def _day_plan(ctx: P.Ctx, cfg: SimConfig, day: int, playbooks: list) -> dict:
    pi = PERSONAS.index
    act = {k: v.activity for k, v in cfg.personas.items()}
    parts = [
        P.human_sessions(ctx, 10, pi("chat_user"), day, P.CHAT, 1.0, 8, 70.0),
        P.human_sessions(ctx, 11, pi("nat_user"), day, P.CHAT, 1.2, 6, 60.0),
        P.steady(ctx, 12, pi("developer_app"), day, P.DEV),
        P.eval_jobs(ctx, 13, pi("eval_runner"), day, act.get("eval_runner", 1.0)),
        P.batch_jobs(ctx, 14, pi("batch_job"), day),
        P.human_sessions(ctx, 15, pi("coding_agent"), day, P.AGENT, 1.6, 18, 9.0, T.WORK),
        P.researcher(ctx, 16, pi("researcher"), day),
        P.human_sessions(ctx, 18, pi("jailbreaker"), day, P.JAIL, 1.2, 4, 40.0),
    ]
    for i, name in enumerate(CAMPAIGNS):
        knobs = cfg.campaigns.get(name)
        if knobs and knobs.accounts and knobs.exchanges:
            parts.append(C.GENERATORS[name](ctx, knobs, day, 40 + i))
    for name in HN.NEW:
        knobs = cfg.personas.get(name)
        if knobs and knobs.accounts:
            parts.append(HN.plan(ctx, pi(name), name, day, 20 + 2 * HN.NEW.index(name)))
    for pb in playbooks:
        parts.append(PT.generate(ctx, pb, day, 100 + pb.index))
    return P.concat(parts)


def simulate_world(out: Path, scale: str = "tiny", seed: int = 0, corpus: Path | None = None,
                   config: Path | None = None, fmt: str | None = None, progress: bool = False) -> dict:
    """Write a simulated world (exchanges, accounts, events, labels, truth) under `out`.

    Returns a summary dict: counts per persona and campaign, paths, seconds.
    """
    began = time.perf_counter()
    cfg = load_config(scale, Path(config) if config else None)
    fmt = fmt or ("jsonl" if scale == "tiny" else "parquet")
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}", hint="use jsonl or parquet")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create output folder {out}: {exc.strerror}") from exc
    for old in [*(out / "exchanges").glob("part-*"), *(out / "truth").glob("*.parquet"),
                *(out / "truth").glob("campaigns.jsonl")]:
        old.unlink()
    corp = load_corpus(Path(corpus) if corpus else None)
    w = cfg.world
    t0 = T.parse_start(w.start)
    release = t0 + int(round(w.release_day * T.DAY / (60 * T.SEC))) * 60 * T.SEC
    playbooks = PB.draw(cfg.playbooks, seed, w.days, len(CAMPAIGNS), len(I.RESIDENTIAL))
    names = CAMPAIGNS + tuple(pb.name for pb in playbooks)
    acc, proxies = population.build(cfg, corp, seed, t0, release, playbooks)
    n = acc.n
    keys_flat = hex_ids("key_", np.arange(n * 3), seed, "api_key")
    org_keys = np.where(acc["org"] < 0, np.arange(n), acc["org"])
    ids = {"account": hex_ids("acct_", np.arange(n), seed, "account"),
           "org": hex_ids("org_", org_keys, seed, "org"),
           "keys": [keys_flat[3 * i: 3 * i + int(acc["nkeys"][i])] for i in range(n)]}
    models = (w.old_model, w.small_model, w.new_model)
    renderer = Renderer(corp, Texts(corp, seed), models, cfg.campaigns, blocks_only=fmt == "parquet",
                        playbooks=playbooks)
    asm = Assembler(renderer, acc, ids, proxies, corp.azure_out, models, names)
    ctx = P.Ctx(seed, acc, t0, w.days, release, corp)
    caps = np.zeros(n, dtype=np.int64)
    for i, name in enumerate(CAMPAIGNS):
        if name in cfg.campaigns:
            caps[acc["campaign_i"] == i] = cfg.campaigns[name].daily_cap
    for pb in playbooks:
        caps[acc["campaign_i"] == pb.index] = pb.daily_cap
    truth = TruthWriter(out)
    ts_style = np.array([p[3] for p in PROFILES], dtype=np.int64)
    profiles = np.asarray(acc["profile"], dtype=np.int64)
    pipeline.init(asm, fmt, seed, ts_style, profiles, out / "exchanges")
    bar = _Progress(progress, w.days)
    parts: list[str] = []
    rows = [0]

    def sink(path: str, truth_table) -> None:
        parts.append(path)
        rows[0] += truth_table.num_rows
        truth.write_table(truth_table)
        bar.rows(truth_table.num_rows)

    try:
        pipeline.run(_tasks(ctx, cfg, caps, bar, playbooks), _workers(w.workers, scale), sink)
    finally:
        truth.close()
        bar.close()
    summary = _finish(out, cfg, acc, ids, seed, scale, fmt, release, parts, rows[0], truth, corp.source, began,
                      playbooks)
    return summary


def _tasks(ctx: P.Ctx, cfg: SimConfig, caps: np.ndarray, bar, playbooks: list):
    """Plan day by day; yield chunks of rows in time order with their first row number."""
    w = cfg.world
    acc = ctx.acc
    carry = P.make(0)
    counter = index = 0
    for day in range(w.days):
        fresh = limits.rate_limit(_day_plan(ctx, cfg, day, playbooks), acc["rpm"], acc["retry"], ctx.rng(90, day))
        p = P.concat([carry, fresh])
        del fresh, carry   # keep at most two copies of a day's plan alive
        p = C.cap_daily(ctx, p, caps)
        p = P.sort(p)
        cut = ctx.end if day == w.days - 1 else ctx.t0 + (day + 1) * T.DAY
        n_now = int(np.searchsorted(p["ts"], cut))
        carry = P.take(p, np.arange(n_now, p["ts"].size)) if day < w.days - 1 else P.make(0)
        for lo in range(0, n_now, w.chunk_rows):
            hi = min(n_now, lo + w.chunk_rows)
            yield {k: v[lo:hi].copy() for k, v in p.items()}, counter, index
            counter += hi - lo
            index += 1
        bar.day()


def _workers(knob: int, scale: str) -> int:
    if knob > 0:
        return knob
    return 1 if scale == "tiny" else max(1, min(2, os.cpu_count() or 1))


def _finish(out, cfg, acc, ids, seed, scale, fmt, release, parts, n_rows, truth, source, began,
            playbooks) -> dict:
    pay = hex_ids("pm_", np.asarray([x & 0x7FFFFFFFFFFFFFFF for x in acc["pay"]], dtype=np.uint64),
                  seed, "payment")
    accounts, labels = [], []
    created = T.rfc3339(acc["created"], np.zeros(acc.n, dtype=np.int64))
    for i in range(acc.n):
        accounts.append({"account_id": ids["account"][i], "created_at": created[i],
                         "email_domain": acc["email"][i], "payment_fingerprint": pay[i],
                         "country": acc["country"][i], "signup_path": acc["signup"][i],
                         "verified": bool(acc["verified"][i])})
        labels.append({"account_id": ids["account"][i], "campaign": acc["campaign"][i],
                       "persona": acc["persona"][i]})
    accounts.sort(key=lambda r: r["account_id"])
    labels.sort(key=lambda r: r["account_id"])
    write_jsonl(out / "accounts.jsonl", accounts)
    write_jsonl(out / "labels.jsonl", labels)
    rel = T.rfc3339(np.array([release]), np.zeros(1, dtype=np.int64))[0]
    write_jsonl(out / "events.jsonl", [{"type": "model_release", "model": cfg.world.new_model, "ts": rel}])
    per_persona: dict[str, int] = {}
    per_campaign: dict[str, int] = {}
    for i in range(acc.n):
        c = acc["campaign"][i]
        if c:
            per_campaign[c] = per_campaign.get(c, 0) + 1
        else:
            per_persona[acc["persona"][i]] = per_persona.get(acc["persona"][i], 0) + 1
    summary = {
        "scale": scale, "seed": seed, "format": fmt, "corpus": source,
        "accounts": acc.n, "exchanges": n_rows,
        "accounts_by_persona": dict(sorted(per_persona.items())),
        "accounts_by_campaign": dict(sorted(per_campaign.items())),
        "paths": {"exchanges": parts, "accounts": str(out / "accounts.jsonl"),
                  "events": str(out / "events.jsonl"), "labels": str(out / "labels.jsonl"),
                  "truth": str(truth.path), "world": str(out / "world.json")},
        "model_release": {"model": cfg.world.new_model, "ts": rel},
    }
    if playbooks:   # each drawn campaign's choices, also in truth/campaigns.jsonl
        summary["playbooks"] = [pb.record() for pb in playbooks]
        write_jsonl(out / "truth" / "campaigns.jsonl", summary["playbooks"])
        summary["paths"]["campaigns_truth"] = str(out / "truth" / "campaigns.jsonl")
    rel_paths = {k: ([str(Path(x).relative_to(out)) for x in v] if isinstance(v, list)
                     else str(Path(v).relative_to(out))) for k, v in summary["paths"].items()}
    (out / "world.json").write_bytes(orjson.dumps({**summary, "paths": rel_paths, "config": cfg.to_dict()},
                                                  option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    summary["seconds"] = round(time.perf_counter() - began, 3)
    return summary


class _Progress:
    """Rich progress on stderr, only when asked (the CLI asks when stderr is a TTY)."""

    def __init__(self, on: bool, days: int) -> None:
        self.p = None
        if on:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            from distillguard.cli._common import err
            self.p = Progress(TextColumn("simulate"), BarColumn(), TextColumn("day {task.completed}/{task.total}"),
                              TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(), console=err)
            self.p.start()
            self.task = self.p.add_task("days", total=days, rows=0)
            self.n = 0

    def rows(self, k: int) -> None:
        if self.p:
            self.n += k
            self.p.update(self.task, rows=self.n)

    def day(self) -> None:
        if self.p:
            self.p.advance(self.task)

    def close(self) -> None:
        if self.p:
            self.p.stop()
