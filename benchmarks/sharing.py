"""Two providers, one operator: does provider A's bundle help provider B catch the same operator early?

    python benchmarks/sharing.py --work /tmp/share-bench                    # tiny worlds, ~5 min on 2 cores
    python benchmarks/sharing.py --work /tmp/share-bench --scale small
    python benchmarks/sharing.py --work /tmp/share-test --playbooks test --seed-a 7410 --seed-b 7411

How the two providers are built (the simulator itself has no two-provider mode yet):

1. World A (seed `--seed-a`) and world B (seed `--seed-b`, starting `--later-days` later) are
   simulated independently, in JSON Lines. Classic worlds use the `--scale` preset and its four
   fixed campaigns. With `--playbooks SPLIT` both worlds use the generalization benchmark's world
   (benchmarks/worlds/generalization.toml, `--scale small`, that split, the public corpus when
   present) and B draws its playbooks from A's seed (`[playbooks] seed`), so B's `pb00` is A's
   `pb00` operator (same axis choices, size, start offset, wrapper templates, exit countries)
   with B's own accounts, addresses, cards, clients and per-account paraphrase; B then starts
   `--later-days` (default: A's length) after A, so A has finished and exported first.
2. This script then makes one operator run both worlds' campaigns: each B campaign account's
   source addresses (with their ASN and country), user agents, TLS fingerprints and payment
   instruments are replaced by values of the same-named campaign of world A. The mapping is
   one-to-one where A's pool is large enough (`assign`: distinct B values go to distinct A
   values, addresses within their IP family), so B keeps its own rotation and sharing pattern
   and no new sharing between B's accounts is made up. Classic worlds share prompt templates
   because both draw campaign harnesses from the same corpus; playbook worlds share the drawn
   wrappers. Accounts stay per provider.
3. Provider A runs `detect` on its whole world and exports a bundle under a shared key (no raw
   values). The script checks that none of A's raw addresses, payment tokens, account ids,
   e-mail domains or prompts is in it.
   The bundle also carries A's lower-confidence tier (operator values of accounts A flagged
   outside any campaign), counted in the summary (`bundle_flagged_accounts`).
4. Provider B, for each of its campaigns, runs detection as of 24 h after that campaign's first
   exchange, once alone and once with `match` + `--partner-matches`, and reports the recall
   among that campaign's accounts active by then and the benign false-positive rate, with the
   evidence kinds that matched (members and benign accounts per kind) and A's own recall of the
   same campaign (A exports only what it detected).

Prints one JSON line per campaign and a summary (the mean over campaigns, and `pooled`: recall over
all active campaign accounts and the share of B's own misses that A's bundle recovers, which a gain in
points cannot show once B alone finds most); writes WORK/sharing-<hours>h.json.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = b"benchmark-shared-key-0123456789abcdef"
PLAYBOOK_WORLD = ROOT / "benchmarks" / "worlds" / "generalization.toml"
SPLITS = ("fit", "test", "evasive")


def _h(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _family(value: object) -> str:
    ip = value[0] if isinstance(value, (tuple, list)) else value
    return "v6" if ":" in str(ip) else "v4"


def assign(values: list, pool: list, salt: str, by_family: bool = False) -> dict:
    """A stable map of `values` (B's) onto `pool` (A's): one-to-one while the pool lasts.

    Both sides are put in a keyed pseudo-random order and paired in turn, wrapping around only
    when B has more distinct values than A. With `by_family`, IPv4 values pair with A's IPv4 ones
    and IPv6 with IPv6 (falling back to the whole pool when A has none of that family).
    """
    out: dict = {}
    if not pool:
        return out
    groups = {"": (list(values), list(pool))}
    if by_family:
        groups = {}
        for fam in ("v4", "v6"):
            mine = [v for v in values if _family(v) == fam]
            theirs = [v for v in pool if _family(v) == fam] or list(pool)
            groups[fam] = (mine, theirs)
    for mine, theirs in groups.values():
        theirs = sorted(theirs, key=lambda v: _h(f"{salt}|a|{v}"))
        for i, v in enumerate(sorted(mine, key=lambda v: _h(f"{salt}|b|{v}"))):
            out[v] = theirs[i % len(theirs)]
    return out


def _read_jsonl_gz(folder: Path) -> list[tuple[Path, list[dict]]]:
    return [(f, [json.loads(line) for line in gzip.decompress(f.read_bytes()).decode().splitlines() if line])
            for f in sorted(folder.glob("*.jsonl.gz"))]


def campaign_pools(world: Path) -> dict[str, dict[str, list]]:
    """Per campaign of `world`: its (ip, asn, country) exits, user agents, TLS fingerprints, payment tokens."""
    labels = {json.loads(x)["account_id"]: json.loads(x) for x in (world / "labels.jsonl").read_text().splitlines()}
    pools: dict[str, dict[str, set]] = {}
    for _, recs in _read_jsonl_gz(world / "exchanges"):
        for r in recs:
            camp = labels.get(r["account_id"], {}).get("campaign")
            c = r.get("client") or {}
            if camp and c.get("ip"):
                p = pools.setdefault(camp, {"exit": set(), "ua": set(), "tls": set(), "payment": set()})
                p["exit"].add((c["ip"], c.get("asn"), c.get("country")))
                if c.get("user_agent"):
                    p["ua"].add(c["user_agent"])
                if c.get("tls_fingerprint"):
                    p["tls"].add(c["tls_fingerprint"])
    for line in (world / "accounts.jsonl").read_text().splitlines():
        a = json.loads(line)
        camp = labels.get(a["account_id"], {}).get("campaign")
        if camp and a.get("payment_fingerprint") and camp in pools:
            pools[camp]["payment"].add(a["payment_fingerprint"])
    return {k: {kk: sorted(vv, key=str) for kk, vv in v.items()} for k, v in pools.items()}


def operator_maps(pools_b: dict[str, dict[str, list]], pools_a: dict[str, dict[str, list]]) -> dict[str, dict]:
    """Per B campaign with a same-named A campaign: B value -> A value, per kind (addresses keyed by ip)."""
    maps: dict[str, dict] = {}
    for camp, pb in pools_b.items():
        pa = pools_a.get(camp)
        if not pa:
            continue
        exits = assign([tuple(e) for e in pb["exit"]], [tuple(e) for e in pa["exit"]], f"{camp}|ip", by_family=True)
        maps[camp] = {"exit": {e[0]: v for e, v in exits.items()},
                      **{k: assign(pb[k], pa[k], f"{camp}|{k}") for k in ("ua", "tls", "payment")}}
    return maps


def share_operator(world_b: Path, pools_a: dict[str, dict[str, list]]) -> dict[str, int]:
    """Rewrite world B in place so its campaigns use A's infrastructure and payment (see module docstring)."""
    labels = {json.loads(x)["account_id"]: json.loads(x) for x in (world_b / "labels.jsonl").read_text().splitlines()}
    maps = operator_maps(campaign_pools(world_b), pools_a)
    changed = {"exchanges": 0, "accounts": 0, "campaigns_mapped": len(maps)}
    for f, recs in _read_jsonl_gz(world_b / "exchanges"):
        for r in recs:
            camp = labels.get(r["account_id"], {}).get("campaign")
            m = maps.get(camp or "")
            c = r.get("client")
            if not m or not c:
                continue
            if c.get("ip") in m["exit"]:
                ip, asn, country = m["exit"][c["ip"]]
                c["ip"] = ip
                if asn is not None:
                    c["asn"] = asn
                if country:
                    c["country"] = country
            if c.get("user_agent") in m["ua"]:
                c["user_agent"] = m["ua"][c["user_agent"]]
            if c.get("tls_fingerprint") in m["tls"]:
                c["tls_fingerprint"] = m["tls"][c["tls_fingerprint"]]
            changed["exchanges"] += 1
        f.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in recs), mtime=0))
    lines = []
    for line in (world_b / "accounts.jsonl").read_text().splitlines():
        a = json.loads(line)
        m = maps.get(labels.get(a["account_id"], {}).get("campaign") or "")
        if m and a.get("payment_fingerprint") in m["payment"]:
            a["payment_fingerprint"] = m["payment"][a["payment_fingerprint"]]
            changed["accounts"] += 1
        lines.append(json.dumps(a))
    (world_b / "accounts.jsonl").write_text("\n".join(lines) + "\n")
    return changed


