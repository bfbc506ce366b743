"""Gather, per detected campaign, what could be shared: values concentrated in it, templates, counts.

Reads what `distillguard detect` wrote (`campaigns.json`, `campaign_templates.parquet`,
`accounts.csv`, `decisions.parquet`) and the store it kept. `gather_flagged` collects the lower-confidence
tier: operator values of accounts detect judged on their own traffic outside every campaign. Nothing here is keyed or
filtered for privacy yet: `stix.py` decides what leaves and in which form.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import InputError
from distillguard.sharing.observe import behaviour_tokens, observed_tokens
from distillguard.sharing.settings import SharingSettings


@dataclass
class Value:
    value: str
    exchanges: int
    accounts: int  # campaign members using it
    first_ts: datetime
    last_ts: datetime


@dataclass
class CampaignMaterial:
    campaign_id: str
    accounts: list[str]
    exchanges: int
    first_seen: datetime
    last_seen: datetime
    risk: float
    categories: dict[str, float]
    anchor: str  # the member seen first: a stable handle while membership grows
    values: dict[str, list[Value]] = field(default_factory=dict)
    templates: list[dict] = field(default_factory=list)  # skeleton, exchanges, accounts
    behaviour: set[str] = field(default_factory=set)  # features most members show
    asn_span: int = 0  # distinct ASNs of all its traffic (before the purity filter)
    # campaigns detect split from this one: the same addresses, other pipelines (campaigns.json)
    shares_network_with: set[str] = field(default_factory=set)


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def read_campaigns(results: Path) -> list[dict]:
    path = results / "campaigns.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} not found", hint="--results must be a folder written by `distillguard detect`",
                         path=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}", path=str(path)) from exc
    if not isinstance(doc, list):
        raise InputError(f"{path} is not a JSON list of campaigns", path=str(path))
    return doc


CONCENTRATED_SQL = """
WITH users AS (SELECT kind, value, count(DISTINCT account_id) AS n_all FROM tokens GROUP BY kind, value)
SELECT m.campaign_id, t.kind, t.value, sum(t.exchanges) AS exchanges, count(DISTINCT t.account_id) AS accounts,
       min(t.first_ts) AS first_ts, max(t.last_ts) AS last_ts, any_value(u.n_all) AS n_all
FROM tokens t JOIN members m ON m.account_id = t.account_id
JOIN users u ON u.kind = t.kind AND u.value = t.value
GROUP BY m.campaign_id, t.kind, t.value
HAVING count(DISTINCT t.account_id) >= $purity * any_value(u.n_all)
   AND (t.kind <> 'configuration' OR count(DISTINCT t.account_id) >= 2)
ORDER BY m.campaign_id, t.kind, exchanges DESC, t.value
"""


def store_tokens(store: Path) -> pa.Table:
    """`observed_tokens` of a store detect kept (one clear error when it is not one)."""
    if not (store / "exchanges").exists():
        raise InputError(f"{store} holds no exchanges table",
                         hint="pass the --store folder that `distillguard detect --store` wrote", path=str(store))
    return observed_tokens(store)


def gather(results: Path, store: Path, settings: SharingSettings,
           tokens: pa.Table | None = None) -> list[CampaignMaterial]:
    """One `CampaignMaterial` per campaign in `results/campaigns.json`, from the store in `store`.

    `tokens`: `store_tokens(store)` when the caller already has it (export reads it once)."""
    tokens = store_tokens(store) if tokens is None else tokens
    campaigns = read_campaigns(results)
    members = {"campaign_id": [], "account_id": []}
    for c in campaigns:
        for a in c.get("accounts", []):
            members["campaign_id"].append(c["campaign_id"])
            members["account_id"].append(a)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("tokens", tokens)
    con.register("members", pa.table(members, schema=pa.schema([("campaign_id", pa.string()),
                                                                 ("account_id", pa.string())])))
    rows = con.execute(CONCENTRATED_SQL, {"purity": settings.min_purity}).fetchall()
    values: dict[str, dict[str, list[Value]]] = {}
    for cid, kind, value, ex, acc, first, last, _ in rows:
        per = values.setdefault(cid, {}).setdefault(kind, [])
        if len(per) < settings.max_values_per_kind:
            per.append(Value(value, int(ex), int(acc), first, last))
    span = dict(con.execute("SELECT m.campaign_id, count(DISTINCT t.value) FROM tokens t JOIN members m "
                            "ON m.account_id = t.account_id WHERE t.kind = 'asn' GROUP BY 1").fetchall())
    templates = _templates(results, settings)
    features = behaviour_tokens(store)
    out = []
    for c in campaigns:
        cid = c["campaign_id"]
        firsts = sorted((v.first_ts, v.value) for v in values.get(cid, {}).get("account", []))
        out.append(CampaignMaterial(
            campaign_id=cid, accounts=sorted(c.get("accounts", [])), exchanges=int(c.get("exchanges", 0)),
            first_seen=parse_ts(c["first_seen"]), last_seen=parse_ts(c["last_seen"]), risk=float(c.get("risk", 0)),
            categories=dict(c.get("categories", {})), anchor=firsts[0][1] if firsts else cid,
            values=values.get(cid, {}), templates=templates.get(cid, []),
            behaviour=_shared_features(c.get("accounts", []), features, settings.behaviour_member_share),
            asn_span=int(span.get(cid, 0)), shares_network_with=set(c.get("shares_network_with") or ())))
    return out


def _shared_features(accounts: list[str], features: dict[str, set[str]], share: float) -> set[str]:
    """Behaviour features at least `share` of `accounts` show."""
    counts: dict[str, int] = {}
    for a in accounts:
        for f in features.get(a, ()):
            counts[f] = counts.get(f, 0) + 1
    return {f for f, n in counts.items() if n >= share * max(len(accounts), 1)}


def _templates(results: Path, settings: SharingSettings) -> dict[str, list[dict]]:
    """Campaign templates worth sketching: a real wrapper (enough fixed words) that two members send."""
    from distillguard.sharing.keyed import _SLOT, template_words

    path = results / "campaign_templates.parquet"
    if not path.exists():
        return {}
    out: dict[str, list[dict]] = {}
    for r in pq.read_table(path).to_pylist():
        skeleton = r.get("skeleton") or ""
        # A wrapper around variable content, sent by two members: a resent everyday prompt
        # (no slot) is what benign users send too.
        if skeleton.startswith("{free-form") or (r.get("accounts") or 0) < 2 or not _SLOT.search(skeleton):
            continue
        if len(template_words(skeleton)) < settings.min_template_words:
            continue
        per = out.setdefault(r["campaign_id"], [])
        if len(per) < settings.max_templates:
            per.append({"skeleton": skeleton, "exchanges": int(r["exchanges"]), "accounts": int(r["accounts"])})
    return out


FLAGGED_SQL = """
WITH users AS (SELECT kind, value, count(DISTINCT account_id) AS n_all FROM tokens GROUP BY kind, value),
fl AS (SELECT t.kind, t.value, count(DISTINCT t.account_id) AS n_flagged FROM tokens t
       JOIN flagged f ON f.account_id = t.account_id GROUP BY t.kind, t.value)
