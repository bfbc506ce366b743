"""Check one's own store against a partner's indicators: which accounts carry them, in how many exchanges.

Every distinct observed value is keyed once under the shared key and looked up in each partner
campaign's keyed sets (lists or Bloom filters); values the partner shared raw are compared in
canonical form; templates mined from the store are sketched with the same keyed MinHash and
compared with the partner's sketches. A partner template that matches a large share of local
accounts is dropped as generic (the local population is the null model).

Output (`SIGHTINGS_COLUMNS`, one row per account, partner campaign and kind) is what
`detect --partner-matches FILE` reads.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import ConfigError, InputError
from distillguard.sharing.importing import PartnerIndicators
from distillguard.sharing.keyed import (
    KeyedSet,
    canonical,
    hmac_value,
    jaccard,
    key_id,
    keyed_minhash,
    sketch_from_b64,
    template_sketch,
)
from distillguard.sharing.observe import behaviour_tokens, observed_tokens
from distillguard.sharing.settings import SharingSettings

# `tier` (added with the partner's lower-confidence set): "campaign", or "flagged" for values of
# accounts the partner flagged outside any campaign; a file without the column is all "campaign".
SIGHTINGS_COLUMNS = ["account_id", "partner_campaign", "partner_operator", "kind", "values_matched", "exchanges",
                     "first_seen", "last_seen", "tier"]


@dataclass
class MatchReport:
    out: str
    partner_campaigns: int
    accounts: int
    rows: int
    by_kind: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _check_key(ind: PartnerIndicators, key: bytes) -> None:
    mine = key_id(key)
    theirs = {c.key_id for c in ind.campaigns if c.key_id}
    if theirs and mine not in theirs:
        raise ConfigError(f"the indicators were keyed with key id {sorted(theirs)[0]}, this key is {mine}",
                          hint="use the key file shared with this partner (--share-key)")


def match_store(store: Path, ind: PartnerIndicators, key: bytes, settings: SharingSettings | None = None,
                until_us: int | None = None) -> list[dict]:
    """Sighting rows (dicts with `SIGHTINGS_COLUMNS`) of the partner's indicators in `store`."""
    settings = settings or SharingSettings()
    _check_key(ind, key)
    if not (store / "exchanges").exists():
        raise InputError(f"{store} holds no exchanges table", hint="pass a store written by `distillguard ingest` "
                         "or `distillguard detect --store`", path=str(store))
    tokens = observed_tokens(store, until_us)
    sets = [(c, {kind: KeyedSet(doc) for kind, doc in c.keyed.items()},
             {kind: {canonical(kind, v) for v in vals} for kind, vals in c.raw.items()},
             {str(a) for a in c.asns}) for c in ind.campaigns]
    # Each distinct (kind, value) is keyed and looked up once; the hits join back to the accounts in SQL.
    distinct = tokens.group_by(["kind", "value"]).aggregate([]).to_pydict()
    found: dict[str, list[str]] = {"kind": [], "value": [], "partner_campaign": []}
    for kind, value in zip(distinct["kind"], distinct["value"], strict=True):
        digest = None
        for c, keyed, raw, asns in sets:
            hit = False
            if kind in keyed:
                digest = digest or hmac_value(key, kind, value)
                hit = digest in keyed[kind]
            if not hit and kind in raw:
                hit = canonical(kind, value) in raw[kind]
            if not hit and kind == "asn":
                hit = value in asns
            if hit:
                found["kind"].append(kind)
                found["value"].append(value)
                found["partner_campaign"].append(c.stix_id)
    hits: dict[tuple[str, str, str], list] = {}
    if found["kind"]:
        con = duckdb.connect()
        con.register("tokens", tokens)
        con.register("found", pa.table(found, schema=pa.schema([(k, pa.string()) for k in found])))
        for acct, cid, kind, values, n, first, last in con.execute(
                "SELECT t.account_id, f.partner_campaign, t.kind, count(*), sum(t.exchanges), min(t.first_ts), "
                "max(t.last_ts) FROM tokens t JOIN found f ON f.kind = t.kind AND f.value = t.value "
                "GROUP BY 1, 2, 3").fetchall():
            hits[(acct, cid, kind)] = [int(values), int(n), first, last]
        con.close()
    _match_templates(store, ind, key, settings, hits, until_us)
    acct_rows = tokens.filter(pc.equal(tokens["kind"], "account")).to_pydict()
    per_account = {a: (n, f, la) for a, n, f, la in zip(acct_rows["account_id"], acct_rows["exchanges"],
                                                         acct_rows["first_ts"], acct_rows["last_ts"], strict=True)}
    _match_behaviour(store, ind, key, settings, hits, until_us, per_account)
    operator = {c.stix_id: c.operator or "" for c in ind.campaigns}
    tier = {c.stix_id: c.tier for c in ind.campaigns}
    rows = []
    for (acct, cid, kind), (values, n, first, last) in sorted(hits.items()):
        rows.append({"account_id": acct, "partner_campaign": cid, "partner_operator": operator.get(cid, ""),
                     "kind": kind, "values_matched": values, "exchanges": n,
                     "first_seen": first.isoformat() if first else "", "last_seen": last.isoformat() if last else "",
                     "tier": tier.get(cid, "campaign")})
    return rows


