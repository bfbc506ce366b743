"""Generalization benchmark: today's `distillguard detect` on worlds of randomized attacker playbooks.

    python benchmarks/generalization.py --quick                 # one world per split, ~minutes
    python benchmarks/generalization.py                         # 3 worlds per split
    python benchmarks/generalization.py --splits test,evasive --worlds 5 --json /tmp/gen.json

Each world is `distillguard simulate --scale small --config benchmarks/worlds/generalization.toml`
with `[playbooks] split = <split>`: hard-negative benign personas plus campaigns drawn from the
split's axis values (src/distillguard/simulate/playbooks.py, SPLITS). `fit` worlds use the values
anything tuned may see; `test` worlds use held-out values on every axis; `evasive` worlds turn
every evasion on. World seeds are SEED_BASE + 1000 * split number + k (default base 7100; no
seed at or above 7000 was used for tuning anything in this project).

For each world: build it, run `distillguard detect` through the data contract (exchanges,
accounts, events; never labels or truth), score with `distillguard.evaluation.score_outputs`,
then re-run the stages after ingest with `--until` = each campaign's first exchange + 24 h
(as benchmarks/early.py does). Prints per world and per split: recall, benign FPR, FPR per
persona, ROC-AUC of risk, recall per campaign (worst first), grouping coverage and purity,
recall 24 h after each start, wall time, and the per-account model's own ranking and calibration
(ROC-AUC, Brier score, campaign share per score bin), per split the benign personas whose FPR
passed 0.5% in some world (issue 16's per-persona bar), per world each detected campaign that mixes
true campaigns with the playbook axes its two largest differ on; the worst campaign over all held-out worlds
(test and evasive) is the last line. `--json OUT` writes every figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import tomllib
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "benchmarks" / "worlds" / "generalization.toml"
SPLIT_ORDER = ("fit", "test", "evasive")
HELD_OUT = ("test", "evasive")
SHORT = ("accounts", "network", "ip_version", "payment", "wrapper", "family", "dilution", "dispatch", "retry",
         "volume", "release", "lifecycle")


def describe(pb: dict) -> str:
    ch = pb["choices"]
    return "/".join(("dil" + ch[k]) if k == "dilution" else ch[k] for k in SHORT)


def default_corpus() -> Path | None:
    """../shared/data beside the checkout (or beside its worktree folder), or None: the built-in text."""
    return next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent)
                 if (p / "shared" / "data" / "templates" / "attack.jsonl").is_file()), None)


def build_world(split: str, seed: int, work: Path, corpus: Path | None, base: Path = BASE,
                scale: str = "small") -> tuple[Path, dict, float]:
    from distillguard.simulate import simulate_world

    cfg = tomllib.loads(base.read_text())
    cfg.setdefault("playbooks", {})["split"] = split
    path = work / f"config-{split}-{seed}.json"
    path.write_text(json.dumps(cfg))
    out = work / f"world-{split}-{seed}"
    t = time.perf_counter()
    summary = simulate_world(out, scale=scale, seed=seed, corpus=corpus, config=path, fmt="parquet")
    return out, summary, time.perf_counter() - t


PERSONA_FPR_BAR = 0.005   # issue 16: every hard-negative persona at most 0.5% flagged

DETECT_ARGS: list[str] = []  # detect options for every detect run and its re-runs (`use_detect_options`)


def use_detect_options(ap: argparse.ArgumentParser, detect_config: Path | None, account_model: Path | None) -> None:
    """Every detect run and its 24-h re-runs use `detect_config` (detect --config) and `account_model`
    (detect --account-model) when given; a missing model file is `ap`'s one-line error."""
    opts: list[str] = []
    if detect_config is not None:
        opts += ["--config", str(detect_config.resolve())]
    if account_model is not None:
        if not account_model.is_file():
            ap.error(f"no account model at {account_model}")
        opts += ["--account-model", str(account_model.resolve())]
    DETECT_ARGS[:] = opts


