"""How far each lead cohort's second tie stands beyond chance (linking/cohorts.py, DG-LNK-0002).

A lead cohort's members must share, besides the anchor, uncommon values worth `min_tie_weight`
with another member (a value held by at most `max_common` of all accounts). In a cohort of C
members, a value held by h of n accounts is shared with some other member by chance with
probability about 1 - (1 - h/n)^(C-1): near 1 for C = 50 and h/n = 5%. This script runs detect's
stages on a detect store up to `operators` (what `distillguard detect` runs, not a copy), records
every cohort `lead_cohorts` forms and, for each, how many of its members would still be tied if only
values rare enough that a chance share is unlikely counted (h <= CHANCE * n / (C - 1), CHANCE 0.05
unless `--chance` says otherwise), the anchor's holders not yet grouped and the leads among them (the
cohort test's k and c), and prints the values its members share most.

    python benchmarks/cohort_ties.py W-detect/store --labels W/labels.jsonl [--chance 0.05] [--values 12]

Seconds on a small world; at seed scale the stages before coordination take ~15 minutes. Labels are
read only to print what each cohort holds, as everywhere in benchmarks/.
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
from pathlib import Path

import pyarrow as pa


def tie_report(store: Path, chance: float = 0.05, values: int = 12) -> tuple[list[dict], list[str]]:
    """Every tie test `lead_cohorts` runs on `store` (detect's stages up to `operators`), and the run's
    account ids. Each entry: the anchor, its leads, the members the shipped tie keeps (`tied`), those a tie
    on values held by at most `cap` accounts keeps (`rare`), `n` accounts, the members' most shared values
    as (facet, value, members holding it, holders in all), and the anchor's `holders` among the accounts not
    yet grouped with `holder_leads` of them leads (the cohort test's k and c)."""
    from distillguard import pipeline as P
    from distillguard.decisions import Policy
    from distillguard.linking import cohorts as K

    run = P.Run(Policy(), lambda s: None, P.StageTimes())
    P.open_run(store, run)
    seen: list[dict] = []
    tied_as_shipped = K._tied

    def recording_tied(con, members, anchor, min_weight):
        """The shipped tie (the stage's result), and the same tie over values rare enough for the cohort's size."""
        out = tied_as_shipped(con, members, anchor, min_weight)
        n = len(run.active)
        cap = max(2, int(chance * n / max(len(members) - 1, 1)))
        # the shipped tie again, over a view of `uncommon` that keeps the rare values (no copy of the table)
        con.sql("ALTER TABLE uncommon RENAME TO _all_uncommon")
        con.sql(f"CREATE TEMP VIEW uncommon AS SELECT u.* FROM _all_uncommon u "
                f"JOIN value_holders USING (facet, value) WHERE holders <= {cap}")
        try:
            rare = tied_as_shipped(con, members, anchor, min_weight)
        finally:
            con.sql("DROP VIEW uncommon")
            con.sql("ALTER TABLE _all_uncommon RENAME TO uncommon")
        con.register("_m", pa.table({"account": pa.array(out, pa.int64())}))
        shared = con.sql("SELECT facet, value, count(*) AS m, any_value(holders) AS h FROM uncommon "
                         "JOIN _m USING (account) JOIN value_holders USING (facet, value) GROUP BY 1, 2 "
                         f"HAVING count(*) >= 2 ORDER BY m DESC, facet, value LIMIT {values}").fetchall()
        con.unregister("_m")
        # the anchor's holders among the accounts not yet grouped, and how many of them are leads (its lead share)
        (facet, value), rate = anchor[0], (anchor[1][1] if len(anchor) > 1 else None)
        k, c = con.sql("SELECT count(*), count(*) FILTER (WHERE lead) FROM anchor_values JOIN leads USING (account) "
                       "WHERE facet = ? AND value = ? AND rate IS NOT DISTINCT FROM ?",
                       params=[facet, value, rate]).fetchall()[0]
        seen.append({"anchor": anchor, "leads": len(members), "tied": out, "rare": rare, "cap": cap, "n": n,
                     "values": shared, "holders": int(k), "holder_leads": int(c)})
        return out

    stages = P.FEATURES + P.VERDICTS
    before_operators = stages[:[s.name for s in stages].index("operators")]
    K._tied = recording_tied   # instrumentation only: the stage's result is the shipped tie's
    try:
        with tempfile.TemporaryDirectory(prefix="dg-ties-") as tmp:
            run.spill_dir = Path(tmp)
            P.run_stages(before_operators, run)
    finally:
        K._tied = tied_as_shipped
    ids = run.active.tolist()
    return seen, ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="a detect run's store (detect --work W leaves W/store)")
    ap.add_argument("--labels", type=Path, help="the world's labels.jsonl (to print each cohort's make-up)")
    ap.add_argument("--chance", type=float, default=0.05, help="the chance a tie value may have of being shared")
    ap.add_argument("--values", type=int, default=12, help="shared values printed per cohort")
    args = ap.parse_args()
    if not (args.store / "exchanges").is_dir():
        ap.error(f"{args.store} is not a detect store (run detect with --work first)")
    labels = {}
    if args.labels:
        labels = {r["account_id"]: (r["campaign"] or "-" + r["persona"]) for r in map(json.loads, open(args.labels))}
    seen, ids = tie_report(args.store, args.chance, args.values)
    kept = [s for s in seen if len(s["tied"]) >= 2]
    total_tied = total_rare = 0
    for s in kept:
        make = collections.Counter(labels.get(ids[m], "?") for m in s["tied"]) if labels else {}
        total_tied += len(s["tied"])
        total_rare += len(s["rare"])
        print(f"anchor {s['anchor']}: held by {s['holders']} accounts not yet grouped, {s['holder_leads']} of them leads "
              f"(share {s['holder_leads'] / max(s['holders'], 1):.2f}); {s['leads']} leads tested, "
              f"{len(s['tied'])} tied as shipped, {len(s['rare'])} "
              f"tied on values held by <= {s['cap']} of {s['n']} accounts" + (f"; {dict(make.most_common(4))}" if make else ""))
        c = len(s["tied"])
        for facet, value, m, h in s["values"]:
            chance = 1 - (1 - h / s["n"]) ** max(c - 1, 1)
            print(f"    {facet:<12} {str(value)[:32]:<32} {m:>4} of {c} members; held by {h:>6} "
                  f"(a member shares it by chance: {chance:.2f})")
    print(f"{len(kept)} tie tests of 2 or more leads; {total_tied} leads tied as shipped, {total_rare} on rare values "
          f"(chance {args.chance:g})")


if __name__ == "__main__":
    main()
