"""Benchmark template mining: quality against simulator truth, throughput and peak memory.

Quality (needs a simulated world with truth)::

    python benchmarks/templates.py quality --world /tmp/dg-world-small
        (world from: distillguard.simulate.simulate_world(out, scale="small", seed=N, ...))

Throughput / memory on a synthetic canonical store (real harvesting templates from
../shared/data/templates filled with real benign prompts, plus free-form benign prompts)::

    python benchmarks/templates.py make-store /tmp/dg-bench-1m --rows 1000000
    python benchmarks/templates.py speed /tmp/dg-bench-1m          # fresh process: peak RSS is mining only

`speed` prints wall and process CPU seconds, wall seconds per stage and the load average (the
machine may be shared: compare CPU seconds across runs).

Purity: share of templated exchanges whose mined template's majority truth key is their own
truth key. Completeness: share whose truth key's majority mined template is their own mined
template. Both exchange-weighted, over exchanges with a truth template_key.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


# ----------------------------------------------------------------------------- synthetic store
def _corpus() -> tuple[list[tuple[str, str, str]], list[str]]:
    wrappers = []
    for line in (SHARED / "templates" / "attack.jsonl").read_text().splitlines():
        d = json.loads(line)
        t = d["template"]
        # split at the first slot marker: prefix {slot} suffix
        for mark in ("{{", "{", "<PROMPT>"):
            i = t.find(mark)
            if i >= 0:
                j = t.find("}}", i) + 2 if mark == "{{" else (t.find("}", i) + 1 if mark == "{" else i + 8)
                wrappers.append((d.get("system") or "", t[:i], t[max(j, i + 1):]))
                break
    prompts = []
    with gzip.open(SHARED / "prompts" / "benign.jsonl.gz", "rt") as f:
        for line in f:
            m = json.loads(line)["messages"]
            u = [x["content"] for x in m if x["role"] == "user" and isinstance(x["content"], str)]
            if u:
                prompts.append(u[-1][:4000])
    return wrappers, prompts


def make_store(out: Path, rows: int, seed: int = 0, chunk: int = 250_000) -> None:
    """Write a canonical exchanges store of `rows` rows: 60% harness traffic over 2,000 accounts."""
    from distillguard.schema import EXCHANGES

    wrappers, prompts = _corpus()
    rng = np.random.default_rng(seed)
    sys_a = pa.array([w[0] for w in wrappers])
    pre = pa.array([w[1] for w in wrappers])
    suf = pa.array([w[2] for w in wrappers])
    pr = pa.array(prompts)
    (out / "exchanges").mkdir(parents=True, exist_ok=True)
    t0 = 1_772_409_600_000_000
    for k, start in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - start)
        harness = rng.random(n) < 0.6
        w = rng.integers(0, len(wrappers), n)
        p = pa.array(rng.integers(0, len(prompts), n))
        num = pa.array(rng.integers(0, 10_000, n).astype(str))
        slot = pc.binary_join_element_wise(pc.take(pr, p), num, " #")
        wrapped = pc.binary_join_element_wise(pc.take(pre, pa.array(w)), slot, pc.take(suf, pa.array(w)), "")
        user = pc.if_else(pa.array(harness), wrapped, pc.take(pr, p))
        system = pc.if_else(pa.array(harness), pc.take(sys_a, pa.array(w)), pa.nulls(n, pa.string()))
        acct = np.where(harness, rng.integers(0, 2_000, n), 2_000 + rng.integers(0, 50_000, n))
        ts = t0 + np.sort(rng.integers(0, 7 * 86_400_000_000, n))
        cols = {
            "exchange_id": pa.array([f"r{start + i:010d}" for i in range(n)]),
            "ts": pa.array(ts).cast(pa.timestamp("us", tz="UTC")),
            "account_id": pc.binary_join_element_wise("acct-", pa.array(acct.astype(str)), ""),
            "model": pa.array(np.where(rng.random(n) < 0.5, "nova-pro", "nova-lite")),
            "system_prompt": system, "last_user_text": user,
            "max_tokens": pa.array(np.where(harness, 8192, rng.choice([256, 1024, 4096], n))),
            "n_messages": pa.array(np.where(harness, 1, rng.integers(1, 6, n)).astype(np.int32)),
            "output_tokens": pa.array(rng.integers(10, 3000, n)), "input_tokens": pa.array(rng.integers(10, 3000, n)),
            "client_ip": pc.binary_join_element_wise("3.1.", pa.array(rng.integers(0, 255, n).astype(str)), ".",
                                                     pa.array(rng.integers(1, 255, n).astype(str)), ""),
        }
        ts_day = pa.array(ts // 86_400_000_000).cast(pa.int32()).cast(pa.date32())
        cols["day"] = ts_day
        full = {c.name: cols.get(c.name, pa.nulls(n, c.type)) for c in EXCHANGES.columns}
        table = pa.table({k: v.cast(EXCHANGES.schema.field(k).type) for k, v in full.items()}, schema=EXCHANGES.schema)
        pq.write_table(table, out / "exchanges" / f"part-{k:05d}.parquet", compression="zstd", row_group_size=131_072)
        print(f"wrote {start + n:,} rows", file=sys.stderr)


def speed(store: Path, memory_limit: str = "3GB", with_fingerprints: bool = False) -> dict:
    from distillguard.engine import open_engine
    from distillguard.templates import mine_templates

    eng = open_engine(store, memory_limit=memory_limit)
    t = time.perf_counter()
    cpu = time.process_time()
    ends: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        ends[stage] = time.perf_counter() - t       # when the stage's last batch finished

    et, tpl = mine_templates(eng, progress=progress)
    secs = time.perf_counter() - t
    # Stage wall seconds: segments = the SQL text pass and counting; skeletons = the numpy pass;
    # merge = distinct skeletons and their representatives' text (SQL); templates = MinHash
    # merge, the templates table and the outputs.
    stages, prev = {}, 0.0
    for name, end in ends.items():
        stages[name], prev = round(end - prev, 1), end
    res = {"rows": et.num_rows, "templates": tpl.num_rows,
           "wrapper_templates": int(pc.sum(pc.not_equal(tpl.column("kind"), "free_form")).as_py() or 0),
           "mine_seconds": round(secs, 1), "cpu_seconds": round(time.process_time() - cpu, 1),
           "rows_per_s": round(et.num_rows / secs), "stage_seconds": stages,
           "peak_rss_gb": round(peak_rss_gb(), 2), "load_average": [round(x, 2) for x in os.getloadavg()]}
    if with_fingerprints:
        from distillguard.fingerprints import build_fingerprints, score_accounts

        t = time.perf_counter()
        fp = build_fingerprints(eng, et, tpl)
        score_accounts(fp)
        res.update(fingerprint_seconds=round(time.perf_counter() - t, 1), accounts=fp.num_rows,
                   peak_rss_gb=round(peak_rss_gb(), 2))
    return res


# ----------------------------------------------------------------------------- quality
def ingest_world(world: Path, store: Path) -> None:
    from distillguard.ingest import ingest_paths

    if (store / "exchanges").exists():
        return
    ingest_paths([world / "exchanges"], store, accounts=[world / "accounts.jsonl"], events=[world / "events.jsonl"])


def purity_completeness(mined: list[str], truth: list[str]) -> tuple[float, float]:
    by_m: dict[str, Counter] = defaultdict(Counter)
    by_t: dict[str, Counter] = defaultdict(Counter)
    for m, t in zip(mined, truth, strict=True):
        by_m[m][t] += 1
        by_t[t][m] += 1
    n = len(mined)
    purity = sum(c.most_common(1)[0][1] for c in by_m.values()) / n
    completeness = sum(c.most_common(1)[0][1] for c in by_t.values()) / n
    return purity, completeness


def quality(world: Path, store: Path | None = None) -> dict:
    from distillguard.engine import open_engine
    from distillguard.templates import mine_templates

    store = store or world.with_name(world.name + "-store")
    ingest_world(world, store)
    eng = open_engine(store)
    t = time.perf_counter()
    et, tpl = mine_templates(eng)
    secs = time.perf_counter() - t
    truth = pq.read_table(world / "truth" / "exchanges.parquet", columns=["request_id", "template_key", "campaign"])
    j = et.join(truth.rename_columns(["exchange_id", "template_key", "campaign"]), "exchange_id")
    j = j.filter(pc.is_valid(j.column("template_key")))
    out = {"exchanges": et.num_rows, "templated_exchanges": j.num_rows, "mined_templates": tpl.num_rows,
           "truth_templates": len(set(j.column("template_key").to_pylist())), "mine_seconds": round(secs, 1)}
    p, c = purity_completeness(j.column("template_id").to_pylist(), j.column("template_key").to_pylist())
    out.update(purity=round(p, 4), completeness=round(c, 4))
    camp = j.filter(pc.is_valid(j.column("campaign")))
    if camp.num_rows:
        p, c = purity_completeness(camp.column("template_id").to_pylist(), camp.column("template_key").to_pylist())
        out.update(campaign_purity=round(p, 4), campaign_completeness=round(c, 4))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-store")
    m.add_argument("out", type=Path)
    m.add_argument("--rows", type=int, default=1_000_000)
    m.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("speed")
    s.add_argument("store", type=Path)
    s.add_argument("--memory-limit", default="3GB")
    s.add_argument("--fingerprints", action="store_true")
    q = sub.add_parser("quality")
    q.add_argument("--world", type=Path, required=True)
    q.add_argument("--store", type=Path)
    a = ap.parse_args()
    if a.cmd == "make-store":
        make_store(a.out, a.rows, a.seed)
        return
    res = speed(a.store, a.memory_limit, a.fingerprints) if a.cmd == "speed" else quality(a.world, a.store)
    res["command"] = "python " + " ".join(sys.argv)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
