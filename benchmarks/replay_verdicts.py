"""Replay the last stages of detect (coordination, operators, verdicts) from a saved run state.

At seed scale every stage before coordination takes ~9 minutes; a change to coordination, lead
cohorts, operators or the verdicts then costs that much per try. `dump` runs those stages once on
a store and saves what the last three stages read; `run` replays them with the code on PYTHONPATH
and any `--config` (its [coordination], [operators] and [policy] sections; earlier stages' settings
are the dump's), in about a minute, and prints the flags, the campaigns and, given the world's
labels, recall and false positives per persona and per campaign. The stages replayed are detect's
own (`pipeline.VERDICTS`), not a copy.

    python benchmarks/replay_verdicts.py dump W-detect/store /tmp/dump     # ~9 min at seed scale
    python benchmarks/replay_verdicts.py run /tmp/dump --labels W/labels.jsonl [--config my.toml]

Labels are read only to score, as everywhere in benchmarks/.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from distillguard import pipeline as P
from distillguard.decisions import Policy
from distillguard.decisions.own_risk import is_supervised, policy_for_model
from distillguard.decisions.policy import lone_harvesting
from distillguard.evaluation import campaign_matching
from distillguard.linking.run import unused_accounts
from distillguard.settings import load_settings

REPLAYED = ("coordination", "operators", "verdicts")
TABLES = ("fingerprints", "templates", "account_scores", "facets", "resent")
ARRAYS = ("active", "own_risk", "our_risk", "extraction", "harvest", "harvesting", "orgs")
OBJECTS = ("own_reasons", "campaigns", "decision", "config_keys", "alone")


def dump(store: Path, folder: Path) -> None:
    """Every stage after ingest up to coordination on `store`; what the replayed stages read, into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    run = P.Run(Policy(), lambda s: print(f"  {s}", file=sys.stderr), P.StageTimes())
    P.open_run(store, run)
    before = tuple(s for s in P.FEATURES + P.VERDICTS if s.name not in REPLAYED and s.name != "write")
    with tempfile.TemporaryDirectory(prefix="distillguard-derived-") as tmp:
        run.spill_dir = Path(tmp)
        P.run_stages(before, run)
        P._facets(run)   # noqa: SLF001  (the facets and organisations need the engine; the replay has none)
        P._orgs(run)     # noqa: SLF001
        P._resent(run)   # noqa: SLF001
    for name in TABLES:
        if getattr(run, name) is not None:
            pq.write_table(getattr(run, name), folder / f"{name}.parquet")
    for name in ARRAYS:
        value = getattr(run, name)
        if value is not None:
            np.save(folder / f"{name}.npy", np.asarray(value, dtype=object if name in ("active", "orgs") else None),
                    allow_pickle=True)
    pq.write_table(unused_accounts(run.engine, run.active), folder / "unused.parquet")
    with open(folder / "objects.pkl", "wb") as f:
        pickle.dump({name: getattr(run, name) for name in OBJECTS} | {"classified": run.classified is not None}, f)


def replay(folder: Path, config: Path | None, accounts: Path | None = None) -> P.Run:
    """The replayed stages on the saved state, with `config`'s settings. The registered accounts that
    sent nothing (for DG-LNK-0005's dormant accounts) are the dump's, or read from `accounts` (the
    world's accounts file, for a dump made before dumps kept them); neither: none are listed."""
    with open(folder / "objects.pkl", "rb") as f:
        objects = pickle.load(f)
    settings = load_settings(config)
    run = P.Run(Policy.from_settings(settings), lambda s: None, P.StageTimes())
    for name in TABLES:   # a table a dump of older code lacks stays None
        path = folder / f"{name}.parquet"
        setattr(run, name, pq.read_table(path) if path.exists() else None)
    for name in ARRAYS:
        path = folder / f"{name}.npy"
        setattr(run, name, np.load(path, allow_pickle=True) if path.exists() else None)
    for name in OBJECTS:
        setattr(run, name, objects[name])
    run.unused = _unused(folder, accounts, run.active)
    for c in run.campaigns or []:   # dumped before a Campaign field existed: its default
        for f in dataclasses.fields(c):
            if not hasattr(c, f.name) and f.default_factory is not dataclasses.MISSING:
                setattr(c, f.name, f.default_factory())
    run.policy = policy_for_model(run.policy, supervised=is_supervised(run.account_scores))
    run.settings = run.policy.stage_settings()
    if objects["classified"]:   # the lone-flag bar is a [policy] setting
        run.harvesting = lone_harvesting(run.extraction, run.harvest, run.policy)
    run.few = P.lone_few(run.fingerprints, run.active, run.policy)   # a [policy] setting too
    P.run_stages(tuple(s for s in P.VERDICTS if s.name in REPLAYED), run)
    return run