def run_detect(world: Path, work: Path, extra: list[str] | None = None) -> tuple[Path, Path, float, int]:
    """`distillguard detect` through the CLI on `world`'s exchanges, with `extra` arguments (default: the
    world's accounts and events files): (out, store, seconds, exchanges quarantined)."""
    out, store = work / "out", work / "store"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    cmd = [sys.executable, "-m", "distillguard.cli.main", "detect", str(world / "exchanges"),
           *(["--accounts", str(world / "accounts.jsonl"), "--events", str(world / "events.jsonl")]
             if extra is None else extra),
           "--out", str(out), "--store", str(store), "--quiet", "--json"] + DETECT_ARGS
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise SystemExit(f"detect failed on {world} (exit {proc.returncode}): {tail[0]}")
    counts = json.loads(proc.stdout).get("ingest", {}).get("counts", {}).get("exchange", {})
    return out, store, time.perf_counter() - t, int(counts.get("rows_quarantined", 0))


def _policy():  # type: ignore[no-untyped-def]
    """The policy detect runs with: the shipped settings, or --detect-config's."""
    from distillguard.decisions import Policy
    from distillguard.settings import load_settings

    opts = dict(zip(DETECT_ARGS[::2], DETECT_ARGS[1::2], strict=True))
    config, model = opts.get("--config"), opts.get("--account-model")
    return Policy.from_settings(load_settings(Path(config) if config else None),
                                account_model=Path(model) if model else None)


def early(world: Path, store: Path, work: Path, labels: dict, hours: float = 24.0) -> dict:
    """Recall among each campaign's accounts active `hours` after its first exchange."""
    import duckdb

    from distillguard.evaluation import campaign_starts, early_until, read_accounts_csv
    from distillguard.pipeline import analyse_store

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    ex = str(store / "exchanges" / "**" / "*.parquet").replace("'", "''")
    res = {}
    for name, start in sorted(campaign_starts(world, labels).items()):
        until = early_until(start, hours)
        out = work / "early" / name
        analyse_store(store, out, until=until, policy=_policy())
        flagged = read_accounts_csv(out / "accounts.csv")
        active = {a for (a,) in con.sql(
            f"SELECT DISTINCT account_id FROM read_parquet('{ex}', hive_partitioning=false) "
            f"WHERE ts < CAST('{until}' AS TIMESTAMPTZ)").fetchall()}
        members = [a for a in active if labels.get(a, {}).get("campaign") == name]
        benign = [a for a in active if not labels.get(a, {}).get("campaign")]
        hit = sum(1 for a in members if flagged.get(a, {}).get("flagged"))
        fp = sum(1 for a in benign if flagged.get(a, {}).get("flagged"))
        res[name] = {"until": until, "active": len(members), "recall": hit / max(len(members), 1),
                     "benign_fpr": fp / max(len(benign), 1)}
    return res


