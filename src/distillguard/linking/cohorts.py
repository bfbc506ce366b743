"""Lead cohorts: many mildly suspicious accounts behind one pipeline value, far beyond chance.

A campaign forms from seeds the account model finds suspicious (own risk >= 0.5) tied by
operator evidence, and `coordination.py` finds groups coupled on operator facets. An operator
that evades both - aged accounts on home lines, its own card per account, human timing - still
runs one pipeline, and on a playbook the model never saw, the model ranks its accounts above
ordinary customers but calls few of them likely (issue 16: missed campaign accounts at 0.36-0.49).
Each such account alone is a lead, not a verdict. Many leads behind one pipeline value are a
group: one operator's software.

For every pipeline anchor (template, wrapper cluster, request configuration, client) held by
``k`` accounts, ``c`` of which are leads (own risk >= ``lead_min_risk``), the count is tested
against the run's own lead rate ``q`` (leads / judged accounts): ``P(X >= c)``, ``X ~
Binomial(k, q)``, below the Bonferroni bar over the anchors tested. The effect size is the
anchor's lead share: most of it must be leads (``lead_min_share``), since a public harness or SDK
is mostly ordinary customers, whatever a few of them do. (`coordination.py`'s ``min_lift``, a
ratio to the share outside the anchor, cannot apply here: where campaigns make up a tenth of the
accounts, leads outside any one anchor are common and the ratio can never exceed ``1 / q``. The
lift is still reported.) The group is the anchor's leads,
and it must harvest (the same bars as coordinated groups). The null model is the data at hand;
the one absolute level is the lead bar on the model's probability.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa

from distillguard.linking.coordination import (
    PIPELINE_FACETS,
    CoordinatedGroup,
    CoordinationParams,
    _log10_binom_sf,
    harvests,
    lift_outside,
)


class LeadCohortFinding:
    """Declaration of this finding (cases in cohorts.cases.yaml beside this file)."""

    id = "DG-LNK-0002"
    version = 1
    name = "lead_cohort"
    role = "form"  # forms a campaign by itself; its members' own risk is each below the flag
    description = ("many accounts the account model finds mildly suspicious share one pipeline value (template, "
                   "wrapper, configuration or client) far beyond the run's rate of such accounts, and harvest")
    false_positives = (
        "A whole customer segment the model over-scores (a new coding harness whose every user looks "
        "harvest-shaped): mostly leads behind one client. The evidence names the anchor and the counts.",
        "The lead bar is a probability of the shipped model: a model the user trained elsewhere may "
        "need its own bar (`[coordination] lead_min_risk`).",
    )


ANCHOR_SQL = """
SELECT facet, value, count(*) AS k, count(*) FILTER (WHERE lead) AS c
FROM facets JOIN leads USING (account)
WHERE facet IN ({pipeline})
GROUP BY facet, value HAVING count(*) >= {min_k} AND count(*) <= {max_k}
   AND count(*) FILTER (WHERE lead) >= {min_k}
ORDER BY facet, value
"""


def lead_cohorts(facets: pa.Table, own_risk: np.ndarray, harvest: np.ndarray,
                 params: CoordinationParams | None = None, extraction: np.ndarray | None = None,
                 ) -> list[CoordinatedGroup]:
    """Groups of leads behind one pipeline value, beyond the run's lead rate, that harvest."""
    p = params or CoordinationParams()
    n = len(own_risk)
    lead = own_risk >= p.lead_min_risk
    total = int(lead.sum())
    if n < p.min_accounts or total < p.min_accounts or facets.num_rows == 0:
        return []
    con = duckdb.connect()
    con.register("facets", facets)
    con.register("leads", pa.table({"account": pa.array(np.arange(n), pa.int64()), "lead": pa.array(lead)}))
    pipeline = ", ".join(f"'{x}'" for x in PIPELINE_FACETS)
    anchors = con.sql(ANCHOR_SQL.format(pipeline=pipeline, min_k=p.min_accounts,
                                        max_k=max(p.min_accounts, int(p.max_anchor_share * n)))).to_arrow_table()
    if anchors.num_rows == 0:
        con.close()
        return []
    k = anchors["k"].to_numpy().astype(np.float64)
    c = anchors["c"].to_numpy().astype(np.float64)
    log10p = _log10_binom_sf(c, k, np.full(len(k), total / n))
    # the bar counts every anchor that could have been tested (those held by enough accounts)
    threshold = math.log10(p.alpha / max(anchors.num_rows, 1))
    lift = lift_outside(c, k, float(total), n)[1]  # reported, not a bar (see above)
    hit = np.flatnonzero((log10p <= threshold) & (c / k >= p.lead_min_share))
    groups = []
    facet = anchors["facet"].to_pylist()
    value = anchors["value"].to_pylist()
    for i in hit.tolist():
        members = con.sql("SELECT account FROM facets JOIN leads USING (account) WHERE lead AND facet = ? AND value = ? "
                          "ORDER BY account", params=[facet[i], value[i]]).fetchnumpy()["account"].astype(np.int64)
        if not harvests(harvest[members], extraction[members] if extraction is not None else None, p):
            continue
        h = float(np.mean(harvest[members]))
        coupled = [{"facet": "leads", "value": f"own risk >= {p.lead_min_risk:g}", "count": int(c[i]),
                    "expected": round(float(k[i] * total / n), 2), "log10p": round(float(log10p[i]), 1),
                    "lift": round(float(lift[i]), 1)}]
        groups.append(CoordinatedGroup(members, (facet[i], value[i]), coupled, float(log10p[i]), h, threshold,
                                       int(k[i])))
    con.close()
    return groups