def _add(hits: dict, k: tuple, n: int, first, last) -> None:  # type: ignore[no-untyped-def]
    cur = hits.get(k)
    if cur is None:
        hits[k] = [1, int(n), first, last]
    else:
        cur[0] += 1
        cur[1] += int(n)
        cur[2] = min(cur[2], first) if first and cur[2] else cur[2] or first
        cur[3] = max(cur[3], last) if last and cur[3] else cur[3] or last


def _match_templates(store: Path, ind: PartnerIndicators, key: bytes, settings: SharingSettings,
                     hits: dict, until_us: int | None) -> None:
    partner = [(c.stix_id, sketch_from_b64(s["minhash_b64"]), float(c.sketches.get("match_jaccard",
                                                                                 settings.template_match_jaccard)))
               for c in ind.campaigns for s in (c.sketches.get("sketches") or [])]
    if not partner:
        return
    from distillguard.engine import open_engine
    from distillguard.templates import mine_templates

    engine = open_engine(store)
    try:
        if until_us is not None:
            engine.restrict_until(until_us)
        ex_tpl, templates = mine_templates(engine)
        engine.register("exchange_templates", ex_tpl)
        per = engine.sql("SELECT t.template_id, t.account_id, count(*) AS n, min(e.ts) AS first_ts, "
                         "max(e.ts) AS last_ts FROM exchange_templates t JOIN exchanges e "
                         "ON e.exchange_id = t.exchange_id GROUP BY 1, 2").to_pylist()
        n_accounts = engine.sql("SELECT count(DISTINCT account_id) AS n FROM exchanges")["n"][0].as_py() or 1
    finally:
        engine.close()
    matched: dict[str, set[str]] = defaultdict(set)  # local template -> partner campaigns
    for tid, skel, kind in zip(templates["template_id"].to_pylist(), templates["skeleton"].to_pylist(),
                               templates["kind"].to_pylist(), strict=True):
        if kind == "free_form":
            continue
        sig = template_sketch(key, skel or "", settings.minhash_perm, settings.shingle_sizes)
        if sig is None:
            continue
        for cid, psig, thr in partner:
            if len(psig) == len(sig) and jaccard(sig, psig) >= thr:
                matched[tid].add(cid)
    users: dict[str, list[dict]] = defaultdict(list)
    for r in per:
        if r["template_id"] in matched:
            users[r["template_id"]].append(r)
    for tid, rows in users.items():
        if len(rows) > max(2, settings.template_generic_share * n_accounts):
            continue  # generic wrapper: half the customers of one SDK would "match"
        for r in rows:
            for cid in matched[tid]:
                _add(hits, (r["account_id"], cid, "template"), r["n"], r["first_ts"], r["last_ts"])


def _match_behaviour(store: Path, ind: PartnerIndicators, key: bytes, settings: SharingSettings,
                     hits: dict, until_us: int | None, per_account: dict[str, tuple]) -> None:
    """Accounts whose own behaviour sketch is close to a partner campaign's (weak evidence: SDK defaults)."""
    partner = [(c.stix_id, sketch_from_b64(c.behaviour["minhash_b64"]),
                float(c.behaviour.get("match_jaccard", settings.behaviour_match_jaccard)))
               for c in ind.campaigns if c.behaviour.get("minhash_b64")]
    if not partner:
        return
    features = behaviour_tokens(store, until_us)
    matched: dict[str, list[str]] = defaultdict(list)  # partner campaign -> local accounts
    for acct, feats in sorted(features.items()):
        sig = keyed_minhash(key, feats, settings.minhash_perm, b"beh")
        if sig is None:
            continue
        for cid, psig, thr in partner:
            if len(psig) == len(sig) and jaccard(sig, psig) >= thr:
                matched[cid].append(acct)
    for cid, accts in matched.items():
        if len(accts) > max(2, settings.template_generic_share * len(features)):
            continue  # the behaviour of a common SDK: it says nothing about any one account
        for a in accts:
            _add(hits, (a, cid, "behaviour"), *per_account.get(a, (0, None, None)))


def write_sightings(rows: list[dict], out_dir: Path) -> Path:
    """Write `partner_sightings.csv` into `out_dir` (atomic rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "partner_sightings.csv"
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, SIGHTINGS_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return path


def summarise(rows: list[dict], ind: PartnerIndicators, out: Path) -> MatchReport:
    by_kind: dict[str, int] = defaultdict(int)
    for r in rows:
        by_kind[r["kind"]] += 1
    return MatchReport(str(out), len(ind.campaigns), len({r["account_id"] for r in rows}), len(rows),
                       dict(sorted(by_kind.items())))


__all__ = ["SIGHTINGS_COLUMNS", "MatchReport", "match_store", "summarise", "write_sightings"]
