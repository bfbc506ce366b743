"""Score `detect` outputs against a simulated world's labels (contract section 5).

Detection never reads labels; only this module does.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def read_labels(path: Path) -> dict[str, dict[str, Any]]:
    labels = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                labels[r["account_id"]] = r
    return labels


def read_accounts_csv(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["account_id"]: {**r, "risk": float(r["risk"]), "flagged": r["flagged"] == "true"}
                for r in csv.DictReader(fh)}


def recall_at_fpr(y: np.ndarray, score: np.ndarray, max_fpr: float) -> float:
    """Best recall with benign false-positive rate <= max_fpr (threshold chosen on these scores)."""
    neg = np.sort(score[y == 0])[::-1]
    k = int(np.floor(max_fpr * len(neg)))
    thr = neg[k] if k < len(neg) else -np.inf
    return float((score[y == 1] > thr).mean()) if (y == 1).any() else float("nan")


def score_outputs(out_dir: Path, labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Account- and campaign-level metrics of one detect output folder."""
    acc = read_accounts_csv(out_dir / "accounts.csv")
    campaigns = json.loads((out_dir / "campaigns.json").read_text())
    ids = sorted(set(acc) & set(labels))
    y = np.array([1 if labels[a].get("campaign") else 0 for a in ids])
    risk = np.array([acc[a]["risk"] for a in ids])
    flag = np.array([acc[a]["flagged"] for a in ids])
    tp, fp = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum())
    res: dict[str, Any] = {
        "accounts": len(ids), "campaign_accounts": int(y.sum()), "benign_accounts": int((y == 0).sum()),
        "flagged": int(flag.sum()), "precision": tp / max(tp + fp, 1),
        "recall": tp / max(int(y.sum()), 1), "fpr": fp / max(int((y == 0).sum()), 1),
        "false_positives": fp,
    }
    if 0 < y.sum() < len(y):
        res["roc_auc"] = float(roc_auc_score(y, risk))
        res["pr_auc"] = float(average_precision_score(y, risk))
        res["recall_at_0.1pct_fpr"] = recall_at_fpr(y, risk, 0.001)
    per_campaign: dict[str, list[bool]] = defaultdict(list)
    per_persona: dict[str, list[bool]] = defaultdict(list)
    for a, f in zip(ids, flag, strict=True):
        lab = labels[a]
        if lab.get("campaign"):
            per_campaign[lab["campaign"]].append(bool(f))
        else:
            per_persona[lab.get("persona") or "unknown"].append(bool(f))
    res["recall_per_campaign"] = {k: {"accounts": len(v), "recall": float(np.mean(v))} for k, v in sorted(per_campaign.items())}
    res["fpr_per_persona"] = {k: {"accounts": len(v), "fpr": float(np.mean(v))} for k, v in sorted(per_persona.items())}
    res.update(campaign_matching(campaigns, labels))
    return res


def campaign_matching(campaigns: list[dict[str, Any]], labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Grouping against the truth: per true campaign the largest share of it one detected campaign
    holds (completeness, "coverage"), and per detected campaign the share of its majority campaign
    (purity; a mostly benign one scores its non-benign share), weighted by size. Every labelled
    account counts, those that sent nothing too; `completeness_with_dormant` counts a detected
    campaign's `dormant_accounts` (registered, unused, listed with it) as held by it, and
    `dormant_listed` / `dormant_benign` say how many were listed and how many of those are benign."""
    truth: dict[str, set[str]] = defaultdict(set)
    for a, lab in labels.items():
        if lab.get("campaign"):
            truth[lab["campaign"]].add(a)
    detected = [set(c["accounts"]) for c in campaigns]
    dormant = [set(c.get("dormant_accounts") or []) for c in campaigns]
    completeness, with_dormant = {}, {}
    for name, members in sorted(truth.items()):
        completeness[name] = max((len(members & d) for d in detected), default=0) / len(members)
        with_dormant[name] = max((len(members & (d | z)) for d, z in zip(detected, dormant, strict=True)),
                                 default=0) / len(members)
    purity = []
    for d in detected:
        counts = Counter(labels.get(a, {}).get("campaign") or "__benign__" for a in d)
        top_name, top = counts.most_common(1)[0]
        purity.append({"size": len(d), "purity": (top / len(d)) if top_name != "__benign__" else
                       1 - counts["__benign__"] / len(d), "majority": top_name})
    sizes = np.array([p["size"] for p in purity]) if purity else np.array([1])
    pur = np.array([p["purity"] for p in purity]) if purity else np.array([float("nan")])
    listed = set().union(*dormant) if dormant else set()
    return {
        "detected_campaigns": len(detected),
        "completeness_per_campaign": completeness,
        "completeness": float(np.mean(list(completeness.values()))) if completeness else float("nan"),
        "completeness_with_dormant": float(np.mean(list(with_dormant.values()))) if with_dormant else float("nan"),
        "dormant_listed": len(listed),
        "dormant_benign": sum(1 for a in listed if not labels.get(a, {}).get("campaign")),
        "purity": float(np.sum(pur * sizes) / np.sum(sizes)) if purity else float("nan"),
        "purity_per_detected": purity,
    }


def campaign_starts(world: Path, labels: dict[str, dict[str, Any]]) -> dict[str, datetime]:
    """First exchange time of each true campaign: from the world's truth table where it has one (the
    simulator's, campaign per request), else from the labels (the first exchange of any account
    labelled with that campaign), so any labelled world that follows the data contract has starts."""
    import duckdb

    truth = world / "truth" / "exchanges.parquet"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # its bar writes to stdout
    con.execute("SET TimeZone = 'UTC'")
    files = [f for f in sorted((world / "exchanges").rglob("*")) if f.is_file()]
    if not files:
        return {}
    parquet = [str(f) for f in files if f.suffix == ".parquet"]
    source = f"read_parquet({parquet!r}, union_by_name=true)" if parquet else \
        f"read_json_auto({[str(f) for f in files]!r}, union_by_name=true)"
    if truth.exists():
        # Truth has campaign per request; timestamps come from the exchanges themselves.
        rows = con.sql(f"""
            SELECT t.campaign, min(CAST(e.ts AS TIMESTAMPTZ)) AS start
            FROM read_parquet('{truth}') t JOIN {source} e ON e.request_id = t.request_id
            WHERE t.campaign IS NOT NULL GROUP BY t.campaign""").fetchall()
    else:
        import pyarrow as pa

        members = [(a, lab["campaign"]) for a, lab in labels.items() if lab.get("campaign")]
        if not members:
            return {}
        con.register("_members", pa.table({"account_id": [a for a, _ in members],
                                           "campaign": [c for _, c in members]}))
        rows = con.sql(f"""
            SELECT m.campaign, min(CAST(e.ts AS TIMESTAMPTZ)) AS start
            FROM {source} e JOIN _members m ON m.account_id = e.account_id GROUP BY m.campaign""").fetchall()
    return {c: s.astimezone(timezone.utc) for c, s in rows}


def early_until(start: datetime, hours: float = 24) -> str:
    return (start + timedelta(hours=hours)).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
