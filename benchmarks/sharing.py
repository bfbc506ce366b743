"""Two providers, one operator: does provider A's bundle help provider B catch the same operator early?

    python benchmarks/sharing.py --work /tmp/share-bench                    # tiny worlds, ~5 min on 2 cores
    python benchmarks/sharing.py --work /tmp/share-bench --scale small

How the two providers are built (a first version; the simulator itself has no two-provider mode yet):

1. World A (seed `--seed-a`) and world B (seed `--seed-b`, starting `--later-days` later) are
   simulated independently, in JSON Lines.
2. This script then makes one operator run both worlds' campaigns: each B campaign account's
   source addresses (with their ASN and country), user agents, TLS fingerprints and payment
   instruments are replaced by values drawn from the same-named campaign of world A (a
   stable mapping, so B keeps its own rotation and sharing pattern). Prompt templates are shared
   because both worlds draw campaign harnesses from the same built-in corpus; B's own
   paraphrase settings apply. Accounts stay per provider.
3. Provider A runs `detect` on its whole world and exports a bundle under a shared key (no raw
   values). The script checks that none of A's raw addresses, payment tokens, account ids,
   e-mail domains or prompts is in it.
4. Provider B, for each of its campaigns, runs detection as of 24 h after that campaign's first
   exchange, once alone and once with `match` + `--partner-matches`, and reports the recall
   among that campaign's accounts active by then and the benign false-positive rate.

Prints one JSON line per campaign and a summary; writes WORK/sharing-<hours>h.json.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from pathlib import Path

KEY = b"benchmark-shared-key-0123456789abcdef"


def _pick(pool: list, token: str) -> object:
    h = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
    return pool[h % len(pool)]


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


def share_operator(world_b: Path, pools_a: dict[str, dict[str, list]]) -> dict[str, int]:
    """Rewrite world B in place so its campaigns use A's infrastructure and payment (see module docstring)."""
    labels = {json.loads(x)["account_id"]: json.loads(x) for x in (world_b / "labels.jsonl").read_text().splitlines()}
    changed = {"exchanges": 0, "accounts": 0}
    for f, recs in _read_jsonl_gz(world_b / "exchanges"):
        for r in recs:
            camp = labels.get(r["account_id"], {}).get("campaign")
            pool = pools_a.get(camp or "")
            c = r.get("client")
            if not pool or not c:
                continue
            if c.get("ip") and pool["exit"]:
                ip, asn, country = _pick(pool["exit"], "ip|" + c["ip"])
                c["ip"] = ip
                if asn is not None:
                    c["asn"] = asn
                if country:
                    c["country"] = country
            if c.get("user_agent") and pool["ua"]:
                c["user_agent"] = _pick(pool["ua"], "ua|" + c["user_agent"])
            if c.get("tls_fingerprint") and pool["tls"]:
                c["tls_fingerprint"] = _pick(pool["tls"], "tls|" + c["tls_fingerprint"])
            changed["exchanges"] += 1
        f.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in recs), mtime=0))
    lines = []
    for line in (world_b / "accounts.jsonl").read_text().splitlines():
        a = json.loads(line)
        pool = pools_a.get(labels.get(a["account_id"], {}).get("campaign") or "")
        if pool and pool["payment"] and a.get("payment_fingerprint"):
            a["payment_fingerprint"] = _pick(pool["payment"], "pay|" + a["payment_fingerprint"])
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


def build_worlds(args: argparse.Namespace, world_a: Path, world_b: Path, w: Path) -> dict[str, int]:
    """Simulate A and B (B later), then give B's campaigns A's operator (see the module docstring)."""
    from datetime import datetime, timedelta

    from distillguard.simulate import simulate_world

    simulate_world(world_a, scale=args.scale, seed=args.seed_a, fmt="jsonl")
    start_a = json.loads((world_a / "world.json").read_text())["config"]["world"]["start"]
    start_b = datetime.fromisoformat(start_a.replace("Z", "+00:00")) + timedelta(days=args.later_days)
    override = w / "b-config.json"
    override.write_text(json.dumps({"world": {"start": start_b.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
    simulate_world(world_b, scale=args.scale, seed=args.seed_b, fmt="jsonl", config=override)
    return share_operator(world_b, campaign_pools(world_a))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--seed-a", type=int, default=11)
    ap.add_argument("--seed-b", type=int, default=12)
    ap.add_argument("--later-days", type=float, default=3.0, help="world B starts this many days after A")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--reuse", action="store_true", help="keep the worlds, A's results and B's store already in WORK")
    args = ap.parse_args()

    import duckdb

    from distillguard.evaluation import campaign_starts, early_until, read_accounts_csv, read_labels
    from distillguard.ingest import ingest_paths
    from distillguard.pipeline import analyse_store, detect, parse_until
    from distillguard.sharing.export import export_stix
    from distillguard.sharing.importing import load_indicators
    from distillguard.sharing.match import match_store, write_sightings

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
        row = {"until": until, "active_members": len(members), "active_benign": len(benign),
               "members_with_sightings": len({r["account_id"] for r in rows} & set(members)),
               "benign_with_sightings": len({r["account_id"] for r in rows} & set(benign))}
        for label, pm in (("alone", None), ("with_partner", sightings)):
            out = w / "b-runs" / f"{args.hours:g}h" / name / label
            analyse_store(store_b, out, until=until, partner_matches=pm)
            flagged = read_accounts_csv(out / "accounts.csv")
            row[f"recall_{label}"] = round(sum(flagged[a]["flagged"] for a in members) / max(len(members), 1), 4)
            row[f"fpr_{label}"] = round(sum(flagged[a]["flagged"] for a in benign) / max(len(benign), 1), 4)
        res[name] = row
        print(json.dumps({name: row}), flush=True)
    mean = {k: round(sum(r[k] for r in res.values()) / max(len(res), 1), 4)
            for k in ("recall_alone", "recall_with_partner", "fpr_alone", "fpr_with_partner")}
    summary = {"scale": args.scale, "seeds": [args.seed_a, args.seed_b], "hours": args.hours,
               "rewritten": changed, "bundle_bytes": rep.bytes, "bundle_objects": rep.objects,
               "raw_values_in_bundle": leaked, "campaigns": res, "mean": mean,
               "seconds": round(time.perf_counter() - t0, 1)}
    (w / f"sharing-{args.hours:g}h.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({"mean": mean, "bundle_bytes": rep.bytes, "raw_values_in_bundle": leaked,
                      "seconds": summary["seconds"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
