"""Benchmark account risk from fingerprints on simulated worlds (unseen seed, changed config).

    python benchmarks/fingerprints.py --scale small --train-seed 1 --test-seed 7 --work /tmp/dg-fp-bench

Trains nothing for the unsupervised score; the supervised model is trained on the train world
(default config) and both scores are evaluated on the test world, simulated with another seed and
a changed config (`CHANGED_CONFIG`: more mundane mixing, stronger paraphrase, more IP rotation,
more timing jitter). Prints ROC-AUC and recall at 0.1% benign FPR for each score, template
purity/completeness on the test world, and timings. Account labels come from labels.jsonl
(campaign null = benign); detection never reads them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from templates import ingest_world, peak_rss_gb, purity_completeness  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHANGED_CONFIG = """
[campaigns.reasoning]
mundane_share = 0.35
paraphrase_strength = 0.9
ip_rotation = 0.5
timing_jitter_s = 20.0

[campaigns.agentic]
mundane_share = 0.55
paraphrase_strength = 0.9
ip_rotation = 0.9
timing_jitter_s = 20.0

[campaigns.high_volume]
mundane_share = 0.35
paraphrase_strength = 0.9
ip_rotation = 0.5
timing_jitter_s = 10.0

[campaigns.stealth]
mundane_share = 0.4
paraphrase_strength = 1.0
timing_jitter_s = 120.0
"""


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def recall_at_fpr(y: np.ndarray, s: np.ndarray, fpr: float = 0.001) -> float:
    """Recall of positives scoring strictly above the benign score quantile that keeps FPR <= fpr."""
    neg = np.sort(s[y == 0])
    k = int(np.floor(fpr * len(neg)))          # benign accounts allowed above the threshold
    thr = neg[len(neg) - k - 1] if len(neg) > k else -np.inf
    return float((s[y == 1] > thr).mean())


def make_world(path: Path, scale: str, seed: int, config: Path | None) -> None:
    if (path / "labels.jsonl").exists():
        return
    from distillguard.simulate import simulate_world

    t = time.perf_counter()
    simulate_world(path, scale=scale, seed=seed, corpus=SHARED, config=config)
    print(f"simulated {path} in {time.perf_counter() - t:.0f}s", file=sys.stderr)


def run_world(world: Path, classify: bool) -> dict:
    from distillguard.engine import open_engine
    from distillguard.fingerprints import build_fingerprints
    from distillguard.templates import mine_templates

    store = world.with_name(world.name + "-store")
    ingest_world(world, store)
    eng = open_engine(store)
    res: dict = {}
    t = time.perf_counter()
    et, tpl = mine_templates(eng)
    res["mine_seconds"] = round(time.perf_counter() - t, 1)
    cls = None
    if classify:
        try:
            from distillguard.signals.classifier import classify as run_classifier

            t = time.perf_counter()
            x = eng.sql("SELECT * FROM exchanges")
            cls = run_classifier(x, explain=False)
            res["classify_seconds"] = round(time.perf_counter() - t, 1)
        except Exception as exc:  # noqa: BLE001 - the classifier is optional here
            res["classifier"] = f"not used: {type(exc).__name__}: {exc}"[:200]
    t = time.perf_counter()
    fp = build_fingerprints(eng, et, tpl, cls)
    res["fingerprint_seconds"] = round(time.perf_counter() - t, 1)
    res["exchanges"] = et.num_rows
    res["accounts"] = fp.num_rows
    truth_path = world / "truth" / "exchanges.parquet"
    if truth_path.exists():
        truth = pq.read_table(truth_path, columns=["request_id", "template_key", "campaign"])
        j = et.join(truth.rename_columns(["exchange_id", "template_key", "campaign"]), "exchange_id")
        j = j.filter(pc.is_valid(j.column("template_key")))
        if j.num_rows:
            p, c = purity_completeness(j.column("template_id").to_pylist(), j.column("template_key").to_pylist())
            res.update(template_purity=round(p, 4), template_completeness=round(c, 4),
                       templated_exchanges=j.num_rows, truth_templates=len(set(j.column("template_key").to_pylist())),
                       mined_templates_on_them=len(set(j.column("template_id").to_pylist())))
            camp = j.filter(pc.is_valid(j.column("campaign")))
            if camp.num_rows:
                p, c = purity_completeness(camp.column("template_id").to_pylist(),
                                           camp.column("template_key").to_pylist())
                res.update(campaign_template_purity=round(p, 4), campaign_template_completeness=round(c, 4))
    eng.close()
    return {"fp": fp, "et": et, "tpl": tpl, "res": res}


def labels_of(world: Path) -> pa.Table:
    lab = pj.read_json(world / "labels.jsonl")
    camp = lab.column("campaign")
    if camp.type == pa.null():
        camp = pa.nulls(lab.num_rows, pa.string())
    return pa.table({"account_id": lab.column("account_id"), "campaign": camp.cast(pa.string())})


def evaluate(fp: pa.Table, scores: pa.Table, labels: pa.Table) -> dict:
    lab = dict(zip(labels.column("account_id").to_pylist(), labels.column("campaign").to_pylist(), strict=True))
    ids = scores.column("account_id").to_pylist()
    known = np.array([a in lab for a in ids])
    y = np.array([1 if lab.get(a) else 0 for a in ids])[known]
    out = {"accounts_evaluated": int(known.sum()), "campaign_accounts": int(y.sum()), "benign_accounts": int((1 - y).sum())}
    for col in ("risk_unsupervised", "risk_supervised"):
        s = scores.column(col)
        if s.null_count == len(s):
            continue
        v = pc.fill_null(s, 0.0).to_numpy()[known]
        out[col] = {"roc_auc": round(roc_auc(y, v), 4), "recall_at_0.1%_fpr": round(recall_at_fpr(y, v), 4),
                    "recall_at_1%_fpr": round(recall_at_fpr(y, v, 0.01), 4)}
        camp = np.array([lab.get(a) for a in ids], dtype=object)[known]
        per = {}
        for name in sorted({c for c in camp if c}):
            m = (camp == name) | (y == 0)
            per[name] = round(recall_at_fpr(y[m], v[m]), 3)
        out[col]["recall_at_0.1%_fpr_by_campaign"] = per
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="small")
    ap.add_argument("--train-seed", type=int, default=1)
    ap.add_argument("--test-seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=Path("/tmp/dg-fp-bench"))
    ap.add_argument("--classify", action="store_true", help="also run the traffic classifier and use its output")
    a = ap.parse_args()
    from distillguard.fingerprints import save_model, score_accounts, train_supervised

    a.work.mkdir(parents=True, exist_ok=True)
    cfg = a.work / "changed.toml"
    cfg.write_text(CHANGED_CONFIG)
    train_w = a.work / f"{a.scale}-train-s{a.train_seed}"
    test_w = a.work / f"{a.scale}-test-s{a.test_seed}-changed"
    make_world(train_w, a.scale, a.train_seed, None)
    make_world(test_w, a.scale, a.test_seed, cfg)
    tr = run_world(train_w, a.classify)
    te = run_world(test_w, a.classify)
    t = time.perf_counter()
    model = train_supervised(tr["fp"], labels_of(train_w))
    path = save_model(model, a.work / "accounts.model")
    train_s = time.perf_counter() - t
    scores = score_accounts(te["fp"], model)
    report = {
        "train_world": {"path": str(train_w), **tr["res"]},
        "test_world": {"path": str(test_w), "config": "changed.toml (more mixing, stronger paraphrase)", **te["res"]},
        "supervised_model": {"path": str(path), "bytes": path.stat().st_size, "train_seconds": round(train_s, 1)},
        "test_scores": evaluate(te["fp"], scores, labels_of(test_w)),
        "train_scores_unsupervised": evaluate(tr["fp"], score_accounts(tr["fp"]), labels_of(train_w)),
        "peak_rss_gb": round(peak_rss_gb(), 2),
        "command": "python " + " ".join(sys.argv),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
