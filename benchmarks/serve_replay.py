"""Replay a simulated world through the inline scorer after a batch run over its first days.

    distillguard simulate --scale small --seed 11 --out WORLD
    distillguard detect WORLD/exchanges --accounts WORLD/accounts.jsonl --events WORLD/events.jsonl \\
        --until 2026-03-05T00:00:00Z --out WORLD/det --store WORLD/store
    python benchmarks/serve_replay.py WORLD --until 2026-03-05T00:00:00Z [--policy FILE] [--results DIR]

Signatures are built from the store's exchanges before --until only (what that batch run saw);
every exchange from --until on is then scored in time order by the in-process scorer with the
default policy (the harvest classifier only with --harvest: then every replayed exchange is
classified up front and its score fed to the account right after the request). Two views of
the request: ``full`` (everything the CustomGuardrail sees: configuration, client stack, IP) and
``generic`` (what LiteLLM's Generic Guardrail API sends: prompt and User-Agent only).

Reports, from the labels: for campaign accounts whose first request comes after --until (created
later), how many are acted on (any action but log) and named as a campaign's, and after how many
of their requests; for benign accounts, how many are acted on and how many only logged.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

from distillguard.ingest.normalise import parse_ts
from distillguard.ingest.store import data_files
from distillguard.serve.knowledge import load_knowledge
from distillguard.serve.policy import load_policy
from distillguard.serve.scoring import Scorer
from distillguard.serve.state import MemoryState

COLS = ("account_id, system_prompt, last_user_text, max_tokens, temperature, top_p, n, logprobs, top_logprobs, "
        "response_format, stream, thinking_budget_tokens, reasoning_effort, client_user_agent, "
        "client_tls_fingerprint, client_ip, input_tokens, epoch_us(ts) AS ts")
GENERIC_DROP = ("max_tokens", "temperature", "top_p", "n", "logprobs", "top_logprobs", "response_format", "stream",
                "thinking_budget_tokens", "reasoning_effort", "client_tls_fingerprint", "client_ip")


def replay(world: Path, store: Path, results: Path, until_us: int, policy_path: Path | None, view: str,
           harvest: bool = False) -> dict:
    policy, digest = load_policy(policy_path)
    kn = load_knowledge(results, store, policy.signatures, until_us=until_us)
    scorer = Scorer(kn, policy, digest, MemoryState())
    labels = {}
    for line in (world / "labels.jsonl").read_text().splitlines():
        d = json.loads(line)
        labels[d["account_id"]] = d["campaign"]
    files = [str(f) for f in data_files(store, "exchanges")]
    con = duckdb.connect()
    first = dict(con.sql("SELECT account_id, min(epoch_us(ts)) FROM read_parquet(?) GROUP BY 1",
                         params=[files]).fetchall())
    tbl = con.sql(f"SELECT {COLS} FROM read_parquet(?) WHERE epoch_us(ts) >= ? ORDER BY ts, exchange_id",
                  params=[files, until_us]).to_arrow_table()
    scores = None
    if harvest:  # classified up front, fed to the state right after each request (no queue lag)
        from distillguard.signals.classifier import classify

        ids = tbl.select(["system_prompt", "last_user_text"]).append_column(
            "exchange_id", duckdb.sql(f"SELECT range::VARCHAR AS i FROM range({tbl.num_rows})").to_arrow_table()["i"])
        scores = classify(ids, explain=False).column("harvest").to_pylist()
    n_req: dict[str, int] = {}
    acted_at: dict[str, int] = {}
    named_at: dict[str, int] = {}
    logged: set[str] = set()
    t0 = time.perf_counter()
    i = -1
    for batch in tbl.to_batches(65_536):
        for row in batch.to_pylist():
            i += 1
            if view == "generic":
                for k in GENERIC_DROP:
                    row[k] = None
            a = row["account_id"]
            n_req[a] = n_req.get(a, 0) + 1
            d = scorer.score(row, row["ts"] / 1e6)
            if scores is not None:
                scorer.state.add_harvest(a, scores[i])
            if d.decision == "log":
                logged.add(a)
            elif d.decision != "allow" and a not in acted_at:
                acted_at[a] = n_req[a]
            if d.campaign_id and a not in named_at:
                named_at[a] = n_req[a]
    secs = time.perf_counter() - t0
    late = [a for a, f in first.items() if f >= until_us]
    late_camp = [a for a in late if labels.get(a)]
    benign_after = [a for a in n_req if not labels.get(a)]
    caught = [a for a in late_camp if a in acted_at]
    named = [a for a in late_camp if a in named_at]
    by_campaign = {}
    for c in sorted({labels[a] for a in late_camp}):
        members = [a for a in late_camp if labels[a] == c]
        hit = [acted_at[a] for a in members if a in acted_at]
        by_campaign[c] = {"accounts": len(members), "acted_on": len(hit),
                          "median_requests_to_action": statistics.median(hit) if hit else None}
    camp_any = [a for a in n_req if labels.get(a)]
    return {
        "view": view, "harvest": harvest, "exchanges_replayed": tbl.num_rows, "seconds": round(secs, 1),
        "signatures": kn.index.sizes(),
        "later_created_campaign_accounts": len(late_camp), "acted_on": len(caught), "named_campaign": len(named),
        "requests_to_action": {"median": statistics.median([acted_at[a] for a in caught]) if caught else None,
                               "max": max([acted_at[a] for a in caught]) if caught else None,
                               "first_request": sum(1 for a in caught if acted_at[a] == 1)},
        "by_campaign": by_campaign,
        "all_campaign_accounts_active_after": len(camp_any),
        "all_campaign_accounts_acted_on": sum(1 for a in camp_any if a in acted_at),
        "benign_accounts_active_after": len(benign_after),
        "benign_acted_on": sum(1 for a in benign_after if a in acted_at),
        "benign_logged_only": sum(1 for a in benign_after if a in logged and a not in acted_at),
        "later_created_benign_accounts": sum(1 for a in late if not labels.get(a)),
        "later_created_benign_acted_on": sum(1 for a in late if not labels.get(a) and a in acted_at),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("world", type=Path)
    ap.add_argument("--until", required=True)
    ap.add_argument("--store", type=Path, help="default: WORLD/store")
    ap.add_argument("--det", type=Path, help="detect --out folder; default: WORLD/det")
    ap.add_argument("--policy", type=Path)
    ap.add_argument("--harvest", action="store_true", help="Also feed the shipped classifier's harvest score.")
    ap.add_argument("--results", type=Path, help="Write JSON here.")
    a = ap.parse_args()
    until_us = parse_ts(a.until)
    out = {v: replay(a.world, a.store or a.world / "store", a.det or a.world / "det", until_us, a.policy, v, a.harvest)
           for v in ("full", "generic")}
    text = json.dumps({"until": a.until, **out}, indent=2)
    print(text)
    if a.results:
        a.results.mkdir(parents=True, exist_ok=True)
        (a.results / "serve-replay.json").write_text(text)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