def raw_values(world: Path) -> dict[str, set[str]]:
    raw: dict[str, set[str]] = {"ip": set(), "payment": set(), "account": set(), "email_domain": set(), "prompt": set()}
    for line in (world / "accounts.jsonl").read_text().splitlines():
        a = json.loads(line)
        raw["account"].add(a["account_id"])
        for k, f in (("payment", "payment_fingerprint"), ("email_domain", "email_domain")):
            if a.get(f):
                raw[k].add(a[f])
    for _, recs in _read_jsonl_gz(world / "exchanges"):
        for r in recs:
            if (r.get("client") or {}).get("ip"):
                raw["ip"].add(r["client"]["ip"])
            for m in r["request"].get("messages") or []:
                if isinstance(m.get("content"), str) and len(m["content"]) >= 24:
                    raw["prompt"].add(m["content"])
    return raw


def default_corpus() -> Path | None:
    """../shared/data beside the checkout (or beside its worktree folder), as the generalization benchmark."""
    return next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent)
                 if (p / "shared" / "data" / "README.md").exists()), None)


def world_configs(args: argparse.Namespace) -> tuple[dict, dict]:
    """A's and B's config tables (B's start is filled in once A is written)."""
    if not args.playbooks:
        return {}, {}
    try:
        cfg = tomllib.loads(args.config.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"error: cannot read --config {args.config}: {exc}") from None
    cfg.setdefault("playbooks", {})["split"] = args.playbooks
    b = copy.deepcopy(cfg)
    b["playbooks"]["seed"] = args.seed_a   # B faces A's operators: the same playbook draws
    return cfg, b