def _unused(folder: Path, accounts: Path | None, active: np.ndarray):  # type: ignore[no-untyped-def]
    """The dump's registered accounts that sent nothing, else those of the file `accounts`, else None."""
    if (folder / "unused.parquet").exists():
        return pq.read_table(folder / "unused.parquet")
    if accounts is None:
        return None
    from distillguard.engine.duckdb import DuckDBEngine
    from distillguard.ingest.readers import iter_rows
    from distillguard.ingest.run import normalise_batch, rows_to_table
    from distillguard.schema.accounts import ACCOUNTS

    # the file read and normalised as ingest does (records it would quarantine are left out)
    good = [row for batch in iter_rows(accounts) for row in normalise_batch("account", str(accounts), batch).small_rows]
    engine = DuckDBEngine()
    engine.register("accounts", rows_to_table(good, ACCOUNTS.schema))
    return unused_accounts(engine, active)


def score(run: P.Run, labels: Path) -> dict:
    """Recall, grouping coverage and purity, false positives per persona and per campaign of `run`'s
    verdicts and campaigns against `labels`."""
    lab = {}
    with open(labels) as f:
        for line in f:
            r = json.loads(line)
            lab[r["account_id"]] = r
    active = run.active.tolist()  # type: ignore[union-attr]
    flagged = run.decision.flagged  # type: ignore[union-attr]
    truth = collections.Counter(lab[a]["campaign"] for a in active if lab[a]["campaign"])
    benign = sum(1 for a in active if not lab[a]["campaign"])
    hit: collections.Counter = collections.Counter()
    fp: collections.Counter = collections.Counter()
    where: collections.Counter = collections.Counter()
    for i in np.flatnonzero(flagged).tolist():
        label = lab[active[i]]
        if label["campaign"]:
            hit[label["campaign"]] += 1
        else:
            fp[label["persona"]] += 1
            c = int(run.decision.campaign_of[i])  # type: ignore[union-attr]
            where[(run.campaigns[c].campaign_id if c >= 0 else "alone", label["persona"])] += 1  # type: ignore[index]
    grouping = campaign_matching([{"accounts": [active[i] for i in c.members.tolist()],
                                   "dormant_accounts": c.dormant} for c in run.campaigns], lab)  # type: ignore[union-attr]
    return {"recall": round(sum(hit.values()) / max(sum(truth.values()), 1), 4),
            "coverage": round(grouping["completeness"], 4), "purity": round(grouping["purity"], 4),
            "coverage_with_dormant": round(grouping["completeness_with_dormant"], 4),
            "dormant_listed": grouping["dormant_listed"], "dormant_benign": grouping["dormant_benign"],
            "recall_per_campaign": {k: round(hit[k] / v, 4) for k, v in sorted(truth.items())},
            "false_positives": sum(fp.values()), "fpr": round(sum(fp.values()) / max(benign, 1), 5),
            "false_positives_per_persona": dict(fp.most_common()),
            "false_positives_per_campaign": [[c, p, n] for (c, p), n in where.most_common()]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="run the stages before coordination on a store and save the state")
    d.add_argument("store", type=Path)
    d.add_argument("folder", type=Path)
    r = sub.add_parser("run", help="replay coordination, operators and verdicts on a saved state")
    r.add_argument("folder", type=Path)
    r.add_argument("--config", type=Path, help="detection settings (the shape of settings.toml)")
    r.add_argument("--labels", type=Path, help="the world's labels.jsonl, to score")
    r.add_argument("--accounts", type=Path, help="the world's accounts file, for a dump without the registered "
                   "accounts that sent nothing (dumps made before 2026-12-06)")
    args = ap.parse_args()
    if args.cmd == "dump":
        if not (args.store / "exchanges").is_dir():
            print(f"error: {args.store} is not a store (no exchanges/ in it); give detect's --store folder",
                  file=sys.stderr)
            return 2
        dump(args.store, args.folder)
        print(json.dumps({"dumped": str(args.folder)}))
        return 0
    if not (args.folder / "objects.pkl").exists():
        print(f"error: {args.folder} holds no dump (run `dump` first)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    run = replay(args.folder, args.config, args.accounts)
    out = {"seconds": round(time.perf_counter() - start, 1), "flagged": int(run.decision.flagged.sum()),  # type: ignore[union-attr]
           "campaigns": len(run.campaigns)}  # type: ignore[arg-type]
    if args.labels:
        out |= score(run, args.labels)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
