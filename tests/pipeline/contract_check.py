"""This repository's own check of a `detect` output folder against docs/contract.md section 4.

The same checks as the open contract's `check_outputs.py`, so the test needs nothing beside the
repository; where that script is present (../shared/contract), the test runs it too.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pyarrow.compute as pc

from distillguard.engine import open_engine
from distillguard.ingest import ingest_paths

ACCOUNT_COLUMNS = ["account_id", "risk", "flagged", "campaign_id", "reasons"]
CAMPAIGN_KEYS = {"campaign_id": str, "accounts": list, "exchanges": int, "first_seen": str, "last_seen": str,
                 "risk": (int, float), "categories": dict, "indicators": list, "summary": str}


def exchange_accounts(exchanges: list[Path], scratch: Path) -> set[str]:
    """Accounts of the valid exchange records (read with distillguard's own ingest)."""
    ingest_paths(exchanges, scratch, workers=1, turn_text=False)
    ids = open_engine(scratch).sql("SELECT DISTINCT account_id FROM exchanges").column(0)
    return set(pc.drop_null(ids).to_pylist())


def check(out: Path, exchanges: list[Path], scratch: Path) -> list[str]:
    """Problems with `out` (accounts.csv, campaigns.json); [] when it follows the contract."""
    problems: list[str] = []
    rows: dict[str, dict] = {}
    acc = out / "accounts.csv"
    if not acc.is_file():
        return ["accounts.csv is missing"]
    with acc.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ACCOUNT_COLUMNS:
            problems.append(f"accounts.csv columns are {reader.fieldnames}, expected {ACCOUNT_COLUMNS}")
        for i, r in enumerate(reader, start=2):
            a = r.get("account_id") or ""
            if not a:
                problems.append(f"accounts.csv line {i}: empty account_id")
            if a in rows:
                problems.append(f"accounts.csv line {i}: account {a} appears twice")
            rows[a] = r
            try:
                risk = float(r["risk"])
                ok = not math.isnan(risk) and 0.0 <= risk <= 1.0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(f"accounts.csv line {i}: risk {r['risk']!r} is not a number in [0, 1]")
            if r.get("flagged") not in ("true", "false"):
                problems.append(f"accounts.csv line {i}: flagged {r.get('flagged')!r} is not true/false")
    camp = out / "campaigns.json"
    if not camp.is_file():
        return problems + ["campaigns.json is missing"]
    try:
        docs = json.loads(camp.read_text(encoding="utf-8"))
    except ValueError as exc:
        return problems + [f"campaigns.json is not JSON: {exc}"]
    if not isinstance(docs, list):
        return problems + ["campaigns.json is not a JSON list"]
    ids: set[str] = set()
    for n, c in enumerate(docs):
        if not isinstance(c, dict):
            problems.append(f"campaign #{n} is not an object")
            continue
        for k, t in CAMPAIGN_KEYS.items():
            if k not in c:
                problems.append(f"campaign #{n} lacks '{k}'")
            elif not isinstance(c[k], t) or (t is int and isinstance(c[k], bool)):
                problems.append(f"campaign #{n}: '{k}' has the wrong type")
        cid = c.get("campaign_id")
        if cid in ids:
            problems.append(f"campaign id {cid} appears twice")
        ids.add(cid)
        if not 0.0 <= float(c.get("risk", -1)) <= 1.0:
            problems.append(f"campaign {cid}: risk outside [0, 1]")
        if not all(isinstance(v, int | float) for v in (c.get("categories") or {}).values()):
            problems.append(f"campaign {cid}: a category share is not a number")
        for a in c.get("accounts") or []:
            if a not in rows:
                problems.append(f"campaign {cid}: account {a} has no row in accounts.csv")
            elif rows[a]["campaign_id"] != cid:
                problems.append(f"campaign {cid}: account {a} has campaign_id {rows[a]['campaign_id']!r}")
        if any(not isinstance(i, dict) or not i.get("kind") or "value" not in i for i in c.get("indicators") or []):
            problems.append(f"campaign {cid}: an indicator lacks kind/value")
    for a, r in rows.items():
        if r["campaign_id"] and r["campaign_id"] not in ids:
            problems.append(f"account {a}: campaign_id {r['campaign_id']} is not in campaigns.json")
    lost = exchange_accounts(exchanges, scratch) - set(rows)
    if lost:
        problems.append(f"{len(lost)} accounts seen in the exchanges have no row, e.g. {sorted(lost)[:3]}")
    return problems
