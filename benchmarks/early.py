"""Early detection on a big world without re-ingesting it: detect as of 24 h after each campaign starts.

    python benchmarks/detect.py /tmp/seedfull --work /tmp/seedfull-detect      # leaves the store
    python benchmarks/early.py /tmp/seedfull --store /tmp/seedfull-detect/store --out /tmp/early
    python benchmarks/early.py /tmp/seedfull --store ... --out ... --campaign stealth   # one campaign only

For each true campaign of the simulated WORLD, runs the stages after ingest on STORE with
`--until` = its first exchange + 24 h (`pipeline.analyse_store`), then scores it as
`distillguard evaluate --early` does: recall among the campaign's accounts active by then, and
the flag rate among benign accounts active by then. Prints one JSON line per campaign and writes
OUT/early.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("world", type=Path, help="a folder written by `distillguard simulate`")
    ap.add_argument("--store", type=Path, required=True, help="the store detect left for that world")
    ap.add_argument("--out", type=Path, required=True, help="folder for each run's outputs and early.json")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--campaign", action="append", help="only this true campaign (repeatable; default: all)")
    args = ap.parse_args()

    import duckdb

    from distillguard.evaluation import campaign_starts, early_until, read_accounts_csv, read_labels
    from distillguard.pipeline import analyse_store

    labels = read_labels(args.world / "labels.jsonl")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    exchanges = str(args.store / "exchanges" / "**" / "*.parquet").replace("'", "''")
    res = {}
    starts = campaign_starts(args.world, labels)
    unknown = sorted(set(args.campaign or []) - set(starts))
    if unknown:
        ap.error(f"no campaign named {', '.join(unknown)} in {args.world} (it has {', '.join(sorted(starts))})")
    for name, start in sorted(starts.items()):
        if args.campaign and name not in args.campaign:
            continue
        until = early_until(start, args.hours)
        t = time.perf_counter()
        out = args.out / name
        run = analyse_store(args.store, out, until=until)
        flagged = read_accounts_csv(out / "accounts.csv")
        active = {a for (a,) in con.sql(
            f"SELECT DISTINCT account_id FROM read_parquet('{exchanges}', hive_partitioning=false) "
            f"WHERE ts < CAST('{until}' AS TIMESTAMPTZ)").fetchall()}
        members = [a for a in active if labels.get(a, {}).get("campaign") == name]
        benign = [a for a in active if not labels.get(a, {}).get("campaign")]
        hit = sum(1 for a in members if flagged.get(a, {}).get("flagged"))
        fp = sum(1 for a in benign if flagged.get(a, {}).get("flagged"))
        res[name] = {"until": until, "accounts": sum(1 for v in labels.values() if v.get("campaign") == name),
                     "active_by_then": len(members), "recall_of_active": round(hit / max(len(members), 1), 4),
                     "benign_active": len(benign), "benign_flagged": fp, "benign_fpr": round(fp / max(len(benign), 1), 6),
                     "seconds": round(time.perf_counter() - t, 1),
                     "stage_seconds": {k: round(v, 1) for k, v in run.seconds.items()}}
        print(json.dumps({name: res[name]}), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "early.json").write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