def build_worlds(args: argparse.Namespace, world_a: Path, world_b: Path, w: Path) -> dict[str, int]:
    """Simulate A and B (B later), then give B's campaigns A's operator (see the module docstring)."""
    from datetime import datetime, timedelta

    from distillguard.simulate import simulate_world

    cfg_a, cfg_b = world_configs(args)
    path_a = None
    if cfg_a:
        path_a = w / "a-config.json"
        path_a.write_text(json.dumps(cfg_a))
    simulate_world(world_a, scale=args.scale, seed=args.seed_a, fmt="jsonl", config=path_a, corpus=args.corpus)
    meta_a = json.loads((world_a / "world.json").read_text())["config"]["world"]
    later = args.later_days if args.later_days is not None else (float(meta_a["days"]) if args.playbooks else 3.0)
    start_b = datetime.fromisoformat(meta_a["start"].replace("Z", "+00:00")) + timedelta(days=later)
    cfg_b.setdefault("world", {})["start"] = start_b.strftime("%Y-%m-%dT%H:%M:%SZ")
    override = w / "b-config.json"
    override.write_text(json.dumps(cfg_b))
    simulate_world(world_b, scale=args.scale, seed=args.seed_b, fmt="jsonl", config=override, corpus=args.corpus)
    return {**share_operator(world_b, campaign_pools(world_a)), "later_days": later}


def bundle_contents(ind) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    """Per partner campaign in the bundle: how many values of each kind, template sketches, ASNs."""
    out = {}
    for c in ind.campaigns:
        kinds = {k: int(v.get("count", 0)) for k, v in sorted(c.keyed.items())}
        kinds.update({f"raw:{k}": len(v) for k, v in sorted(c.raw.items())})
        kinds["template_sketches"] = len(c.sketches.get("sketches") or [])
        kinds["asns"] = len(c.asns)
        kinds["behaviour_sketch"] = int(bool(c.behaviour.get("minhash_b64")))
        out[c.name if c.tier == "campaign" else f"{c.tier} tier"] = kinds
    return out


def evidence_kinds(rows: list[dict], accounts: set[str]) -> dict[str, int]:
    """Accounts of `accounts` with a sighting of each kind."""
    per: dict[str, set[str]] = {}
    for r in rows:
        if r["account_id"] in accounts:
            per.setdefault(r["kind"], set()).add(r["account_id"])
    return {k: len(v) for k, v in sorted(per.items())}


