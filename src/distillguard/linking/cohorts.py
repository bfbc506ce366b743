"""Lead cohorts: many mildly suspicious accounts behind one value, far beyond chance.

A campaign forms from seeds the account model finds suspicious (own risk >= 0.5) tied by
operator evidence, and `coordination.py` finds groups coupled on operator facets. An operator
that evades both - aged accounts on home lines, its own card per account, human timing - still
runs one pipeline, and on a playbook the model never saw, the model may rank its accounts above
ordinary customers without calling them likely. Each such account alone is a lead, not a verdict. Many
leads behind one value are a group: one operator's software, or one operator's sign-up day,
address block or shift.

For every anchor held by ``k`` accounts, ``c`` of which are leads (own risk >= ``lead_min_risk``
from at least ``lead_min_exchanges`` exchanges: a single request's configuration, harvest target and
score describe that request, and about one customer in twenty sends only one),
the count is tested against the run's own lead rate ``q`` (leads / judged accounts): ``P(X >= c)``,
``X ~ Binomial(k, q)``, below the Bonferroni bar over the anchors tested. Anchors are pipeline
values (template, wrapper cluster, request configuration, client, harvest target) and, with
``lead_operator_anchors``, strong operator values (sign-up day, first or last day, shift, payment; not
the weak facets, which describe a kind of customer, nor, unless ``lead_place_anchors``, a place - network,
ASN - where mildly suspicious accounts are a crowd at a venue, campus or ISP: version 15), and, with
``lead_rate_anchors``, in a second family looked at among the leads the first left ungrouped, a
pipeline value at one daily volume (log2 bucket): a public harness's customers send it at every
rate, one operator pushes it through every account at one; with ``lead_rate_coupled`` only where that
rate is beyond chance among the value's holders (version 10: customers of one kind at the rate the
value's holders often use share the value alone). The effect size is the
anchor's lead share: most of it must be leads (``lead_min_share``), since a public harness or SDK
is mostly ordinary customers, whatever a few of them do. ``lead_min_lift`` can also hold that share
to a multiple of the lead share among the accounts outside the anchor (version 13; off, 0, as
shipped: at 3 it cleared customers' cohorts on worlds the model never saw, where two in five
accounts are leads, but the operators' cohorts there sat at the same lift). (`coordination.py`'s
``min_lift`` of 20 cannot apply here: where campaigns make up a tenth of the accounts, leads outside
any one anchor are common and the ratio can never exceed ``1 / q``.) The group is the anchor's leads that also share uncommon values worth
``min_tie_weight`` with another of them (a second coincidence: an ordinary customer who is a lead
and sends a value some operator's leads send too shares nothing else with them) - except behind a
value at one rate, which is two coincidences already (``lead_rate_tied`` false: one operator's
software pushed at one rate through aged accounts on their own lines and cards shares nothing else) -
and it must harvest (the same bars as coordinated groups). The tie stays even where almost only leads send the anchor:
the account model reads an account's category mix and request parameters, so on a harvest target or
a configuration lead status and the anchor are not independent, and a handful of customers of one
kind the model over-scores can be the anchor's only senders (issue 16, eleventh step: five
researchers behind one rare target on the classic full world). Accounts already in a coordinated
group or a campaign are left out of every count (a cohort is what the other findings did not find;
an account beside a found group is judged by that group's member test), and a cohort of one
organisation's seats (an organisation billed as one: `coordination.billed_as_one`) is set aside like
a coordinated group, unless at least half of it sits in two
or more organisations whose seats are mostly leads beyond the run's lead rate
(`coordination.shell_orgs`: one operator behind several organisations). The null model is the data
at hand; the one absolute level is the lead bar on the model's probability.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.linking.coordination import (
    OPERATOR_FACETS,
    PIPELINE_FACETS,
    PLACE_FACETS,
    WEAK_FACETS,
    CoordinatedGroup,
    CoordinationParams,
    _log10_binom_sf,
    group_harvests,
    lift_outside,
    nested_facets,
    seat_orgs,
    seats_set_aside,
)
from distillguard.linking.resends import Resends


class LeadCohortFinding:
    """Declaration of this finding (cases in cohorts.cases.yaml beside this file)."""

    id = "DG-LNK-0002"
    # 9: cohorts behind one value at neighbouring daily volumes are one unit (coordination.merge_groups,
    #    merge_rate_span)
    # 8: a cohort whose members resend its own requests harvests (resends.py; DG-LNK-0001 v11); the leads
    #    behind a value at one rate need no further tie (lead_rate_tied false)
    # 7: one organisation's seats are set aside only when it is billed as one (DG-LNK-0001 v10)
    # 6: a pipeline value at one daily volume anchors a second family (lead_rate_anchors)
    # 10: a value at one rate anchors only where the rate is beyond chance among its holders (lead_rate_coupled)
    # 11: behind a template or a recurring-text cluster, the other of the two is the anchor's own prompt
    #     text seen again, no second tie (coordination.DIMENSIONS)
    # 12: resent requests count only when the cohort sent at least min_resent_exchanges of them (DG-LNK-0001 v13)
    # 13: the anchor's lead share may be held to lead_min_lift times the share outside it (off: 0)
    # 14: resent requests count only when the members' answers average min_resent_answer_tokens (DG-LNK-0001 v14)
    # 15: no anchor on a place (network, ASN) unless lead_place_anchors: leads at one place are a crowd
    version = 15  # 5: a lead has sent two exchanges at least; 4: the harvest target is an anchor
    name = "lead_cohort"
    role = "form"  # forms a campaign by itself; its members' own risk is each below the flag
    description = ("many accounts the account model finds mildly suspicious share one pipeline value (template, "
                   "wrapper, configuration, client or harvest target, or one such value at one daily volume) or one "
                   "strong operator value (sign-up day, first or last day, shift, payment; network or ASN only "
                   "with lead_place_anchors) far "
                   "beyond the run's rate of such accounts, and harvest")
    false_positives = (
        "A whole customer segment the model over-scores (a new coding harness whose every user looks "
        "harvest-shaped): mostly leads behind one client. The evidence names the anchor and the counts.",
        "The lead bar is a probability of the shipped model: a model the user trained elsewhere may "
        "need its own bar (`[coordination] lead_min_risk`).",
        "A company's engineers that the model over-scores share a sign-up day and a card: a cohort of "
        "one organisation's seats is set aside for review (organisations.parquet), as coordinated groups are. "
        "A cohort over two or more organisations whose seats are mostly leads is not (one operator behind "
        "several organisations); two teams that onboarded on one day and that the model over-scores as "
        "bodies would be flagged.",
        "Heavy users of one public harness at one volume (a team's nightly jobs through a common SDK) "
        "that the model over-scores: mostly leads at that rate. A tie beyond the harness and the volume "
        "is still needed, and one organisation's seats are set aside.",
        "Missed on purpose (version 10): an operator that pushes a public prompt through its leads at the rate "
        "the prompt's ordinary senders often use is no cohort on that pair; the rate is no coincidence there. "
        "It is kept out because customers of one kind behind a public prompt (researchers sending a public "
        "dataset-building prompt) that the model over-scores are mostly leads in such a cell (seed-scale "
        "worlds 53, 101 and 103: cohorts of 12-37 researchers). Seen dumps: evasive recall -0.6 points, test "
        "grouping coverage -1.7 points; fresh base 14400: recall equal.",
        "Leads outside a group already found but on its anchor form a cohort of their own once there are "
        "min_accounts of them that also share a second uncommon value (a public template an operator also uses).",
        "Two operators behind one public value at neighbouring daily volumes come out as one campaign "
        "(merge_rate_span: cohorts at volumes one bucket apart are one unit). Grouping only: each cohort was "
        "found on its own, and the operator split still parts them on cards, sign-up days or configurations.",
    )


# An anchor is one value, or (with lead_rate_anchors) one pipeline value sent at one daily volume
# (`rate`, the account's log2 volume bucket; NULL for a plain anchor).
ANCHOR_VALUES_SQL = """
CREATE TEMP TABLE anchor_values AS
SELECT account, facet, value, NULL::VARCHAR AS rate FROM facets WHERE facet IN ({kinds})
{rates}
"""
RATE_SQL = """UNION ALL
SELECT a.account, a.facet, a.value, v.value AS rate FROM facets a JOIN facets v ON v.account = a.account
JOIN value_holders h ON h.facet = a.facet AND h.value = a.value
WHERE a.facet IN ({pipeline}) AND v.facet = 'volume' AND h.holders <= {max_k}"""

ANCHOR_SQL = """
SELECT facet, value, rate, count(*) AS k, count(*) FILTER (WHERE lead) AS c
FROM anchor_values JOIN leads USING (account)
GROUP BY facet, value, rate HAVING count(*) >= {min_k} AND count(*) <= {max_k}
   AND count(*) FILTER (WHERE lead) >= {min_k}
