"""Decision and coordination tables: the evidence behind each verdict, as rows an analyst can query.

`decisions.parquet` has one row per judged account: its own risk, the campaign it was judged
with (if any), how that campaign was formed, the final risk and flag, and the reasons.
`coordination.parquet` has one row per coupled value behind each coordination-formed campaign:
the anchor the group shares and how many accounts send it in all, the operator value, how many members hold it, how many that
would be by chance, its p-value and how much more common it is inside the group than outside.
`organisations.parquet` has one row per group coordination set aside because it is made of
organisations' seats (DG-LNK-0001, `max_org_seat_share`): coupled and harvesting, but one
declared customer, so not a campaign and nobody flagged; a review list, not a verdict. It also lists
the groups coordination set aside as crowds at one event (`set_aside_as` "crowd": coupled only on where
and when their accounts started, DG-LNK-0001 `min_run_facets`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

DECISIONS = pa.schema([
    pa.field("account_id", pa.string()),
    pa.field("own_risk", pa.float64(), metadata={"description": "the account's own risk (rules and model)"}),
    pa.field("campaign_id", pa.string(), metadata={"description": "campaign judged with; null when alone"}),
    pa.field("formed_by", pa.string(), metadata={"description": "how that campaign was found: coordination "
                                                 "(a coupled group), linking (shared tokens among risky accounts), "
                                                 "content (flagged look-alikes), alike (accounts "
                                                 "flagged on their own that harvest alike, DG-LNK-0006); null "
                                                 "when alone"}),
    pa.field("campaign_risk", pa.float64()),
    pa.field("risk", pa.float64(), metadata={"description": "final risk (accounts.csv)"}),
    pa.field("flagged", pa.bool_()),
    pa.field("reasons", pa.string()),
    pa.field("acts_alone", pa.bool_(), metadata={"description": "its own risk would flag it, but no campaign or "
                                                 "group ties it to another account: held just below the flag as "
                                                 "a lead ([policy] flag_lone)"}),
])

# The pipeline value a coordination group shares, and how many accounts send it in all.
ANCHOR = (
    pa.field("anchor_facet", pa.string(), metadata={"description": "the pipeline value the group shares"}),
    pa.field("anchor_value", pa.string()),
    pa.field("anchor_holders", pa.int64(), metadata={"description": "accounts that send the anchor value in all"}),
)

COORDINATION = pa.schema([
    pa.field("campaign_id", pa.string()),
    pa.field("group", pa.int32(), metadata={"description": "coupled group within the campaign (0 = strongest)"}),
    pa.field("group_accounts", pa.int64()),
    *ANCHOR,
    pa.field("facet", pa.string(), metadata={"description": "an operator facet coupled beyond chance"}),
    pa.field("values", pa.string(), metadata={"description": "its most surprising values (up to 3)"}),
    pa.field("holders", pa.int64(), metadata={"description": "group accounts holding one of them"}),
    pa.field("expected", pa.float64(), metadata={"description": "anchor accounts expected to hold one by chance"}),
    pa.field("log10_p", pa.float64()),
    pa.field("lift", pa.float64(), metadata={"description": "times as common inside the anchor as outside it"}),
    pa.field("outside_combination", pa.int64(), metadata={
        "description": "accounts outside the campaign that match the group on every coupled facet (null: not counted)"}),
    pa.field("outside_with_anchor", pa.int64(), metadata={
        "description": "of those, the accounts that also send its anchor value"}),
    pa.field("harvest", pa.float64(), metadata={"description": "the group's mean harvest share (classifier)"}),
    pa.field("resent", pa.float64(), metadata={
        "description": "the group's mean share of exchanges that resend its own requests (null: not looked at)"}),
])


ORGANISATIONS = pa.schema([
    pa.field("organisation", pa.string(), metadata={"description": "the organisation most of the group's seats carry or pay as ('' for a crowd)"}),
    pa.field("accounts", pa.int64(), metadata={"description": "accounts in the group"}),
    pa.field("org_seats", pa.int64(), metadata={"description": "accounts that share an organisation (declared org_id, or the one they pay as) with another of them"}),
    *ANCHOR,
    pa.field("coupled", pa.string(), metadata={"description": "operator facets coupled beyond chance"}),
    pa.field("harvest", pa.float64(), metadata={"description": "the accounts' mean harvest share"}),
    pa.field("account_ids", pa.list_(pa.string())),
    pa.field("set_aside_as", pa.string(), metadata={
        "description": "organisation (seats of organisations billed as one) or crowd (coupled only on where and "
                       "when its accounts started: a crowd at one event, DG-LNK-0001 min_run_facets)"}),
])


def organisations_table(set_aside: list, account_ids: np.ndarray) -> pa.Table:
    """One row per group set aside as organisations' seats (its `orgs` kept), strongest first: coordination's groups,
    and whole account-graph campaigns (`linking.operators.seats_group`, anchor `account_graph`); and per group
    coordination set aside as a crowd at one event (`set_aside_as` "crowd")."""
    rows: dict[str, list] = {f.name: [] for f in ORGANISATIONS}
    for g in sorted(set_aside, key=lambda g: (g.log10p, int(g.members[0]))):
        named = g.orgs[g.orgs != ""]
        vals, counts = np.unique(named, return_counts=True) if len(named) else (np.array([""]), np.array([0]))
        for name, v in (("organisation", "" if g.crowd else str(vals[int(np.argmax(counts))])),   # a crowd is no one's
                        ("accounts", len(g.members)),
                        ("org_seats", int(counts[counts >= 2].sum())), ("anchor_facet", g.anchor[0]),
                        ("anchor_value", str(g.anchor[1])), ("anchor_holders", g.anchor_holders or None),
                        ("coupled", ", ".join(x["facet"] for x in g.coupled)), ("harvest", round(g.harvest, 4)),
                        ("account_ids", sorted(account_ids[g.members].tolist())),
                        ("set_aside_as", "crowd" if g.crowd else "organisation")):
            rows[name].append(v)
    return pa.table({f.name: pa.array(rows[f.name], f.type) for f in ORGANISATIONS}, schema=ORGANISATIONS)


def formed_by(campaign: Any) -> str:
    if campaign.stats.get("alike"):
        return "alike"
    if "coordination" in campaign.evidence:
        return "coordination"
    if "behaviour" in campaign.evidence:
        return "content"
    return "linking"


def decisions_table(active: np.ndarray, own_risk: np.ndarray, decision: Any, campaigns: list) -> pa.Table:
    """One row per judged account (aligned with `active`), sorted by account id."""
    ci = decision.campaign_of
    ids = [campaigns[c].campaign_id if c >= 0 else None for c in ci.tolist()]
    how = [formed_by(campaigns[c]) if c >= 0 else None for c in ci.tolist()]
    crisk = [float(campaigns[c].risk) if c >= 0 else None for c in ci.tolist()]
    t = pa.table([pa.array(active.tolist(), pa.string()), pa.array(np.round(own_risk, 4), pa.float64()),
                  pa.array(ids, pa.string()), pa.array(how, pa.string()), pa.array(crisk, pa.float64()),
                  pa.array(np.round(decision.risk, 4), pa.float64()), pa.array(decision.flagged, pa.bool_()),
                  pa.array(decision.reasons, pa.string()), pa.array(decision.alone, pa.bool_())], schema=DECISIONS)
    return t.sort_by("account_id")


def coordination_table(campaigns: list) -> pa.Table:
    """One row per coupled value behind every coordination-formed campaign."""
    rows: dict[str, list] = {f.name: [] for f in COORDINATION}
    for c in campaigns:
        for gi, g in enumerate(sorted(c.stats.get("coordination_parts", []), key=lambda g: g.log10p)):
            outside = g.outside_counts(c.members)   # counted outside the campaign
            for x in g.coupled:
                for name, v in (("campaign_id", c.campaign_id), ("group", gi), ("group_accounts", len(g.members)),
                                ("anchor_facet", g.anchor[0]), ("anchor_value", str(g.anchor[1])),
                                ("anchor_holders", g.anchor_holders or None),
                                ("facet", x["facet"]), ("values", x["value"]), ("holders", x["count"]),
                                ("expected", x["expected"]), ("log10_p", x["log10p"]), ("lift", x.get("lift")),
                                ("outside_combination", outside[0] if outside else None),
                                ("outside_with_anchor", outside[1] if outside else None),
                                ("harvest", round(g.harvest, 4)),
                                ("resent", round(g.resent, 4) if g.resent is not None else None)):
                    rows[name].append(v)
    return pa.table({f.name: pa.array(rows[f.name], f.type) for f in COORDINATION}, schema=COORDINATION)
