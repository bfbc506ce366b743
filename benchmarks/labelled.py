"""Score `distillguard detect` on any labelled world that follows the data contract.

    python benchmarks/labelled.py W [W ...]                       # worlds already on disk
    python benchmarks/labelled.py --generate "python benchmarks/blind/generate.py --seed {seed} --out {out}" \
        --seeds 1,2,3 --work /tmp/blind                           # build each world first, then score it

A world is a folder with `exchanges/` (any format the contract allows), `accounts.jsonl`,
`events.jsonl` (both optional) and `labels.jsonl` (`{"account_id", "campaign", "persona"}` per
line, contract section 5). Nothing else is read: no truth table, no simulator config. So this
scores worlds from other generators (benchmarks/blind/, a partner's, the maintainers' independent
worlds) exactly as a user's detect run would see them: `distillguard detect` through the CLI on the
exchanges, accounts and events (never the labels), then `distillguard.evaluation.score_outputs`
against the labels, then the stages after ingest again with `--until` = each campaign's first
exchange + 24 h (the first exchange of any account labelled with it).

Prints per world: recall, benign FPR (and per persona), precision, ROC-AUC, grouping coverage and
purity, recall per campaign (worst first) with its 24-h recall, the account model's own ranking;
then the mean over the worlds, the worst campaign and each persona's highest FPR. `--json OUT`
writes every figure. The figures are only evidence while nothing was tuned on these worlds: say
which worlds were looked at (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generalization as G  # noqa: E402  (run_detect, early, calibration, volume_check, printing)


def score_world(world: Path, work: Path, with_early: bool = True, name: str | None = None) -> dict:
    from distillguard.evaluation import read_labels

    labels_path = world / "labels.jsonl"
    if not labels_path.is_file():
        raise SystemExit(f"error: {world} has no labels.jsonl (contract section 5)")
    labels = read_labels(labels_path)
    work.mkdir(parents=True, exist_ok=True)
    accounts = world / "accounts.jsonl"
    events = world / "events.jsonl"
    extra = (["--accounts", str(accounts)] if accounts.is_file() else []) + \
            (["--events", str(events)] if events.is_file() else [])
    t0 = time.perf_counter()
    out, store, t_det, quarantined = G.run_detect(world, work, extra=extra)
    strategy: dict[str, Counter] = {}
    for lab in labels.values():
        if lab.get("campaign"):
            strategy.setdefault(lab["campaign"], Counter())[lab.get("persona") or "?"] += 1
    res = G.score_run(world, out, store, work, labels, with_early,
                      lambda c: strategy[c].most_common(1)[0][0] if c in strategy else c)
    t_early = res.pop("early_seconds")
    return {"split": "labelled", "seed": name or world.name, "accounts": len(labels),
            "exchanges": G.exchange_count(store), "quarantined": quarantined, **res,
            "seconds": {"simulate": 0.0, "detect": round(t_det, 1), "early": t_early,
                        "total": round(time.perf_counter() - t0, 1)}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("worlds", nargs="*", type=Path, help="labelled world folders (contract layout)")
    ap.add_argument("--generate", help="command that builds one world; {seed} and {out} are filled in")
    ap.add_argument("--seeds", default="", help="comma-separated seeds for --generate")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed afterwards)")
    ap.add_argument("--no-early", action="store_true", help="skip the 24-h re-runs")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--detect-config", type=Path, help="settings file passed to detect --config")
    ap.add_argument("--account-model", type=Path,
                    help="account model for every detect run (detect --account-model; default: the shipped one)")
    args = ap.parse_args()
    G.use_detect_options(ap, args.detect_config, args.account_model)
    seeds = [s for s in args.seeds.split(",") if s.strip()]
    if bool(args.generate) != bool(seeds):
        ap.error("--generate and --seeds go together")
    if not args.worlds and not seeds:
        ap.error("name world folders, or --generate with --seeds")
    tmp = None
    work = args.work
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="dg-labelled-")
        work = Path(tmp.name)
    results = []
    try:
        todo = [(w, w.name, None) for w in args.worlds]
        for s in seeds:
            wdir = work / f"world-{s}"
            todo.append((wdir, f"seed {s}", s))
        for world, name, seed in todo:
            t_gen = 0.0
            if seed is not None:
                cmd = args.generate.format(seed=shlex.quote(seed), out=shlex.quote(str(world)))
                t = time.perf_counter()
                proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)
                t_gen = time.perf_counter() - t
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
                    raise SystemExit(f"error: generating {name} failed (exit {proc.returncode}): {tail[0]}")
            print(f"scoring {name} ...", file=sys.stderr, flush=True)
            r = score_world(world, work / f"run-{world.name}", with_early=not args.no_early, name=name)
            r["seconds"]["simulate"] = round(t_gen, 1)
            G.print_world(r)
            results.append(r)
    finally:
        if tmp is not None:
            tmp.cleanup()
    agg = G.aggregate(results).get("labelled", {})
    camps = [c for r in results for c in r["campaigns"]]
    print(f"\n== {len(results)} world(s): recall {G._f(agg.get('recall'))}  FPR {G._f(agg.get('fpr'), 4)}  "
          f"coverage {G._f(agg.get('coverage'))}  purity {G._f(agg.get('purity'))}  24h {G._f(agg.get('recall_24h'))}  "
          f"worst campaign {G._f(agg.get('worst_campaign_recall'))}  campaigns at 0: "
          f"{agg.get('campaigns_at_zero')}/{agg.get('campaigns')}")
    over = {p: v for p, v in (agg.get("persona_fpr_max") or {}).items() if v > 0}
    print("highest FPR per persona: " + (", ".join(f"{p} {v:.4f}" for p, v in sorted(over.items(), key=lambda x: -x[1]))
                                         or "all 0"))
    if camps:
        worst = min(camps, key=lambda c: c["recall"])
        print(f"worst campaign: {worst['campaign']} ({worst['accounts']} accounts, {worst['playbook']}): "
              f"recall {G._f(worst['recall'])}")
    if args.json:
        args.json.write_text(json.dumps({"worlds": results, "aggregate": agg}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
