"""Lead cohorts (linking/cohorts.py) on a synthetic facets table: the stage's cost at seed scale.

    python benchmarks/cohorts.py --accounts 200000              # rate anchors on (shipped)
    python benchmarks/cohorts.py --accounts 200000 --no-rate    # the first family only

Independent customers draw every facet from a broad range (400 templates, 16 configurations, 29
clients, 27 sign-up days, 255 shifts, 8 volume buckets, their own card and a /24 of 62,500); 1% of
them are leads (own risk 0.2-0.3). One operator of 3,000 accounts shares a template, a volume bucket
and a shift, with own risk 0.15-0.45. Prints the facet rows, the cohorts found, their accounts and
the seconds `lead_cohorts` took (the table is built first, outside the timing).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow as pa


def facets(n: int, rng: np.random.Generator) -> pa.Table:
    cols = {
        "template": np.char.add("t", rng.integers(0, 400, n).astype(str)),
        "config": np.char.add(np.char.add(rng.choice(["1024", "2048", "4096", "8192"], n), "|"),
                              rng.choice(["0.0", "0.2", "0.7", "1.0"], n)),
        "client": np.char.add("sdk/", rng.integers(1, 30, n).astype(str)),
        "signup_day": np.char.add("2026-02-", np.char.zfill(rng.integers(1, 28, n).astype(str), 2)),
        "shift": np.array([format(int(x), "08b") for x in rng.integers(1, 256, n)]),
        "payment": np.char.add("pm", np.arange(n).astype(str)),
        "network": np.char.add("10.", rng.integers(0, 62_500, n).astype(str)),
        "volume": rng.integers(0, 8, n).astype(str),
        "target": rng.choice(np.array(["", "coding", "coding+tool_use", "rubric_grading"]), n, p=[0.6, 0.3, 0.05, 0.05]),
    }
    op = rng.choice(n, min(3000, n // 10), replace=False)
    cols["template"][op], cols["volume"][op], cols["shift"][op] = "op-harness", "9", "00011110"
    acc, facet, value = [], [], []
    for name, vals in cols.items():
        keep = vals != ""
        acc.append(np.flatnonzero(keep))
        facet.append(np.full(int(keep.sum()), name))
        value.append(vals[keep])
    t = pa.table({"account": pa.array(np.concatenate(acc), pa.int64()), "facet": pa.array(np.concatenate(facet)),
                  "value": pa.array(np.concatenate(value))})
    return t, op


def main() -> None:
    from distillguard.linking.cohorts import lead_cohorts
    from distillguard.linking.coordination import CoordinationParams

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--no-rate", action="store_true", help="lead_rate_anchors off")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.accounts
    table, op = facets(n, rng)
    harvest = rng.uniform(0, 0.25, n)
    risk = np.where(rng.random(n) < 0.01, rng.uniform(0.2, 0.3, n), rng.uniform(0, 0.08, n))
    risk[op], harvest[op] = rng.uniform(0.15, 0.45, len(op)), 0.7
    t0 = time.perf_counter()
    groups = lead_cohorts(table, risk, harvest, CoordinationParams(lead_rate_anchors=not args.no_rate))
    seconds = time.perf_counter() - t0
    found = set(np.concatenate([g.members for g in groups]).tolist()) if groups else set()
    print(f"accounts {n:,}  facet rows {table.num_rows:,}  rate anchors {'off' if args.no_rate else 'on'}  "
          f"cohorts {len(groups)}  accounts in them {len(found):,} (operator {len(found & set(op.tolist())):,} "
          f"of {len(op):,})  lead_cohorts {seconds:.2f} s")


if __name__ == "__main__":
    main()