SELECT t.kind, t.value, sum(t.exchanges) AS exchanges, count(DISTINCT t.account_id) AS accounts,
       min(t.first_ts) AS first_ts, max(t.last_ts) AS last_ts
FROM tokens t JOIN lone l ON l.account_id = t.account_id
JOIN users u ON u.kind = t.kind AND u.value = t.value
JOIN fl ON fl.kind = t.kind AND fl.value = t.value
WHERE list_contains($kinds, t.kind)
GROUP BY t.kind, t.value
HAVING any_value(fl.n_flagged) >= $purity * any_value(u.n_all)
ORDER BY t.kind, exchanges DESC, t.value
"""


def read_flagged(results: Path) -> dict[str, float]:
    """Flagged accounts in `results/accounts.csv` -> their risk ({} when the file is absent)."""
    path = results / "accounts.csv"
    if not path.exists():
        return {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return {r["account_id"]: float(r["risk"]) for r in rows if r.get("flagged") == "true"}
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}", hint="--results must be a folder written by "
                         "`distillguard detect`", path=str(path)) from exc


def read_alone(results: Path) -> dict[str, float]:
    """Accounts `results/decisions.parquet` marks `acts_alone` (own risk at the flag, held just below it
    because no campaign holds them) -> their own risk ({} when the file or the column is absent)."""
    path = results / "decisions.parquet"
    if not path.exists():
        return {}
    try:
        if "acts_alone" not in pq.read_schema(path).names:
            return {}
        rows = pq.read_table(path, columns=["account_id", "own_risk", "acts_alone"]).to_pylist()
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"cannot read {path}: {exc}", hint="--results must be a folder written by "
                         "`distillguard detect`", path=str(path)) from exc
    return {r["account_id"]: float(r["own_risk"]) for r in rows if r["acts_alone"]}


def gather_flagged(results: Path, store: Path, settings: SharingSettings,
                   tokens: pa.Table | None = None) -> CampaignMaterial | None:
    """The lower-confidence tier: operator values of accounts judged on their own outside every campaign.

    Some accounts' own traffic reaches the flag while no campaign ties them to others: detect holds
    them just below it as leads (`acts_alone`), or flags them with `[policy] flag_lone`. Nothing says
    who runs them, so they travel as one separate set, never as a campaign or an operator. A value is kept when at least
    `min_purity` of the accounts that use it in the whole store are flagged (by any verdict),
    and at least one lone flagged account uses it; only `settings.flagged_kinds`.
    None when there is no such account or `settings.export_flagged` is off. `tokens` as in
    `gather`.
    """
    if not settings.export_flagged:
        return None
    flagged = read_flagged(results) | read_alone(results)
    grouped = {a for c in read_campaigns(results) for a in c.get("accounts", [])}
    lone = sorted(a for a in flagged if a not in grouped)
    if not lone:
        return None
    tokens = store_tokens(store) if tokens is None else tokens
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("tokens", tokens)
    one = pa.schema([("account_id", pa.string())])
    con.register("flagged", pa.table({"account_id": sorted(flagged)}, schema=one))
    con.register("lone", pa.table({"account_id": lone}, schema=one))
    rows = con.execute(FLAGGED_SQL, {"purity": settings.min_purity, "kinds": list(settings.flagged_kinds)}).fetchall()
    span = con.execute("SELECT sum(t.exchanges), min(t.first_ts), max(t.last_ts) FROM tokens t "
                       "JOIN lone l ON l.account_id = t.account_id WHERE t.kind = 'account'").fetchone()
    con.close()
    values: dict[str, list[Value]] = {}
    for kind, value, ex, acc, first, last in rows:
        per = values.setdefault(kind, [])
        if len(per) < settings.max_values_per_kind:
            per.append(Value(value, int(ex), int(acc), first, last))
    if not values or span is None or span[1] is None:
        return None
    risks = sorted(flagged[a] for a in lone)
    return CampaignMaterial(
        campaign_id="flagged", accounts=lone, exchanges=int(span[0] or 0), first_seen=span[1], last_seen=span[2],
        risk=risks[len(risks) // 2], categories={}, anchor="flagged", values=values)