def volume_check(store: Path, labels: dict) -> dict:
    """Benign 90th percentile of exchanges per account per active day, and each campaign's median."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    ex = str(store / "exchanges" / "**" / "*.parquet").replace("'", "''")
    rows = con.sql(f"""SELECT account_id, count(*) / count(DISTINCT CAST(ts AS DATE)) AS per_day
                      FROM read_parquet('{ex}', hive_partitioning=false) GROUP BY account_id""").fetchall()
    benign = sorted(v for a, v in rows if not labels.get(a, {}).get("campaign"))
    per: dict[str, list[float]] = {}
    for a, v in rows:
        c = labels.get(a, {}).get("campaign")
        if c:
            per.setdefault(c, []).append(v)
    med = {c: sorted(v)[len(v) // 2] for c, v in per.items()}
    return {"benign_p90_per_day": benign[int(0.9 * (len(benign) - 1))] if benign else None,
            "benign_p50_per_day": benign[len(benign) // 2] if benign else None,
            "campaign_median_per_day": med}


def one_world(split: str, seed: int, work: Path, corpus: Path | None, with_early: bool, base: Path = BASE,
              scale: str = "small") -> dict:
    from distillguard.evaluation import read_labels

    wdir = work / f"{split}-{seed}"
    wdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    world, summary, t_sim = build_world(split, seed, wdir, corpus, base, scale)
    labels = read_labels(world / "labels.jsonl")
    out, store, t_det, quarantined = run_detect(world, wdir)
    pbs = {pb["name"]: pb for pb in summary.get("playbooks", [])}
    res = score_run(world, out, store, wdir, labels, with_early,
                    lambda name: describe(pbs[name]) if name in pbs else name,
                    {k: v.get("choices") or {} for k, v in pbs.items()})
    t_early = res.pop("early_seconds")
    return {"split": split, "seed": seed, "accounts": summary["accounts"], "exchanges": summary["exchanges"],
            "quarantined": quarantined, **res,
            "seconds": {"simulate": round(t_sim, 1), "detect": round(t_det, 1), "early": t_early,
                        "total": round(time.perf_counter() - t0, 1)}}


def score_run(world: Path, out: Path, store: Path, work: Path, labels: dict, with_early: bool,
              playbook, choices: dict[str, dict] | None = None) -> dict:  # type: ignore[no-untyped-def]
    """The figures of one detect run (`out`, `store`) against `labels`: recall, FPR (per persona), coverage,
    purity, per campaign (worst first; `playbook(name)` describes it, `choices` its playbook axes when
    known), the 24-h re-runs (`early`) when `with_early`, volumes, the account model's calibration, mixed
    campaigns; `early_seconds` is the re-runs' time."""
    from distillguard.evaluation import score_outputs

    score = score_outputs(out, labels)
    t1 = time.perf_counter()
    ear = early(world, store, work, labels) if with_early else {}
    t_early = time.perf_counter() - t1
    vol = volume_check(store, labels)
    camps = []
    for name, v in score["recall_per_campaign"].items():
        row = {"campaign": name, "accounts": v["accounts"], "recall": v["recall"],
               "coverage": score["completeness_per_campaign"].get(name),
               "recall_24h": ear.get(name, {}).get("recall"), "active_24h": ear.get(name, {}).get("active"),
               "median_per_day": vol["campaign_median_per_day"].get(name), "playbook": playbook(name)}
        if choices is not None:
            row["choices"] = choices.get(name) or None
        camps.append(row)
    camps.sort(key=lambda c: (c["recall"], c["campaign"]))
    return {"recall": score["recall"], "fpr": score["fpr"], "precision": score["precision"],
            "roc_auc": score.get("roc_auc"), "false_positives": score["false_positives"],
            "fpr_per_persona": {k: v["fpr"] for k, v in score["fpr_per_persona"].items()},
            "persona_accounts": {k: v["accounts"] for k, v in score["fpr_per_persona"].items()},
            "coverage": score["completeness"], "purity": score["purity"], "account_model": calibration(out, labels),
            "coverage_with_dormant": score["completeness_with_dormant"], "dormant_listed": score["dormant_listed"],
            "dormant_benign": score["dormant_benign"],
            "detected_campaigns": score["detected_campaigns"], "campaigns": camps,
            "mixed": mixes(out, labels, choices or {}),
            "benign_p90_per_day": vol["benign_p90_per_day"], "benign_p50_per_day": vol["benign_p50_per_day"],
            "early_seconds": round(t_early, 1)}


def mixes(out: Path, labels: dict, choices: dict[str, dict]) -> list[dict]:
    """Detected campaigns holding accounts of two or more true campaigns: what each holds, and the playbook
    axes on which its two largest true campaigns differ (few: the simulator made the two operators alike,
    e.g. every evasive playbook differs only in its families)."""
    camps = json.loads((out / "campaigns.json").read_text())
    rows = []
    for c in camps:
        held = Counter(name for a in c["accounts"] if (name := labels.get(a, {}).get("campaign")))
        if len(held) < 2:
            continue
        top = sorted(held, key=lambda k: (-held[k], k))
        a, b = choices.get(top[0]), choices.get(top[1])
        differ = sorted(k for k in a if a[k] != b.get(k)) if a and b else None
        rows.append({"campaign_id": c["campaign_id"], "accounts": len(c["accounts"]),
                     "campaigns": {k: held[k] for k in top}, "top_two_differ_on": differ})
    return rows