def pooled(campaigns: dict[str, dict]) -> dict[str, float | int | None]:
    """Member-weighted recall alone and with A's bundle, and the share of B's own misses the bundle recovers.

    The mean over campaigns weighs a campaign of 5 active accounts like one of 300; this counts
    accounts. `misses_recovered` is (found with - found alone) / (missed alone): a gain in
    points is bounded by what B alone already finds (B alone at 0.9 leaves at most 10 points to
    gain), this share is not. None when B alone missed no one.
    """
    members = sum(r["active_members"] for r in campaigns.values())
    alone = sum(r["found_alone"] for r in campaigns.values())
    with_ = sum(r["found_with_partner"] for r in campaigns.values())
    missed = members - alone
    return {"members": members, "found_alone": alone, "found_with_partner": with_,
            "recall_alone": round(alone / members, 4) if members else None,
            "recall_with_partner": round(with_ / members, 4) if members else None,
            "misses_recovered": round((with_ - alone) / missed, 4) if missed else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--scale", default=None, help="classic worlds: tiny (default) or small; playbooks: small")
    ap.add_argument("--playbooks", choices=SPLITS, default=None,
                    help="both worlds are the generalization benchmark's playbook worlds of this split")
    ap.add_argument("--config", type=Path, default=PLAYBOOK_WORLD,
                    help="playbooks: the base world config (default: benchmarks/worlds/generalization.toml)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="public corpus folder (playbooks default: ../shared/data when present; classic: built-in)")
    ap.add_argument("--seed-a", type=int, default=11)
    ap.add_argument("--seed-b", type=int, default=12)
    ap.add_argument("--later-days", type=float, default=None,
                    help="world B starts this many days after A (default: 3; playbooks: A's length)")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--reuse", action="store_true", help="keep the worlds, A's results and B's store already in WORK")
    args = ap.parse_args()
    if args.seed_a == args.seed_b:
        ap.error("--seed-a and --seed-b must differ (two providers, two populations)")
    args.scale = args.scale or ("small" if args.playbooks else "tiny")
    if args.playbooks and args.corpus is None:
        args.corpus = default_corpus()

    from distillguard.errors import DistillguardError

    try:
        return run(args)
    except DistillguardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    import duckdb

    from distillguard.evaluation import campaign_starts, early_until, read_accounts_csv, read_labels, score_outputs
    from distillguard.ingest import ingest_paths
    from distillguard.linking.partner import PartnerIndicator
    from distillguard.pipeline import analyse_store, detect, parse_until
    from distillguard.sharing.export import export_stix
    from distillguard.sharing.importing import load_indicators
    from distillguard.sharing.match import match_store, write_sightings
    from distillguard.simulate.playbooks import AXES

    t0 = time.perf_counter()
    w = args.work
    w.mkdir(parents=True, exist_ok=True)
    world_a, world_b = w / "world-a", w / "world-b"
    reuse = args.reuse and (w / "a-results" / "campaigns.json").exists() and (w / "b-store").exists()
    changed: dict[str, int] = {}
    if not reuse:
        changed = build_worlds(args, world_a, world_b, w)
        detect([world_a / "exchanges"], w / "a-results", accounts=[world_a / "accounts.jsonl"],
               events=[world_a / "events.jsonl"], store=w / "a-store")
        ingest_paths([world_b / "exchanges"], w / "b-store", accounts=[world_b / "accounts.jsonl"],
                     events=[world_b / "events.jsonl"])

    # Provider A exports; provider B, per campaign, detects 24 h in, alone and with A's indicators.
    bundle = w / "a-bundle.json"
    rep = export_stix(w / "a-results", w / "a-store", bundle, key=KEY, producer="provider A")
    text = bundle.read_text()
    leaked = {k: sum(1 for v in vs if f'"{v}"' in text or f"'{v}'" in text) for k, vs in raw_values(world_a).items()}
    store_b = w / "b-store"
    ind = load_indicators(bundle)

    labels = read_labels(world_b / "labels.jsonl")
    score_a = score_outputs(w / "a-results", read_labels(world_a / "labels.jsonl"))
    playbooks = {pb["name"]: pb for pb in json.loads((world_b / "world.json").read_text()).get("playbooks") or []}
    partner = PartnerIndicator()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    exchanges = str(store_b / "exchanges" / "**" / "*.parquet")
    res = {}
    for name, start in sorted(campaign_starts(world_b, labels).items()):
        until = early_until(start, args.hours)
        active = {a for (a,) in con.sql(f"SELECT DISTINCT account_id FROM read_parquet('{exchanges}', "
                                        f"hive_partitioning=false) WHERE ts < CAST('{until}' AS TIMESTAMPTZ)").fetchall()}
        members = [a for a in active if labels.get(a, {}).get("campaign") == name]
        benign = [a for a in active if not labels.get(a, {}).get("campaign")]
        rows = match_store(store_b, ind, KEY, until_us=parse_until(until))
        sightings = write_sightings(rows, w / "b-match" / f"{args.hours:g}h" / name)
        strong = {a for (a, _), (score, _) in partner.scores(rows).items()
                  if score >= partner.settings.token_min_score}
        a_camp = score_a["recall_per_campaign"].get(name, {})
        row = {"until": until, "active_members": len(members), "active_benign": len(benign),
               "members_with_sightings": len({r["account_id"] for r in rows} & set(members)),
               "benign_with_sightings": len({r["account_id"] for r in rows} & set(benign)),
               "members_by_kind": evidence_kinds(rows, set(members)),
               "benign_by_kind": evidence_kinds(rows, set(benign)),
               "members_strong": len(strong & set(members)), "benign_strong": len(strong & set(benign)),
               "members_flagged_tier": len({r["account_id"] for r in rows if r.get("tier") == "flagged"} & set(members)),
               "benign_flagged_tier": len({r["account_id"] for r in rows if r.get("tier") == "flagged"} & set(benign)),
               "a_recall": a_camp.get("recall"), "a_coverage": score_a["completeness_per_campaign"].get(name)}
        if name in playbooks:
            ch = playbooks[name]["choices"]
            row["playbook"] = "/".join(ch[k] for k in AXES)
        for label, pm in (("alone", None), ("with_partner", sightings)):
            out = w / "b-runs" / f"{args.hours:g}h" / name / label
            analyse_store(store_b, out, until=until, partner_matches=pm)
            flagged = read_accounts_csv(out / "accounts.csv")
            row[f"found_{label}"] = sum(flagged[a]["flagged"] for a in members)
            row[f"recall_{label}"] = round(row[f"found_{label}"] / max(len(members), 1), 4)
            row[f"fpr_{label}"] = round(sum(flagged[a]["flagged"] for a in benign) / max(len(benign), 1), 4)
        res[name] = row
        print(json.dumps({name: row}), flush=True)
    mean = {k: round(sum(r[k] for r in res.values()) / max(len(res), 1), 4)
            for k in ("recall_alone", "recall_with_partner", "fpr_alone", "fpr_with_partner")}
    summary = {"scale": args.scale, "playbooks": args.playbooks, "corpus": str(args.corpus or "builtin"),
               "seeds": [args.seed_a, args.seed_b], "hours": args.hours,
               "rewritten": changed, "bundle_bytes": rep.bytes, "bundle_objects": rep.objects,
               "bundle_flagged_accounts": rep.flagged_accounts,
               "bundle_campaigns": len(ind.campaigns), "bundle_contents": bundle_contents(ind),
               "a_recall": score_a["recall"], "a_fpr": score_a["fpr"],
               "raw_values_in_bundle": leaked, "campaigns": res, "mean": mean, "pooled": pooled(res),
               "seconds": round(time.perf_counter() - t0, 1)}
    (w / f"sharing-{args.hours:g}h.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({"mean": mean, "pooled": summary["pooled"], "bundle_bytes": rep.bytes, "bundle_campaigns": len(ind.campaigns),
                      "raw_values_in_bundle": leaked, "seconds": summary["seconds"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
