"""A tiny hand-made world for the report: a store ingested from synthetic records, and a matching
`detect` results folder written by hand (so the report can be tested before and apart from detect).

Three campaigns ("c-hydra" pivots to the newly released model-c; "c-grader" farms rubric grading
through a user agent that carries HTML; "c-burst" sends all its traffic within one hour and uses
model-c less than the population does), 24 ordinary accounts and one flagged loner. One hydra
prompt is `<script>alert(1)</script>…`: the report must show it as text.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.ingest import ingest_paths
from distillguard.testing import make_exchange

T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
RELEASE = T0 + timedelta(hours=36)
SCRIPT_PROMPT = "<script>alert(1)</script> Grade this answer and ignore the rubric: <b>bold</b> & more"
EVIL_UA = 'harvester/1.0 <img src=x onerror="alert(2)">'
HYDRA = [f"hydra-{i:02d}" for i in range(10)]
GRADER = [f"grader-{i}" for i in range(5)]
USERS = [f"user-{i:03d}" for i in range(24)]
LONER = "user-003"
BURST = [f"burst-{i}" for i in range(3)]
BURST_START = T0 + timedelta(hours=50, minutes=5)  # all of c-burst's traffic falls in one clock hour
BURST_SKELETON = "You grade answers.\n§\nRate answer {…} for question <n> titled <q> on a scale of <n>"


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _records(rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Exchange records, and the template id of each request_id (for campaign_templates)."""
    recs: list[dict[str, Any]] = []
    tpl_of: dict[str, str] = {}
    i = 0

    def add(account: str, ts: datetime, model: str, prompt: str, ip: str, asn: int, ua: str, tpl: str,
            system: str = "You are helpful.") -> None:
        nonlocal i
        r = make_exchange(rng, i, n_accounts=10)
        r["account_id"] = account
        r["ts"] = _iso(ts)
        r["model"] = model
        r["request"] = {"messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                        "max_tokens": 2048, "temperature": 0.0}
        r["client"] = {"ip": ip, "asn": asn, "country": "US", "user_agent": ua, "tls_fingerprint": "ja3-" + tpl[:6]}
        tpl_of[r["request_id"]] = tpl
        recs.append(r)
        i += 1

    for a in USERS:
        for _ in range(rng.randint(8, 20)):
            ts = T0 + timedelta(hours=rng.uniform(0, 72))
            words = " ".join(rng.choice(("how", "do", "I", "cook", "rice", "fix", "my", "bike", "email", "boss"))
                             for _ in range(rng.randint(4, 12)))
            model = "model-c" if ts > RELEASE and rng.random() < 0.2 else rng.choice(("model-a", "model-b"))
            add(a, ts, model, words, f"203.0.113.{rng.randrange(256)}", 64496 + rng.randrange(4),
                rng.choice(("Mozilla/5.0", "curl/8.5", "openai-python/1.40")), "free-" + a)
    for k, a in enumerate(HYDRA):
        for j in range(30):
            ts = T0 + timedelta(hours=6 + j * 2.1 + k * 0.05)
            model = "model-c" if ts > RELEASE else "model-a"
            prompt = (SCRIPT_PROMPT if (k, j) == (0, 0) else
                      f"Solve the following problem step by step, showing all reasoning before the final answer. "
                      f"Problem #{k * 100 + j}: integrate x^{j % 7} * exp({k}x) dx.")
            add(a, ts, model, prompt, f"198.51.100.{10 + k}", 64512, "python-requests/2.31", "tpl-reason",
                system="You are an expert tutor. Think out loud.")
    for k, a in enumerate(GRADER):
        for j in range(20):
            ts = T0 + timedelta(hours=2 + j * 3.3 + k * 0.1)
            add(a, ts, "model-b", f"Score this essay 1-10 against the rubric (clarity, evidence). Essay {j}: ...",
                f"192.0.2.{k}", 64999, EVIL_UA, "tpl-rubric")
    for k, a in enumerate(BURST):
        for j in range(8):
            ts = BURST_START + timedelta(minutes=j * 6 + k)
            add(a, ts, "model-a" if j else "model-c", f'Rate answer {k}-{j} for question {j} titled "q{j}" on a scale of 10',
                f"192.0.2.{50 + k}", 64777, "python-httpx/0.28", "tpl-burst", system="You grade answers.")
    return recs, tpl_of


def _accounts() -> list[dict[str, Any]]:
    out = []
    for i, a in enumerate(USERS):
        out.append({"account_id": a, "created_at": _iso(T0 - timedelta(days=30 + i * 3)), "email_domain": "gmail.com",
                    "payment_fingerprint": f"pf-user-{i}", "country": "US", "signup_path": "self_serve",
                    "verified": True})
    for i, a in enumerate(HYDRA):
        out.append({"account_id": a, "created_at": _iso(T0 - timedelta(days=2, minutes=-7 * i)),
                    "email_domain": "mailbox-hydra.example", "payment_fingerprint": "pf-hydra-shared",
                    "country": "SG", "signup_path": "education" if i % 3 else "research_program", "verified": False})
    for i, a in enumerate(GRADER):
        out.append({"account_id": a, "created_at": _iso(T0 - timedelta(days=5, minutes=-3 * i)),
                    "email_domain": "grader.example", "payment_fingerprint": f"pf-grader-{i % 2}",
                    "country": "HK", "signup_path": "startup_program", "verified": False})
    for i, a in enumerate(BURST):
        out.append({"account_id": a, "created_at": _iso(T0 - timedelta(days=1, minutes=-i)),
                    "email_domain": "burst.example", "payment_fingerprint": "pf-burst-shared-instrument-token",
                    "country": "US", "signup_path": "self_serve", "verified": False})
    return out


def _fingerprints(recs: list[dict[str, Any]]) -> pa.Table:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        by[r["account_id"]].append(r)
    rows = []
    for a in sorted(by):
        rs = sorted(by[a], key=lambda r: r["ts"])
        ts = [datetime.fromisoformat(r["ts"].replace("Z", "+00:00")) for r in rs]
        gaps = [(b - c).total_seconds() for c, b in zip(ts, ts[1:], strict=False)]
        mean = sum(gaps) / len(gaps) if gaps else 0.0
        sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps)) if gaps else 0.0
        hours = Counter(t.hour for t in ts)
        ent = -sum((n / len(ts)) * math.log(n / len(ts)) for n in hours.values()) / math.log(24)
        models = Counter(r["model"] for r in rs)
        rows.append({
            "account_id": a, "exchanges": len(rs), "first_seen": ts[0],
            "gap_cv": sd / mean if mean else None, "hour_entropy": ent,
            "mean_prompt_chars": sum(len(r["request"]["messages"][-1]["content"]) for r in rs) / len(rs),
            "distinct_ips": len({r["client"]["ip"] for r in rs}),
            "top_model_share": models.most_common(1)[0][1] / len(rs),
            "temperature_zero_share": 1.0, "logprobs_requested": False,
            "top_template_id": "tpl-reason" if a in HYDRA else None,  # a string column: not a feature
            "hour_profile": [hours.get(h, 0) / len(ts) for h in range(24)],  # a list column: not a feature
        })
    return pa.Table.from_pylist(rows)


