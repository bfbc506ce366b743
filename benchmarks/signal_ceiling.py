"""Where held-out campaign accounts are lost: what coordination could see, per campaign.

    python benchmarks/signal_ceiling.py --split test --seed 8800      # one generalization world
    python benchmarks/signal_ceiling.py --split evasive --seed 9800 --json /tmp/ceiling.json

Builds one world as `benchmarks/generalization.py` does (same config, same seed rule), runs
`distillguard detect` on it, re-runs the stages after ingest in this process to capture the
per-account facets that coordination-first finding reads (`linking.coordination.account_facets`),
and prints per campaign:

- `flagged`: accounts detect flagged;
- own risk (the account model alone): shares below 0.05, 0.05-0.5 and at least 0.5;
- `dominated`: share of its accounts that hold a value (any facet, held by >= 5 accounts) of
  which at least half / 95% of the holders are this campaign's accounts, and the facets that
  give it. This is an upper bound on what any grouping by shared values could recover: an
  account that shares nothing its operator dominates can only be found by its own behaviour;
- mean harvest share and extraction share, against coordination's bars (a group below both
  is never a campaign).

The world's labels are read only here, to score: this is a diagnostic for worlds already
looked at (docs/benchmarks.md names them), never a tuning loop. Use seeds outside any held-out
measurement base you still need.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generalization as G  # noqa: E402


def capture(store: Path, out: Path) -> dict:
    """Re-run the stages after ingest and keep coordination's inputs (facets, harvest, extraction)."""
    import distillguard.linking.run as R
    from distillguard.pipeline import analyse_store

    box: dict = {}
    original = R.coordinated_groups

    def spy(facets, harvest, params, extraction=None, **kw):  # type: ignore[no-untyped-def]
        box.update(facets=facets, harvest=harvest, extraction=extraction, orgs=kw.get("orgs"))
        return original(facets, harvest, params, extraction=extraction, **kw)

    R.coordinated_groups = spy
    try:
        analyse_store(store, out)
    finally:
        R.coordinated_groups = original
    return box


def ceiling(truth: np.ndarray, facets, harvest: np.ndarray, extraction: np.ndarray, own: np.ndarray,
            flagged: np.ndarray, min_holders: int = 5) -> dict:
    """Per campaign: flagged, own-risk bins, dominated shares by facet, harvest and extraction means."""
    import pyarrow.compute as pc

    acc = facets["account"].to_numpy()
    key = pc.binary_join_element_wise(facets["facet"], facets["value"], "\x1f").to_numpy(zero_copy_only=False)
    order = np.argsort(key, kind="stable")
    acc, key = acc[order], key[order]
    bounds = np.flatnonzero(key[1:] != key[:-1]) + 1
    best: dict[int, tuple[float, str]] = {}
    for part_acc, part_key in zip(np.split(acc, bounds), np.split(key, bounds), strict=True):
        if len(part_acc) < min_holders:
            continue
        facet = str(part_key[0]).split("\x1f", 1)[0]
        owners = truth[part_acc]
        for name, count in collections.Counter(owners.tolist()).items():
            if name.startswith("B:") or count < min_holders:
                continue
            share = count / len(part_acc)
            for a in part_acc[owners == name].tolist():
                if share > best.get(a, (0.0, ""))[0]:
                    best[a] = (share, facet)
    out = {}
    for name in sorted({t for t in truth.tolist() if not t.startswith("B:")}):
        idx = np.flatnonzero(truth == name)
        share = np.array([best.get(int(a), (0.0, ""))[0] for a in idx])
        row = {"accounts": int(len(idx)), "flagged": round(float(flagged[idx].mean()), 3),
               "own_below_0.05": round(float((own[idx] < 0.05).mean()), 3),
               "own_0.05_0.5": round(float(((own[idx] >= 0.05) & (own[idx] < 0.5)).mean()), 3),
               "own_at_least_0.5": round(float((own[idx] >= 0.5).mean()), 3),
               "harvest": round(float(harvest[idx].mean()), 3), "extraction": round(float(extraction[idx].mean()), 3)}
        for bar in (0.5, 0.95):
            hit = idx[share >= bar]
            row[f"dominated_{bar:g}"] = round(float(len(hit) / len(idx)), 3)
            row[f"dominated_{bar:g}_by"] = dict(collections.Counter(best[int(a)][1] for a in hit).most_common())
        out[name] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test", choices=G.SPLIT_ORDER)
    ap.add_argument("--seed", type=int, default=8800)
    ap.add_argument("--corpus", type=Path, default=None, help="public corpus folder (default: ../shared/data)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dg-ceiling"), help="scratch folder (emptied)")
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    ap.add_argument("--config", type=Path, default=G.BASE, help="world config the split is added to")
    ap.add_argument("--scale", default="small", help="world scale (default small, as the benchmark)")
    args = ap.parse_args()
    if not args.config.is_file():
        ap.error(f"no world config at {args.config}")
    corpus = args.corpus or G.default_corpus()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    from distillguard.errors import DistillguardError

    try:
        world, _, _ = G.build_world(args.split, args.seed, args.work, corpus, args.config, args.scale)
    except (DistillguardError, G.tomllib.TOMLDecodeError) as exc:  # a bad config or scale: one line
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    out, store, _, _ = G.run_detect(world, args.work)
    box = capture(store, args.work / "out-again")
    import pyarrow.parquet as pq

    from distillguard.evaluation import read_labels

    labels = read_labels(world / "labels.jsonl")
    dec = pq.read_table(out / "decisions.parquet", columns=["account_id", "own_risk", "flagged"]).to_pydict()
    truth = np.array([labels[a]["campaign"] or "B:" + labels[a]["persona"] if a in labels else "B:?"
                      for a in dec["account_id"]], dtype=object)
    result = ceiling(truth, box["facets"], box["harvest"], box["extraction"], np.asarray(dec["own_risk"]),
                     np.asarray(dec["flagged"], dtype=bool))
    print(f"{args.split} world seed {args.seed}: {len(truth):,} judged accounts")
    cols = ("accounts", "flagged", "own_below_0.05", "own_0.05_0.5", "own_at_least_0.5", "dominated_0.5",
            "dominated_0.95", "harvest", "extraction")
    print(f"{'campaign':8} " + " ".join(f"{c:>16}" for c in cols))
    for name, row in result.items():
        print(f"{name:8} " + " ".join(f"{row[c]:>16}" for c in cols) + f"   {row['dominated_0.5_by']}")
    total = sum(r["accounts"] for r in result.values())
    for c in cols[1:]:
        mean = sum(r[c] * r["accounts"] for r in result.values()) / max(total, 1)
        print(f"  all campaign accounts, {c}: {mean:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"command": " ".join(sys.argv), "split": args.split, "seed": args.seed,
                                         "campaigns": result}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
