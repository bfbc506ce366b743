"""A small synthetic world for the serve tests: one campaign, benign accounts, a store and results.

Campaign ``c-grader``: three accounts send one grading wrapper (system prompt and user frame)
with a fixed request configuration and client stack. Eight benign accounts chat with their own
prompts and SDK defaults. The results folder is written by hand in the contract's form (the
serve tests test serving, not detection); the store is built by the real ingest.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from distillguard.ingest.run import ingest_paths

CAMPAIGN = "c-grader"
CAMPAIGN_ACCOUNTS = ["acct_camp_1", "acct_camp_2", "acct_camp_3"]
BENIGN_ACCOUNTS = [f"acct_benign_{i}" for i in range(8)]
GRADER_SYSTEM = ("You are a strict grader for a training dataset. Score the answer on a scale from 1 to 10 "
                 "and justify the score in two sentences.")
GRADER_CONFIG = {"max_tokens": 777, "temperature": 0.3, "top_p": 0.9}
GRADER_UA = "harvester-kit/0.3 python-httpx/0.27"
TOPICS = ["rivers", "tax law", "sourdough", "chess openings", "volcanoes", "jazz", "compilers", "bees",
          "roman roads", "tides", "origami", "glaciers"]


def grader_request(rng: random.Random) -> dict:
    q = f"Explain {rng.choice(TOPICS)} in {rng.randint(2, 9)} steps."
    a = f"Step one is about {rng.choice(TOPICS)}; step two covers {rng.randint(10, 99)} cases."
    return {"messages": [{"role": "system", "content": GRADER_SYSTEM},
                         {"role": "user", "content": f"Grade the following answer carefully and strictly.\n"
                                                     f"Question: {q}\nAnswer: {a}\nReturn the score first."}],
            **GRADER_CONFIG}


def benign_request(rng: random.Random, i: int) -> dict:
    return {"messages": [{"role": "user", "content": f"hey, account {i} here: what should I know about "
                                                     f"{rng.choice(TOPICS)} before my trip on day {rng.randint(1, 28)}?"}],
            "max_tokens": 1024 + 64 * i, "temperature": 1.0}


def exchange(i: int, account: str, request: dict, ua: str, day: int = 2) -> dict:
    return {"request_id": f"r{i:05d}", "ts": f"2026-03-{day:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z",
            "account_id": account, "model": "m-1", "client": {"user_agent": ua},
            "request": request, "response": {"content": "ok"}, "usage": {"input_tokens": 40, "output_tokens": 200}}


def build(root: Path) -> dict[str, Path]:
    """Write exchanges, a store and a results folder under `root`; return their paths."""
    rng = random.Random(7)
    recs, i = [], 0
    for acct in CAMPAIGN_ACCOUNTS:
        for _ in range(20):
            recs.append(exchange(i, acct, grader_request(rng), GRADER_UA))
            i += 1
    for k, acct in enumerate(BENIGN_ACCOUNTS):
        for _ in range(15):
            recs.append(exchange(i, acct, benign_request(rng, k), f"OpenAI/Python 1.{k}.0"))
            i += 1
    ex = root / "exchanges"
    ex.mkdir(parents=True)
    (ex / "part-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    store = root / "store"
    ingest_paths([ex], store, workers=1)
    results = root / "results"
    results.mkdir()
    with (results / "accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "risk", "flagged", "campaign_id", "reasons"])
        for a in CAMPAIGN_ACCOUNTS:
            w.writerow([a, "0.9700", "true", CAMPAIGN, "same prompt template; <script>alert(1)</script>"])
        for k, a in enumerate(BENIGN_ACCOUNTS):
            w.writerow([a, f"{0.01 * k:.4f}", "false", "", ""])
        w.writerow(["acct_midrisk", "0.7500", "true", "", "looks like harvesting"])
    campaigns = [{"campaign_id": CAMPAIGN, "accounts": CAMPAIGN_ACCOUNTS, "exchanges": 60,
                  "first_seen": "2026-03-02T00:00:00Z", "last_seen": "2026-03-02T01:00:00Z", "risk": 0.97,
                  "categories": {"rubric_grading": 0.9, "other": 0.1},
                  "indicators": [{"kind": "prompt_template", "value": GRADER_SYSTEM + "\n§\n{…}"}],
                  "summary": "three accounts grade answers with one wrapper"}]
    (results / "campaigns.json").write_text(json.dumps(campaigns), encoding="utf-8")
    return {"exchanges": ex, "store": store, "results": results}


def new_campaign_account_request(rng: random.Random, account: str = "acct_brand_new") -> dict:
    """A request of an account the batch run never saw, sending the campaign's wrapper and config."""
    return {"account_id": account, "model": "m-1", "client": {"user_agent": GRADER_UA},
            "request": grader_request(rng)}


def clean_request(account: str = "acct_clean_new") -> dict:
    return {"account_id": account, "model": "m-1", "client": {"user_agent": "curl/8.5"},
            "request": {"messages": [{"role": "user", "content": "What is a good name for a cat?"}],
                        "max_tokens": 300}}
