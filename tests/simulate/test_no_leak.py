"""Fields with no real-world signal (ids, field order, optional-field presence) cannot tell
campaign accounts from benign ones: a classifier on them alone stays near chance."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .conftest import make_world, read_exchanges, read_jsonl

CONFIG = """
[world]
days = 2
release_day = 1.4
[personas.chat_user]
accounts = 150
[personas.nat_user]
accounts = 40
[personas.developer_app]
accounts = 20
activity = 0.1
[personas.eval_runner]
accounts = 10
activity = 0.5
[personas.batch_job]
accounts = 10
activity = 0.05
[personas.coding_agent]
accounts = 30
[personas.researcher]
accounts = 20
activity = 0.3
[personas.jailbreaker]
accounts = 20
[campaigns.reasoning]
accounts = 30
exchanges = 600
[campaigns.agentic]
accounts = 30
exchanges = 1500
[campaigns.high_volume]
accounts = 40
exchanges = 2000
[campaigns.stealth]
accounts = 30
exchanges = 200
"""
OPTIONAL = ("api_key_id", "org_id", "usage", "latency_ms", "status")
CLIENT_OPTIONAL = ("asn", "country", "tls_fingerprint")
HEX = "0123456789abcdef"


def _features(records: list[dict], account_ids: list[str]) -> np.ndarray:
    orders = sorted({tuple(r) for r in records})
    corders = sorted({tuple(r["client"]) for r in records})
    acc = defaultdict(list)
    for r in records:
        acc[r["account_id"]].append(r)
    rows = []
    for a in account_ids:
        recs = acc[a]
        f = [len(a), HEX.index(a[5]), sum(ch.isdigit() for ch in a[5:])]
        first = recs[0]["request_id"]   # one id per account: a mean over many would encode volume
        f += [len(first), HEX.index(first[4]), sum(ch.isdigit() for ch in first[4:])]
        f += [np.mean([len(r.get("api_key_id", "")) for r in recs]), np.mean([len(r.get("org_id", "")) for r in recs])]
        f += [np.mean([tuple(r) == o for r in recs]) for o in orders]
        f += [np.mean([tuple(r["client"]) == o for r in recs]) for o in corders]
        f += [np.mean([k in r for r in recs]) for k in OPTIONAL]
        f += [np.mean([k in r["client"] for r in recs]) for k in CLIENT_OPTIONAL]
        f += [np.mean(["reasoning_tokens" in r.get("usage", {}) for r in recs]),
              np.mean([r["ts"].endswith("Z") for r in recs])]
        rows.append(f)
    return np.asarray(rows, dtype=float)


def test_leak_features_do_not_separate_campaigns(tmp_path):
    world, _ = make_world(tmp_path, "leak", config=CONFIG, scale="tiny", seed=11)
    records = read_exchanges(world)
    labels = {x["account_id"]: x["campaign"] is not None for x in read_jsonl(world / "labels.jsonl")}
    active = sorted({r["account_id"] for r in records})
    y = np.array([labels[a] for a in active])
    X = _features(records, active)
    assert y.sum() >= 60 and (~y).sum() >= 150
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    for model in (make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
                  RandomForestClassifier(n_estimators=60, max_depth=4, random_state=0)):
        auc = cross_val_score(model, X, y, cv=cv, scoring="roc_auc").mean()
        assert auc <= 0.6, f"{model} separates campaigns from leak-only fields: AUC {auc:.3f}"
