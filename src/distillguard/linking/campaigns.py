"""From communities to campaigns: score each group, describe it, and find its release pivot."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from distillguard.engine.base import Engine
from distillguard.linking.evidence import KINDS
from distillguard.linking.graph import AccountGraph


@dataclass
class Campaign:
    campaign_id: str
    members: np.ndarray  # account indices
    risk: float
    coordination: float
    member_risk: float
    evidence: dict[str, float]  # kind -> share of members with an internal edge of that kind
    strength: np.ndarray  # per member: internal edge weight
    indicators: list[dict[str, object]] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)


def campaign_id(account_ids: list[str]) -> str:
    """Stable id from the members: a re-run on the same input gives the same id."""
    digest = hashlib.sha256("\n".join(sorted(account_ids)).encode()).hexdigest()
    return "c-" + digest[:12]


def score_communities(
    graph: AccountGraph,
    labels: np.ndarray,
    account_risk: np.ndarray,
    *,
    min_accounts: int = 3,
    min_campaign_risk: float = 0.5,
) -> list[Campaign]:
    """Keep communities that are both coordinated and behave like harvesting.

    A university NAT or a family card is coordinated (shared IP, shared payment) but its
    members' behaviour is ordinary, so the member-risk factor keeps it out. A campaign's
    diluted members are lifted by the group instead.
    """
    out: list[Campaign] = []
    total = graph.total
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        if len(members) < min_accounts:
            continue
        sub = total[members][:, members]
        strength = np.asarray(sub.sum(axis=1)).ravel()
        coordination = float(1 - np.exp(-np.median(strength) / 2))
        evidence = {}
        for kind, m in graph.by_kind.items():
            deg = np.diff(m[members][:, members].tocsr().indptr)
            share = float((deg > 0).mean())
            if share > 0:
                evidence[kind] = share
        r = account_risk[members]
        member_risk = float(np.mean(np.sort(r)[len(r) // 4:]))  # the upper three quarters: dilution-robust
        risk = member_risk * (0.6 + 0.4 * coordination)
        if risk < min_campaign_risk:
            continue
        ids = graph.account_ids[members].tolist()
        out.append(Campaign(campaign_id(ids), members, round(risk, 4), coordination, member_risk, evidence, strength))
    out.sort(key=lambda c: (-len(c.members), c.campaign_id))
    return out


def top_indicators(graph: AccountGraph, campaign: Campaign, skeletons: dict[str, str], limit: int = 12) -> list[dict]:
    """Shared tokens most concentrated in the campaign: what an analyst can check and share."""
    members = set(campaign.members.tolist())
    scored = []
    for (kind, value), idx in graph.token_members.items():
        inside = sum(1 for i in idx.tolist() if i in members)
        if inside < 2:
            continue
        purity = inside / len(idx)
        if purity < 0.5:
            continue
        scored.append((inside * purity * KINDS[kind].weight, kind, value, inside, len(idx)))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    out = []
    names = {"payment": "payment_fingerprint", "template": "prompt_template", "client_stack": "client_stack"}
    for _, kind, value, inside, total in scored[:limit]:
        shown = skeletons.get(value, value) if kind == "template" else value
        out.append({"kind": names.get(kind, kind), "value": shown, "accounts": inside, "accounts_total": total})
    return out


CAMPAIGN_STATS_SQL = """
SELECT m.campaign_id, count(*) AS exchanges, min(e.ts) AS first_seen, max(e.ts) AS last_seen,
       count(DISTINCT e.client_ip) AS distinct_ips, count(DISTINCT e.model) AS models
FROM exchanges e JOIN campaign_members m ON e.account_id = m.account_id
GROUP BY m.campaign_id
"""

CATEGORY_SQL = """
SELECT m.campaign_id, c.category, count(*) AS n, avg(c.harvest) AS harvest
FROM exchanges e JOIN campaign_members m ON e.account_id = m.account_id
JOIN classified c ON c.exchange_id = e.exchange_id
GROUP BY m.campaign_id, c.category
"""

# Share of traffic on the released model in the 24 hours after its release, per campaign and
# for the benign rest, plus hours until the campaign first used it.
PIVOT_SQL = """
WITH rel AS (
    SELECT model, min(ts) AS released FROM events WHERE type = 'model_release' AND model IS NOT NULL GROUP BY model
),
win AS (
    SELECT coalesce(m.campaign_id, '__population__') AS campaign_id, rel.model AS released_model,
           rel.released, e.model, e.ts
    FROM exchanges e CROSS JOIN rel
    LEFT JOIN campaign_members m ON e.account_id = m.account_id
    WHERE e.ts >= rel.released AND e.ts < rel.released + INTERVAL 24 HOUR
)
SELECT campaign_id, released_model, min(released) AS released,
       avg(CASE WHEN model = released_model THEN 1.0 ELSE 0.0 END) AS share_24h,
       min(CASE WHEN model = released_model THEN ts END) AS first_use,
       count(*) AS exchanges_24h
FROM win GROUP BY campaign_id, released_model
"""


def campaign_tables(engine: Engine, graph: AccountGraph, campaigns: list[Campaign], classified: bool) -> dict[str, pa.Table]:
    ids, accts = [], []
    for c in campaigns:
        for a in graph.account_ids[c.members].tolist():
            ids.append(c.campaign_id)
            accts.append(a)
    engine.register("campaign_members", pa.table({"campaign_id": pa.array(ids, pa.string()),
                                                  "account_id": pa.array(accts, pa.string())}))
    out = {"stats": engine.sql(CAMPAIGN_STATS_SQL), "pivot": engine.sql(PIVOT_SQL)}
    if classified:
        out["categories"] = engine.sql(CATEGORY_SQL)
    return out