ORDER BY facet, value, rate NULLS FIRST
"""


# Accounts per value, in all (`facets` has one row per account, facet and value).
HOLDERS_SQL = """
CREATE TEMP TABLE value_holders AS SELECT facet, value, count(*) AS holders FROM facets GROUP BY facet, value
"""

UNCOMMON_SQL = """
CREATE TEMP TABLE uncommon AS
SELECT f.account, f.facet, f.value FROM facets f JOIN value_holders USING (facet, value)
WHERE holders >= 2 AND holders <= {max_holders}
"""


def _tied(con: duckdb.DuckDBPyConnection, members: np.ndarray, anchor: list[tuple[str, str]],
          min_weight: float) -> np.ndarray:
    """The members that share, besides the anchor's values, uncommon values worth `min_weight` with another member.

    A lead that holds the anchor and nothing else of the cohort's may be an ordinary customer who
    happens to be a lead (about one in a thousand are, at the shipped bar) and sends a value some operator's leads send
    too; an operator's accounts coincide twice. Weights as in coordination: weak facets 0.5, others 1.
    A value worth `min_weight` alone ties every member holding it when another member does; only
    the members left are compared pair by pair (lighter values add up per pair).
    """
    if len(members) < 2:
        return members[:0]
    # a facet that measures the anchor's dimension (a prefix inside the anchor's autonomous system, the
    # template of the anchor's recurring prompt text) is the same coincidence again, not a second one (DIMENSIONS)
    nested = sorted({f for a, _ in anchor for f in nested_facets(a)})
    con.register("_cohort", pa.table({"account": pa.array(members, pa.int64())}))
    rows = con.sql("SELECT DISTINCT account, facet, value FROM uncommon JOIN _cohort USING (account) WHERE NOT ("
                   + " OR ".join(["(facet = ? AND value = ?)"] * len(anchor) + ["facet = ?"] * len(nested)) + ")",
                   params=[x for pair in anchor for x in pair] + nested).fetchnumpy()
    con.unregister("_cohort")
    if len(rows["account"]) == 0:
        return members[:0]
    import scipy.sparse as sp

    pos = np.searchsorted(members, rows["account"].astype(np.int64))
    keys = np.char.add(np.char.add(np.asarray(rows["facet"], dtype=str), "\x1f"), np.asarray(rows["value"], dtype=str))
    uniq, col = np.unique(keys, return_inverse=True)
    weight = np.where(np.isin(np.asarray(rows["facet"], dtype=str), WEAK_FACETS), 0.5, 1.0)   # per row
    holders = np.bincount(col, minlength=len(uniq))
    tied = np.zeros(len(members), dtype=bool)
    tied[pos[(weight >= min_weight) & (holders[col] >= 2)]] = True
    rest = np.flatnonzero(~tied)
    if len(rest):
        held = sp.csr_matrix((weight, (pos, col)), shape=(len(members), len(uniq)))
        pair = (held[rest] @ (held > 0).T.astype(np.float64)).tolil()   # weight each pair shares
        for i, m in enumerate(rest.tolist()):
            pair[i, m] = 0.0
        tied[rest[np.asarray(pair.tocsr().max(axis=1).todense()).ravel() >= min_weight]] = True
    return members[tied]


def lead_cohorts(facets: pa.Table, own_risk: np.ndarray, harvest: np.ndarray,
                 params: CoordinationParams | None = None, extraction: np.ndarray | None = None,
                 taken: np.ndarray | None = None, orgs: np.ndarray | None = None,
                 set_aside: list[CoordinatedGroup] | None = None,
                 exchanges: np.ndarray | None = None, resends: Resends | None = None) -> list[CoordinatedGroup]:
    """Groups of leads behind one value, beyond the run's lead rate, tied twice, that harvest.

    `taken`: accounts already in a coordinated group or a campaign (a boolean mask). They are left
    out of every anchor's count: an account beside a found group on its anchor is judged by that
    group's member test, not by the lead bar, and a cohort is what the other findings did not find.
    `orgs`, `set_aside`: as for `coordinated_groups` (a cohort of organisations' seats is set aside).
    `exchanges`: each account's exchange count; an account with fewer than `lead_min_exchanges` is
    no lead (None: every account counts). `resends`: as for `coordinated_groups`.
    """
    p = params or CoordinationParams()
    n = len(own_risk)
    lead = own_risk >= p.lead_min_risk
    if exchanges is not None:   # one request's configuration, target and score are that request's
        lead &= np.asarray(exchanges) >= p.lead_min_exchanges
    total = int(lead.sum())
    if n < p.min_accounts or total < p.min_accounts or facets.num_rows == 0:
        return []
    shell = None
    if orgs is not None:
        orgs, shell = seat_orgs(orgs, facets, own_risk, p)
    free = np.ones(n, dtype=bool) if taken is None else ~np.asarray(taken, dtype=bool)
    con = duckdb.connect()
    con.register("facets", facets)
    con.sql(HOLDERS_SQL)
    con.register("leads", pa.table({"account": pa.array(np.flatnonzero(free), pa.int64()),
                                    "lead": pa.array(lead[free])}))
    kinds = PIPELINE_FACETS + (tuple(f for f in OPERATOR_FACETS if f not in WEAK_FACETS
                                     and (p.lead_place_anchors or f not in PLACE_FACETS))
                               if p.lead_operator_anchors else ())
    quoted = ", ".join(f"'{x}'" for x in kinds)
    max_k = max(p.min_accounts, int(p.max_anchor_share * n))
    # a value at one rate only where the value itself could anchor (held by at most max_anchor_share):
    # a configuration most customers send, at one volume, is that volume alone (a weak facet)
    rates = RATE_SQL.format(pipeline=", ".join(f"'{x}'" for x in PIPELINE_FACETS), max_k=max_k) \
        if p.lead_rate_anchors else ""
    con.sql(ANCHOR_VALUES_SQL.format(kinds=quoted, rates=rates))
    anchors = con.sql(ANCHOR_SQL.format(min_k=p.min_accounts, max_k=max_k)).to_arrow_table()
    if anchors.num_rows == 0:
        con.close()
        return []
    con.sql(UNCOMMON_SQL.format(max_holders=max(2, int(p.max_common * n))))   # values a second tie may rest on
    plain = anchors.filter(pc.is_null(anchors["rate"]))
    # the bar counts every anchor that could have been tested (those held by enough accounts)
    threshold = math.log10(p.alpha / max(plain.num_rows, 1))
    aside_before = len(set_aside) if set_aside is not None else 0
    groups = _cohorts(con, plain, threshold, total, n, harvest, extraction, p, orgs, shell, set_aside, resends)
    if p.lead_rate_anchors and anchors.num_rows > plain.num_rows:
        # A second family, looked at among the accounts the values alone did not group: the rate
        # finds an operator inside a public harness's customers, it does not re-cut a cohort. Its
        # bar counts both families' anchors; the first family's bar is the one it had alone, so
        # every cohort the values form is formed as before (family-wise error below 2 alpha).
        threshold = math.log10(p.alpha / anchors.num_rows)
        claimed = np.zeros(n, dtype=bool)   # grouped, or set aside as organisations' seats
        for g in groups + (set_aside[aside_before:] if set_aside is not None else []):
            claimed[g.members] = True
        con.unregister("leads")
        con.register("leads", pa.table({"account": pa.array(np.flatnonzero(free & ~claimed), pa.int64()),
                                        "lead": pa.array(lead[free & ~claimed])}))
        rated = con.sql(ANCHOR_SQL.format(min_k=p.min_accounts, max_k=max_k)).to_arrow_table()
        rated = rated.filter(pc.invert(pc.is_null(rated["rate"])))
        groups += _cohorts(con, rated, threshold, total, n, harvest, extraction, p, orgs, shell, set_aside,
                           resends)
    con.close()
    return groups


def _cohorts(con: duckdb.DuckDBPyConnection, anchors: pa.Table, threshold: float, total: int, n: int,
             harvest: np.ndarray, extraction: np.ndarray | None, p: CoordinationParams,
             orgs: np.ndarray | None, shell: np.ndarray | None,
             set_aside: list[CoordinatedGroup] | None, resends: Resends | None = None) -> list[CoordinatedGroup]:
    """The cohorts behind `anchors` (rows of ANCHOR_SQL over the `leads` table) that pass the bars."""
    k = anchors["k"].to_numpy().astype(np.float64)
    c = anchors["c"].to_numpy().astype(np.float64)
    log10p = _log10_binom_sf(c, k, np.full(len(k), total / n))
    lift = lift_outside(c, k, float(total), n)[1]
    hit = np.flatnonzero((log10p <= threshold) & (c / k >= p.lead_min_share) & (lift >= p.lead_min_lift))
    groups = []
    facet = anchors["facet"].to_pylist()
    value = anchors["value"].to_pylist()
    rate = anchors["rate"].to_pylist()
    for i in hit.tolist():
        members = con.sql("SELECT account FROM anchor_values JOIN leads USING (account) WHERE lead AND facet = ? "
                          "AND value = ? AND rate IS NOT DISTINCT FROM ? ORDER BY account",
                          params=[facet[i], value[i], rate[i]]).fetchnumpy()["account"].astype(np.int64)
        held = [(facet[i], value[i])] + ([("volume", rate[i])] if rate[i] is not None else [])
        rated, holders = None, int(k[i])
        if rate[i] is not None:   # the value at one rate: its holders in all, and how common that rate is among them
            holders = _holders(con, facet[i], value[i])
            rated, rate_log10p = _rate_coupling(con, rate[i], int(k[i]), holders, n, tested=p.lead_rate_coupled)
            # the rate is a coincidence only beyond chance among the value's holders: a public harness's
            # customers at its ordinary rate share the harness alone, which the values' own family tested
            if p.lead_rate_coupled and rate_log10p > threshold:
                continue
        if rate[i] is None or p.lead_rate_tied:   # a value at one rate is two coincidences already
            members = _tied(con, members, held, p.min_tie_weight)
        if len(members) < p.min_accounts:
            continue
        passes, resent = group_harvests(members, harvest, extraction, p, resends)
        if not passes:
            continue
        h = float(np.mean(harvest[members]))
        coupled = [{"facet": "leads", "value": f"own risk >= {p.lead_min_risk:g}", "count": int(c[i]),
                    "expected": round(float(k[i] * total / n), 2), "log10p": round(float(log10p[i]), 1),
                    "lift": round(float(lift[i]), 1)}]
        if rated is not None:
            coupled.append(rated)
        group = CoordinatedGroup(members, (facet[i], value[i]), coupled, float(log10p[i]), h, threshold, holders,
                                 resent=resent, rate=rate[i])
        if orgs is not None and seats_set_aside(group, orgs, shell, p, set_aside):
            continue   # organisations' seats, as in coordinated_groups
        groups.append(group)
    return groups


def _holders(con: duckdb.DuckDBPyConnection, facet: str, value: str) -> int:
    """Accounts that hold `value` of `facet`, in all."""
    rows = con.sql("SELECT holders FROM value_holders WHERE facet = ? AND value = ?", params=[facet, value]).fetchall()
    return int(rows[0][0]) if rows else 0


def _rate_coupling(con: duckdb.DuckDBPyConnection, rate: str, count: int, holders: int, n: int,
                   tested: bool = False) -> tuple[dict, float]:
    """The evidence entry of a rate anchor and its log10 p: `count` of the value's `holders` send it at
    daily volume bucket `rate`, against the share of all `n` accounts at that volume. `tested`: whether
    the cohort's test used it (`lead_rate_coupled`: the rate is a second tie only beyond chance); the
    cohort's test is its lead count either way."""
    at_rate = _holders(con, "volume", rate)
    lp = float(_log10_binom_sf(np.array([float(count)]), np.array([float(holders)]), np.array([at_rate / n]))[0])
    return {"facet": "volume", "value": rate, "count": count, "expected": round(holders * at_rate / n, 2), "tested": tested,
            "log10p": round(lp, 1), "lift": round(float(lift_outside(np.array([float(count)]), np.array([float(holders)]),
                                                                     float(at_rate), n)[1][0]), 1)}, lp
