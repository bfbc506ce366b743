"""The write stage: accounts.csv, campaigns.json and the Parquet tables an analyst and the report read.

`write_outputs` describes each campaign (indicators, category mix, release pivot, summary) and
writes, into the output folder: `accounts.csv` and `campaigns.json` (the contract, see
`outputs/contract.py`), `fingerprints.parquet`, `account_scores.parquet`,
`campaign_edges.parquet` (`campaign_edges`), `campaign_templates.parquet`
(`campaign_templates`), `decisions.parquet` and `coordination.parquet` (`outputs/tables.py`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.linking import campaign_tables, configuration_indicator, top_indicators
from distillguard.linking.campaigns import CampaignParams
from distillguard.linking.coordination import anchor_indicators
from distillguard.linking.waves import campaign_waves, waves_sentence
from distillguard.outputs.contract import summary_paragraph, write_accounts_csv, write_campaigns_json
from distillguard.outputs.tables import coordination_table, decisions_table, organisations_table


def write_outputs(engine, out, all_accounts, active, graph, campaigns, decision, config_keys,  # type: ignore[no-untyped-def]
                  have_classes, templates, fp, scores, own_risk, organisations=None,
                  campaign_params: CampaignParams | None = None) -> None:
    """Write accounts.csv (every account, judged or not), campaigns.json and the Parquet tables into `out`.

    `campaign_params`: the run's `[campaigns]` settings (the waves' gap and minimum size).
    """
    cp = campaign_params or CampaignParams()
    skeletons = dict(zip(templates["template_id"].to_pylist(), templates["skeleton"].to_pylist(), strict=True)) \
        if templates.num_rows else {}
    tables = campaign_tables(engine, graph, campaigns, have_classes)
    stats = {r["campaign_id"]: r for r in tables["stats"].to_pylist()}
    cats: dict[str, dict[str, float]] = {}
    if "categories" in tables:
        for r in tables["categories"].to_pylist():
            cats.setdefault(r["campaign_id"], {})[r["category"]] = r["n"]
    pivots = {(r["campaign_id"]): r for r in tables["pivot"].to_pylist()}
    population = pivots.get("__population__")
    timelines = campaign_waves(tables["spans"], cp.wave_gap_hours, cp.min_accounts)
    docs = []
    for c in campaigns:
        s = stats.get(c.campaign_id, {})
        mix = cats.get(c.campaign_id, {})
        total = sum(mix.values()) or 1
        c.indicators = top_indicators(graph, c, skeletons)
        if not c.indicators and c.stats.get("coordination_parts"):   # formed on values no graph token names
            c.indicators = anchor_indicators(c.stats["coordination_parts"], skeletons)
        if "behaviour" in c.evidence:  # linked by behaviour: say which configuration they share
            shared = configuration_indicator(config_keys, c.members)
            if shared:
                c.indicators.append(shared)
        doc = {
            "campaign_id": c.campaign_id,
            "accounts": sorted(graph.account_ids[c.members].tolist()),
            "exchanges": int(s.get("exchanges", 0)),
            "first_seen": s.get("first_seen"), "last_seen": s.get("last_seen"),
            "risk": round(float(c.risk), 4),
            "categories": {k: round(v / total, 4) for k, v in sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))},
            "indicators": [{"kind": i["kind"], "value": i["value"]} for i in c.indicators],
        }
        pv = pivots.get(c.campaign_id)
        pivot_text = None
        if pv and population:
            pivot_text = (f"In the 24 hours after {pv['released_model']} was released, {pv['share_24h']:.0%} of its "
                          f"traffic used it (population: {population['share_24h']:.0%}).")
            doc["release_pivot"] = {"model": pv["released_model"], "share_24h": round(pv["share_24h"], 4),
                                    "population_share_24h": round(population["share_24h"], 4),
                                    "first_use": str(pv["first_use"]) if pv["first_use"] else None}
        doc["waves"] = timelines.get(c.campaign_id, [])
        if c.stats.get("shares_network_with"):
            doc["shares_network_with"] = list(c.stats["shares_network_with"])
        doc["summary"] = summary_paragraph(doc, {"evidence": c.evidence, "distinct_ips": s.get("distinct_ips"),
                                                 "pivot": pivot_text, "waves": waves_sentence(doc["waves"]),
                                                 "shares_network_with": doc.get("shares_network_with"), "member_risk": c.member_risk,
                                                 "coordination": c.coordination, "recruited": len(c.recruited),
                                                 "made_together": c.stats.get("made_together"),
                                                 "dormant": c.stats.get("dormant"),
                                                 "alike": c.stats.get("alike"),
                                                 "coordination_text": c.stats.get("coordination")})
        if c.stats.get("coordination"):
            doc["coordination"] = {"groups": c.stats.get("coordination_groups", 0), "evidence": c.stats["coordination"]}
        if c.stats.get("operator"):   # regrouped as one operator (linking/operators.py): why
            doc["operator"] = c.stats["operator"]
        if c.stats.get("made_together"):   # accounts made with its accounts joined it (DG-LNK-0004)
            doc["made_together"] = dict(c.stats["made_together"])
        if c.stats.get("alike"):   # accounts flagged alone that harvest alike (DG-LNK-0006)
            doc["alike"] = {k: c.stats["alike"][k] for k in ("target", "config", "accounts", "holders")}
        if c.dormant:   # registered accounts that sent nothing, made by its operator (DG-LNK-0005)
            doc["dormant_accounts"] = list(c.dormant)
            doc["dormant"] = dict(c.stats["dormant"])
        doc["evidence"] = {k: round(v, 3) for k, v in c.evidence.items()}
        docs.append(doc)
    idx = {a: i for i, a in enumerate(active.tolist())}
    rows = []
    for a in all_accounts.to_pylist():
        i = idx.get(a)
        if i is None:  # only active after --until: not judged yet
            rows.append({"account_id": a, "risk": 0.0, "flagged": False, "campaign_id": "", "reasons": ""})
            continue
        ci = decision.campaign_of[i]
        rows.append({"account_id": a, "risk": float(decision.risk[i]), "flagged": bool(decision.flagged[i]),
                     "campaign_id": campaigns[ci].campaign_id if ci >= 0 else "", "reasons": decision.reasons[i]})
    write_accounts_csv(out / "accounts.csv", rows)
    write_campaigns_json(out / "campaigns.json", docs)
    pq.write_table(fp, out / "fingerprints.parquet")
    pq.write_table(scores, out / "account_scores.parquet")
    pq.write_table(campaign_edges(graph, campaigns), out / "campaign_edges.parquet")
    pq.write_table(campaign_templates(engine, skeletons), out / "campaign_templates.parquet")
    pq.write_table(decisions_table(active, own_risk, decision, campaigns), out / "decisions.parquet")
    pq.write_table(coordination_table(campaigns), out / "coordination.parquet")
    # groups set aside as organisations' seats (empty when coordination is off or found none)
    pq.write_table(organisations if organisations is not None else organisations_table([], active),
                   out / "organisations.parquet")


def campaign_edges(graph, campaigns) -> pa.Table:  # type: ignore[no-untyped-def]
    """Edges inside each campaign, one row per (pair, evidence kind): the picture of the graph."""
    cols: dict[str, list[Any]] = {"campaign_id": [], "account_a": [], "account_b": [], "kind": [], "weight": []}
    for c in campaigns:
        members = c.members
        for kind, m in graph.by_kind.items():
            sub = sp_triu(m[members][:, members])
            for i, j, w in zip(sub.row.tolist(), sub.col.tolist(), sub.data.tolist(), strict=True):
                cols["campaign_id"].append(c.campaign_id)
                cols["account_a"].append(graph.account_ids[members[i]])
                cols["account_b"].append(graph.account_ids[members[j]])
                cols["kind"].append(kind)
                cols["weight"].append(float(w))
    return pa.table({k: pa.array(v, pa.float64() if k == "weight" else pa.string()) for k, v in cols.items()})


def sp_triu(m):  # type: ignore[no-untyped-def]
    import scipy.sparse as sp

    return sp.triu(m, k=1).tocoo()


CAMPAIGN_TEMPLATES_SQL = """
SELECT m.campaign_id, t.template_id, count(*) AS exchanges, count(DISTINCT e.account_id) AS accounts,
       min(e.last_user_text) AS example_prompt, min(e.system_prompt) AS example_system
FROM exchanges e JOIN campaign_members m ON e.account_id = m.account_id
JOIN exchange_templates t ON t.exchange_id = e.exchange_id
GROUP BY m.campaign_id, t.template_id
ORDER BY m.campaign_id, exchanges DESC, t.template_id
"""


def campaign_templates(engine, skeletons: dict[str, str]) -> pa.Table:  # type: ignore[no-untyped-def]
    """Per campaign, its templates with volume, spread and one example prompt."""
    t = engine.sql(CAMPAIGN_TEMPLATES_SQL)
    sk = [skeletons.get(x, "") for x in t["template_id"].to_pylist()]
    return t.append_column("skeleton", pa.array(sk, pa.string()))