def build_world(root: Path, seed: int = 3) -> dict[str, Path]:
    """Write raw records, ingest them into `root/store`, and hand-write `root/results`."""
    rng = random.Random(seed)
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    recs, tpl_of = _records(rng)
    (raw / "exchanges.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in recs))
    accounts = _accounts()
    (raw / "accounts.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in accounts))
    (raw / "events.jsonl").write_bytes(orjson.dumps({"type": "model_release", "model": "model-c",
                                                     "ts": _iso(RELEASE)}) + b"\n")
    store = root / "store"
    ingest_paths([raw / "exchanges.jsonl"], store, accounts=[raw / "accounts.jsonl"], events=[raw / "events.jsonl"],
                 workers=1)

    res = root / "results"
    res.mkdir(parents=True, exist_ok=True)
    all_accounts = sorted({r["account_id"] for r in recs})
    rows = []
    for a in all_accounts:
        if a in HYDRA:
            rows.append((a, 0.9 + 0.007 * HYDRA.index(a), True, "c-hydra",
                         "shares payment instrument with 9 accounts; 96% of traffic on one shared template; "
                         "moved to model-c within 24h of release"))
        elif a in GRADER:
            rows.append((a, 0.82, True, "c-grader", "rubric grading at machine-regular intervals; shared user agent"))
        elif a in BURST:
            share = (88, 96, 92)[BURST.index(a)]  # reasons that differ only in a number
            rows.append((a, 0.8, True, "c-burst", f"{share}% of traffic is one template shared with 3 accounts; "
                                                  f"burst of 8 exchanges in one hour; burst of 8 exchanges in one hour"))
        elif a == LONER:
            rows.append((a, 0.71, True, "", "round-the-clock traffic"))
        else:
            rows.append((a, round(rng.uniform(0.01, 0.2), 4), False, "", ""))
    with (res / "accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "risk", "flagged", "campaign_id", "reasons"])
        for a, risk, flagged, cid, reasons in rows:
            w.writerow([a, f"{risk:.4f}", "true" if flagged else "false", cid, reasons])

    n_by = Counter(r["account_id"] for r in recs)
    hydra_n = sum(n_by[a] for a in HYDRA)
    grader_n = sum(n_by[a] for a in GRADER)
    campaigns = [
        {"campaign_id": "c-hydra", "accounts": HYDRA, "exchanges": hydra_n,
         "first_seen": _iso(T0 + timedelta(hours=6)), "last_seen": _iso(T0 + timedelta(hours=69)), "risk": 0.96,
         "categories": {"reasoning_elicitation": 0.9, "coding": 0.06, "other": 0.04},
         "indicators": [{"kind": "ip_prefix", "value": "198.51.100.0/24"},
                        {"kind": "payment_fingerprint", "value": "pf-hydra-shared"},
                        {"kind": "client_stack", "value": "64512|python-requests/2.31|ja3-tpl-re"},
                        {"kind": "email_domain", "value": "mailbox-hydra.example"},
                        {"kind": "prompt_template", "value": "Solve the following problem step by step <*>"}],
         "summary": "10 accounts sent 300 exchanges, mostly reasoning elicitation (90%). They share one payment "
                    "instrument and a /24.",
         "evidence": {"payment": 1.0, "ip_prefix": 1.0, "template": 1.0, "lockstep": 0.6},
         "release_pivot": {"model": "model-c", "share_24h": 1.0, "population_share_24h": 0.2,
                           "first_use": _iso(RELEASE + timedelta(minutes=18))}},
        {"campaign_id": "c-grader", "accounts": GRADER, "exchanges": grader_n,
         "first_seen": _iso(T0 + timedelta(hours=2)), "last_seen": _iso(T0 + timedelta(hours=65)), "risk": 0.84,
         "categories": {"rubric_grading": 1.0},
         "indicators": [{"kind": "client_stack", "value": f"64999|{EVIL_UA}|ja3-tpl-ru"}],
         "summary": "5 accounts grade essays against a rubric through one client stack.",
         "evidence": {"client_stack": 1.0, "payment": 0.8},
         "release_pivot": {"model": "model-c", "share_24h": 0.1, "population_share_24h": 0.2, "first_use": None}},
        {"campaign_id": "c-burst", "accounts": BURST, "exchanges": sum(n_by[a] for a in BURST),
         "first_seen": _iso(BURST_START), "last_seen": _iso(BURST_START + timedelta(minutes=44)), "risk": 0.8,
         "categories": {"rubric_grading": 1.0}, "indicators": [], "summary": "3 accounts rate answers for 45 minutes.",
         "evidence": {"template": 1.0},
         "release_pivot": {"model": "model-c", "share_24h": 0.125, "population_share_24h": 0.2, "first_use": None}},
    ]
    (res / "campaigns.json").write_text(json.dumps(campaigns, indent=2))

    edges: dict[str, list[Any]] = {"campaign_id": [], "account_a": [], "account_b": [], "kind": [], "weight": []}

    def edge(cid: str, a: str, b: str, kind: str, w: float) -> None:
        for k, v in zip(edges, (cid, a, b, kind, w), strict=True):
            edges[k].append(v)

    for a, b in combinations(HYDRA, 2):
        edge("c-hydra", a, b, "payment", 2.0)
        edge("c-hydra", a, b, "template", 1.0)
        if HYDRA.index(b) - HYDRA.index(a) == 1:
            edge("c-hydra", a, b, "ip_prefix", 0.5)
        if HYDRA.index(a) < 6 and HYDRA.index(b) < 6:
            edge("c-hydra", a, b, "lockstep", 1.5)
    for a, b in combinations(GRADER, 2):
        edge("c-grader", a, b, "client_stack", 1.0)
    edge("c-grader", "grader-0", "grader-2", "payment", 2.0)
    pq.write_table(pa.table(edges), res / "campaign_edges.parquet")

    tpl_rows: dict[tuple[str, str], dict[str, Any]] = {}
    cid_of = {**{a: "c-hydra" for a in HYDRA}, **{a: "c-grader" for a in GRADER}, **{a: "c-burst" for a in BURST}}
    for r in recs:
        cid = cid_of.get(r["account_id"])
        if cid is None:
            continue
        t = tpl_of[r["request_id"]]
        row = tpl_rows.setdefault((cid, t), {"campaign_id": cid, "template_id": t, "exchanges": 0, "accounts": set(),
                                             "example_prompt": None, "example_system": None, "skeleton": ""})
        row["exchanges"] += 1
        row["accounts"].add(r["account_id"])
        prompt = r["request"]["messages"][-1]["content"]
        if row["example_prompt"] is None or prompt < row["example_prompt"]:  # min(), as detect does
            row["example_prompt"] = prompt
            row["example_system"] = r["request"]["messages"][0]["content"]
    for row in tpl_rows.values():
        row["accounts"] = len(row["accounts"])
        row["skeleton"] = ("Solve the following problem step by step, showing all reasoning before the final "
                           "answer. Problem #<*>: <*>" if row["template_id"] == "tpl-reason"
                           else BURST_SKELETON if row["template_id"] == "tpl-burst"
                           else "Score this essay 1-10 against the rubric (clarity, evidence). Essay <*>: ...")
    pq.write_table(pa.Table.from_pylist(list(tpl_rows.values())), res / "campaign_templates.parquet")

    fp = _fingerprints(recs)
    pq.write_table(fp, res / "fingerprints.parquet")
    risk = {a: r for a, r, *_ in rows}
    pq.write_table(pa.table({"account_id": all_accounts,
                             "risk_unsupervised": [risk[a] for a in all_accounts],
                             "reasons": [next(x[4] for x in rows if x[0] == a) for a in all_accounts],
                             "risk_supervised": pa.array([None] * len(all_accounts), pa.float64())}),
             res / "account_scores.parquet")
    return {"results": res, "store": store, "raw": raw}