def calibration(out: Path, labels: dict) -> dict | None:
    """How the per-account model's own score (risk_supervised) ranks and is calibrated on this world.

    ROC-AUC, Brier score, and per risk bin [0, .1), ..., [.9, 1]: accounts, mean score, campaign share.
    """
    import numpy as np
    import pyarrow.parquet as pq
    from sklearn.metrics import brier_score_loss, roc_auc_score

    t = pq.read_table(out / "account_scores.parquet", columns=["account_id", "risk_supervised"]).to_pylist()
    rows = [(r["risk_supervised"], 1 if labels.get(r["account_id"], {}).get("campaign") else 0)
            for r in t if r["risk_supervised"] is not None and r["account_id"] in labels]
    if not rows:
        return None
    p, y = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    bins = np.minimum((p * 10).astype(int), 9)
    table = [{"bin": f"{b / 10:.1f}-{(b + 1) / 10:.1f}", "accounts": int((bins == b).sum()),
              "mean_score": round(float(p[bins == b].mean()), 3), "campaign_share": round(float(y[bins == b].mean()), 3)}
             for b in range(10) if (bins == b).any()]
    return {"roc_auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None,
            "brier": float(brier_score_loss(y, p)), "bins": table}


def _f(x, nd=3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def print_world(w: dict) -> None:
    s = w["seconds"]
    which = f"seed {w['seed']}" if isinstance(w["seed"], int) else w["seed"]
    print(f"\n== {w['split']} {which}: {w['accounts']:,} accounts, {w['exchanges']:,} exchanges; "
          f"simulate {s['simulate']} s, detect {s['detect']} s, 24 h re-runs {s['early']} s")
    if w["quarantined"]:
        print(f"WARNING: ingest quarantined {w['quarantined']} exchanges of this world (a simulator bug)")
    print(f"recall {_f(w['recall'])}  benign FPR {_f(w['fpr'], 4)} ({w['false_positives']} accounts)  "
          f"precision {_f(w['precision'])}  ROC-AUC {_f(w['roc_auc'])}  coverage {_f(w['coverage'])}  "
          f"(with dormant accounts {_f(w['coverage_with_dormant'])}: {w['dormant_listed']} listed, "
          f"{w['dormant_benign']} benign)  purity {_f(w['purity'])}  detected campaigns {w['detected_campaigns']}  "
          f"benign exchanges/account/active day p50 {_f(w['benign_p50_per_day'], 1)} "
          f"p90 {_f(w['benign_p90_per_day'], 1)}")
    m = w.get("account_model")
    if m:
        print(f"account model alone: ROC-AUC {_f(m['roc_auc'])}  Brier {_f(m['brier'], 4)}  bins (accounts, mean score, "
              "campaign share): " + "; ".join(f"{b['bin']} {b['accounts']} {b['mean_score']:.2f} {b['campaign_share']:.2f}"
                                              for b in m["bins"]))
    fp = {k: v for k, v in w["fpr_per_persona"].items() if v > 0}
    print("FPR per persona: " + (", ".join(f"{k} {v:.3f}" for k, v in sorted(fp.items(), key=lambda x: -x[1]))
                                 or "all 0"))
    for m in w.get("mixed", []):
        held = " + ".join(f"{k} {v}" for k, v in m["campaigns"].items())
        differ = (f"; the two largest differ on {', '.join(m['top_two_differ_on'])}"
                  if m["top_two_differ_on"] is not None else "")
        print(f"mixed: {m['campaign_id']} ({m['accounts']} accounts): {held}{differ}")
    print(f"{'campaign':9} {'accts':>5} {'recall':>6} {'24h':>5} {'cover':>5} {'per-day':>7}  playbook")
    for c in w["campaigns"]:
        print(f"{c['campaign']:9} {c['accounts']:5d} {_f(c['recall'], 2):>6} {_f(c['recall_24h'], 2):>5} "
              f"{_f(c['coverage'], 2):>5} {_f(c['median_per_day'], 1):>7}  {c['playbook']}")


def exchange_count(store: Path) -> int:
    """Exchanges kept in a detect store."""
    import duckdb

    ex = str(store / "exchanges" / "**" / "*.parquet").replace("'", "''")
    return int(duckdb.connect().sql(f"SELECT count(*) FROM read_parquet('{ex}', hive_partitioning=false)").fetchall()[0][0])


def aggregate(worlds: list[dict]) -> dict:
    out = {}
    splits = [s for s in SPLIT_ORDER if any(w["split"] == s for w in worlds)]
    for split in splits + sorted({w["split"] for w in worlds} - set(splits)):
        ws = [w for w in worlds if w["split"] == split]
        if not ws:
            continue
        camps = [c for w in ws for c in w["campaigns"]]
        r24 = [c["recall_24h"] for c in camps if c["recall_24h"] is not None]
        out[split] = {"worlds": len(ws), "recall": _mean([w["recall"] for w in ws]),
                      "fpr": _mean([w["fpr"] for w in ws]), "roc_auc": _mean([w["roc_auc"] for w in ws]),
                      "coverage": _mean([w["coverage"] for w in ws]), "purity": _mean([w["purity"] for w in ws]),
                      "coverage_with_dormant": _mean([w.get("coverage_with_dormant") for w in ws]),
                      "dormant_listed": sum(w.get("dormant_listed", 0) for w in ws),
                      "dormant_benign": sum(w.get("dormant_benign", 0) for w in ws),
                      "worst_campaign_recall": min((c["recall"] for c in camps), default=None),
                      "campaigns_at_zero": sum(1 for c in camps if c["recall"] == 0), "campaigns": len(camps),
                      "recall_24h": _mean(r24), "seconds": round(sum(w["seconds"]["total"] for w in ws), 1),
                      "model_roc_auc": _mean([(w.get("account_model") or {}).get("roc_auc") for w in ws]),
                      "model_brier": _mean([(w.get("account_model") or {}).get("brier") for w in ws]),
                      # each benign persona's highest FPR over the split's worlds (the bar: 0.5%)
                      "persona_fpr_max": {p: max(w["fpr_per_persona"].get(p, 0.0) for w in ws)
                                          for p in sorted({p for w in ws for p in w["fpr_per_persona"]})}}
    return out


def _mean(xs):
    xs = [x for x in xs if x is not None and x == x]
    return sum(xs) / len(xs) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one small world per split")
    ap.add_argument("--splits", default=",".join(SPLIT_ORDER), help="comma-separated: fit,test,evasive")
    ap.add_argument("--worlds", type=int, default=None, help="worlds per split (default 3; --quick: 1)")
    ap.add_argument("--seed-base", type=int, default=7100)
    ap.add_argument("--corpus", type=Path, default=None,
                    help="public corpus folder (default: ../shared/data when present, else the built-in text)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dg-generalization"), help="scratch folder (emptied)")
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    ap.add_argument("--no-early", action="store_true", help="skip the 24 h re-runs")
    ap.add_argument("--detect-config", type=Path, default=None,
                    help="detection settings for every detect run (detect --config), e.g. an A/B switch")
    ap.add_argument("--account-model", type=Path, default=None,
                    help="account model for every detect run (detect --account-model; default: the shipped one)")
    ap.add_argument("--config", type=Path, default=BASE, help="world config the split is added to")
    ap.add_argument("--scale", default="small", help="simulator scale preset under --config")
    args = ap.parse_args()
    use_detect_options(ap, args.detect_config, args.account_model)
    warnings.filterwarnings("ignore", category=RuntimeWarning)   # numpy's all-NaN notes from early cuts
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    bad = [s for s in splits if s not in SPLIT_ORDER]
    if bad or not splits:
        ap.error(f"unknown split {', '.join(bad) or '(none)'}; use {', '.join(SPLIT_ORDER)}")
    k = args.worlds if args.worlds is not None else (1 if args.quick else 3)
    if k < 1:
        ap.error("--worlds must be >= 1")
    if not args.config.is_file():
        ap.error(f"no world config at {args.config}")
    corpus = args.corpus or default_corpus()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    began = time.perf_counter()
    print(f"corpus: {corpus or 'built-in'}; worlds per split: {k}; seeds {args.seed_base} + 1000 * split + k")
    worlds = []
    from distillguard.errors import DistillguardError

    for split in splits:
        for i in range(k):
            seed = args.seed_base + 1000 * SPLIT_ORDER.index(split) + i
            try:
                w = one_world(split, seed, args.work, corpus, not args.no_early, args.config, args.scale)
            except (DistillguardError, tomllib.TOMLDecodeError) as exc:
                print(f"error: {exc}".splitlines()[0], file=sys.stderr)
                return 2
            print_world(w)
            worlds.append(w)
            if args.json:   # figures so far, in case a later world fails
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps({"partial": True, "worlds": worlds}, indent=1) + "\n")
            shutil.rmtree(args.work / f"{split}-{seed}", ignore_errors=True)
    agg = aggregate(worlds)
    print("\n== per split")
    print(f"{'split':8} {'worlds':>6} {'recall':>6} {'FPR':>7} {'AUC':>5} {'cover':>5} {'purity':>6} {'24h':>5} "
          f"{'worst':>5} {'at 0':>7} {'seconds':>7} {'model AUC':>9} {'Brier':>6}")
    for split, a in agg.items():
        print(f"{split:8} {a['worlds']:6d} {_f(a['recall']):>6} {_f(a['fpr'], 4):>7} {_f(a['roc_auc'], 2):>5} "
              f"{_f(a['coverage'], 2):>5} {_f(a['purity'], 2):>6} {_f(a['recall_24h'], 2):>5} "
              f"{_f(a['worst_campaign_recall'], 2):>5} {a['campaigns_at_zero']:>3}/{a['campaigns']:<3} "
              f"{a['seconds']:7.0f} {_f(a['model_roc_auc'], 3):>9} {_f(a['model_brier'], 4):>6}")
    for split, a in agg.items():
        print(f"{split}: coverage with dormant accounts {_f(a['coverage_with_dormant'], 2)} "
              f"({a['dormant_listed']} dormant accounts listed, {a['dormant_benign']} of them benign)")
    for split, a in agg.items():
        over = {p: v for p, v in a["persona_fpr_max"].items() if v > PERSONA_FPR_BAR}
        print(f"{split}: benign personas above {PERSONA_FPR_BAR:.1%} FPR in some world: "
              + (", ".join(f"{p} {v:.3f}" for p, v in sorted(over.items(), key=lambda x: -x[1])) or "none"))
    held = [(c, w) for w in worlds if w["split"] in HELD_OUT for c in w["campaigns"]]
    headline = None
    if held:
        c, w = min(held, key=lambda x: (x[0]["recall"], x[0]["recall_24h"] or 0, x[1]["split"], x[0]["campaign"]))
        headline = {"split": w["split"], "seed": w["seed"], **c}
    result = {"command": " ".join(sys.argv), "seed_base": args.seed_base, "worlds_per_split": k,
              "corpus": str(corpus) if corpus else "builtin", "worlds": worlds, "splits": agg,
              "headline": headline, "seconds": round(time.perf_counter() - began, 1)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\ntotal {result['seconds']:.0f} s")
    if headline:
        print(f"WORST HELD-OUT CAMPAIGN: recall {headline['recall']:.2f} (24 h: {_f(headline['recall_24h'], 2)}) "
              f"of {headline['accounts']} accounts, {headline['campaign']} in {headline['split']} world "
              f"seed {headline['seed']}: {headline['playbook']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
