"""The linking stages, in detect's order: the account graph and its campaigns, campaigns of
accounts flagged alone, and coordination.

- `link_accounts`: token evidence, harness signatures and lock-step timing between judged
  accounts -> the account graph -> campaigns (the `linking` stage).
- `link_flagged_alone`: after the first verdicts, accounts flagged alone that share a harness
  become one campaign, and leads that work exactly like its members join it (untimed, between
  `decide` and `coordination`).
- `coordinate`: groups that act as one beyond chance, whatever their members' own risk
  (`coordination.py`; the `coordination` stage).
- `resolve_operators` (`operators.py`; the `operators` stage): every campaign so far regrouped so
  that one campaign is one operator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.fingerprints import signatures
from distillguard.fingerprints.signature import similarity as signature_similarity
from distillguard.linking.behaviour import behaviour_edges, behaviour_profiles, ordinary_ties
from distillguard.linking.cohorts import lead_cohorts
from distillguard.linking.campaigns import Campaign, CampaignParams, content_campaigns, find_campaigns, recruit_leads
from distillguard.linking.resends import Resends
from distillguard.linking.coordination import (
    account_facets,
    coordinated_groups,
    coordination_campaigns,
    declared_orgs,
    exchange_counts,
    extraction_shares,
    fingerprint_column,
    join_units,
    merge_groups,
)
from distillguard.linking.evidence import account_tokens
from distillguard.linking.graph import AccountGraph, account_index, build_graph, with_edges
from distillguard.linking.timing import activity_matrix, lockstep_edges, signature_edges
from distillguard.linking.wrappers import wrapper_clusters


def link_accounts(engine, fp: pa.Table, active: np.ndarray, own_risk: np.ndarray,  # type: ignore[no-untyped-def]
                  params: CampaignParams, partner=None) -> tuple[AccountGraph, list[Campaign], pa.Table]:
    """The graph over the judged accounts `active`, the campaigns found in it, and the tokens behind it.

    Signature and lock-step edges are computed only for pairs that touch the most suspicious
    accounts (own risk at or above `params.pair_quantile` of all; the shipped 0.8: a fifth). The
    graph's token cap, fan-out and degree cap are `params`' too. `partner`: partner evidence
    (issue 19) adds its `partner_indicator` tokens (`linking/partner.py`).
    """
    active_ids = pa.array(active.tolist(), pa.string())
    tokens = account_tokens(engine, active_ids)
    if partner is not None:  # partner evidence (issue 19): partner_indicator tokens
        tokens = partner.with_tokens(tokens)
    suspicious = np.flatnonzero(own_risk >= np.quantile(own_risk, params.pair_quantile)) if len(own_risk) \
        else np.empty(0, int)
    sig_ids, sig_matrix = signatures(fp, engine.sql("SELECT account_id, template_id FROM exchange_templates"))
    aligned = np.zeros((len(active), sig_matrix.shape[1]), dtype=sig_matrix.dtype)
    rows = account_index(active_ids, np.asarray(sig_ids.to_pylist(), dtype=object))
    aligned[rows >= 0] = sig_matrix[rows[rows >= 0]]
    extra = {"signature": signature_edges(aligned, suspicious, signature_similarity)}
    # token evidence once; its pairs are the lock-step candidates
    cap = max(params.token_min_cap, int(params.token_max_share * len(active)))
    base = build_graph(tokens, active, max_token_accounts=cap, fanout=params.fanout,
                       max_degree=params.max_degree or None)
    ci, cj = base.total.nonzero()
    activity = activity_matrix(engine, active)
    extra["lockstep"] = lockstep_edges(activity, ci, cj, suspicious)
    graph = with_edges(base, extra)
    return graph, find_campaigns(graph, own_risk, params), tokens


def link_flagged_alone(fp: pa.Table, active: np.ndarray, graph: AccountGraph, campaigns: list[Campaign],
                       decision: Any, own_risk: np.ndarray, params: CampaignParams,
                       lead_risk: np.ndarray | None = None, held_back: np.ndarray | None = None,
                       ) -> tuple[AccountGraph, list[Campaign], np.ndarray, np.ndarray]:
    """Campaigns of accounts that `decision` flagged outside any campaign, joined by behaviour.

    Accounts flagged alone that share a harness become one campaign for the analyst; leads
    (some suspicion of their own, no verdict) that work exactly like its members join it.
    Returns the graph (with its `behaviour` edges), every campaign so far, each account's
    request-configuration key ("" unless two or more were flagged alone) and the flagged-alone
    accounts. `lead_risk`: the risk leads are chosen by (`recruit_leads`; default `own_risk`).
    `held_back` (a boolean mask): accounts kept below the flag only for sending too few exchanges
    (`decisions.policy.held_back`); each joins the campaign it is tied to, none forms one.
    """
    alone = np.flatnonzero(decision.flagged & (decision.campaign_of < 0))
    few = np.empty(0, dtype=np.int64) if held_back is None else \
        np.flatnonzero(np.asarray(held_back, dtype=bool) & ~decision.flagged & (decision.campaign_of < 0))
    config_keys = np.full(len(active), "", dtype=object)
    extra_campaigns = []
    if len(alone) >= 2:
        profiles, config_keys = behaviour_profiles(fp, active)
        behaviour = behaviour_edges(profiles, config_keys, np.union1d(alone, few),
                                    max_key_share=params.behaviour_max_key_share,
                                    min_similarity=params.behaviour_min_similarity)
        graph = with_edges(graph, {"behaviour": behaviour})
        profiled = sent_at_least(fp, active, params.found_min_exchanges)
        extra_campaigns = content_campaigns(graph, alone, own_risk, params, joiners=few, profiled=profiled,
                                            ordinary=_ordinary_ties(profiles, config_keys, decision, few, profiled,
                                                                    params))
        grouped = np.zeros(len(active), dtype=bool)
        for c in extra_campaigns:
            grouped[c.members] = True
        unjudged = np.flatnonzero(~decision.flagged & (decision.campaign_of < 0) & ~grouped)
        graph, extra_campaigns = recruit_leads(graph, extra_campaigns, profiles, config_keys, unjudged, own_risk,
                                               behaviour, params, lead_risk)
    if extra_campaigns:
        campaigns = campaigns + extra_campaigns
    return graph, campaigns, config_keys, alone


def _ordinary_ties(profiles: np.ndarray, keys: np.ndarray, decision: Any, few: np.ndarray,
                   profiled: np.ndarray | None, params: CampaignParams):  # type: ignore[no-untyped-def]
    """`ordinary(joiners, members)` for `content_campaigns`, None when off. The null population: accounts
    no campaign holds, not flagged, not themselves joiners, that sent fewer than `found_min_exchanges`."""
    if params.joiner_ordinary_accounts <= 0 or profiled is None:
        return None
    outside = ~decision.flagged & (decision.campaign_of < 0) & ~profiled
    outside[few] = False
    pool = np.flatnonzero(outside)

    def ordinary(joiners: np.ndarray, members: np.ndarray) -> np.ndarray:
        return ordinary_ties(profiles, keys, members, joiners, pool, min_share=params.joiner_ordinary_share,
                             min_accounts=params.joiner_ordinary_accounts,
                             min_similarity=params.behaviour_min_similarity)
    return ordinary


def sent_at_least(fp: pa.Table, active: np.ndarray, min_exchanges: int) -> np.ndarray | None:
    """Per account of `active`: sent at least `min_exchanges` exchanges (None when every account counts)."""
    sent = exchange_counts(fp, active) if min_exchanges > 1 else None
    return None if sent is None else sent >= min_exchanges


def unused_accounts(engine, active: np.ndarray, until_us: int | None = None) -> pa.Table:  # type: ignore[no-untyped-def]
    """(account_id, signup_day, email_domain, payment) of the registered accounts (the accounts table)
    that sent no exchange the run sees (`active` are those that did), signed up before `until_us` when
    given; the first record of each, as the fingerprints read it. Empty without an accounts table."""
    empty = pa.table({"account_id": pa.array([], pa.string()), "signup_day": pa.array([], pa.string()),
                      "email_domain": pa.array([], pa.string()), "payment": pa.array([], pa.string())})
    cols = set(engine.sql("SELECT * FROM accounts LIMIT 0").schema.names)   # the store always has the view
    if not {"account_id", "created_at", "email_domain", "payment_fingerprint"} <= cols:
        return empty
    engine.register("_unused_active", pa.table({"account_id": pa.array(active.tolist(), pa.string())}))
    try:
        before = "" if until_us is None else f"AND (created_at IS NULL OR epoch_us(created_at) < {int(until_us)})"
        order = "created_at, source_row" if "source_row" in cols else "created_at"
        t = engine.sql(f"""SELECT account_id, created_at, email_domain, payment_fingerprint FROM (
              SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY {order}) AS rk FROM accounts
              WHERE account_id IS NOT NULL) a
            WHERE rk = 1 {before} AND account_id NOT IN (SELECT account_id FROM _unused_active)
            ORDER BY account_id""")
    finally:
        engine.unregister("_unused_active")
    created = t["created_at"]
    day = pc.strftime(created, "%Y-%m-%d").combine_chunks() if created.null_count < len(created) \
        else pa.nulls(len(created), pa.string())
    return pa.table({"account_id": t["account_id"].cast(pa.string()), "signup_day": day,
                     "email_domain": t["email_domain"].cast(pa.string()),
                     "payment": t["payment_fingerprint"].cast(pa.string())})


def facets_of(engine, fp: pa.Table, active: np.ndarray, tokens: pa.Table,  # type: ignore[no-untyped-def]
              config_keys: np.ndarray | None, settings) -> pa.Table:
    """Every judged account's facets (`coordination.account_facets`), for coordination and `operators`.

    `config_keys`: each account's request-configuration key, or None to derive it here.
    """
    keys = behaviour_profiles(fp, active)[1] if config_keys is None else config_keys
    return account_facets(tokens, fp, active, keys, settings.coordination,
                          wrappers=wrapper_clusters(engine, active, settings.wrappers))


def coordinate(engine, fp: pa.Table, active: np.ndarray, facets: pa.Table,  # type: ignore[no-untyped-def]
               campaigns: list[Campaign], templates: pa.Table,
               settings, full_tie_strength: float, own_risk: np.ndarray | None = None,
               set_aside: list | None = None, harvest: np.ndarray | None = None,
               extraction: np.ndarray | None = None, orgs: np.ndarray | None = None,
               resends: Resends | None = None) -> list[Campaign]:
    """`campaigns` with the coordinated groups among `active` found, merged and joined in.

    Groups that act as one beyond chance, whatever their members' own risk (no gate).
    `facets`: every account's facets (`facets_of`);
    `templates`: the mined templates (their skeletons name a shared template in the evidence);
    `settings`: the run's `Settings` (its `coordination` and `wrappers` sections); `own_risk`: the
    account model's probability per account from our own traffic (before any partner prior), for lead
    cohorts (`cohorts.py`; None: none looked for);
    `set_aside`: receives the groups that were organisations' seats (`outputs.tables.organisations_table`),
    for review; `harvest`, `extraction`: each account's harvest and extraction shares when the caller
    already has them (None: read from `fp` here); `orgs`: each account's declared organisation when
    the caller already has it (None: read from `engine`); `resends`: the run's resent requests
    (`resends.Resends`; None: not looked at).
    """
    cp = settings.coordination
    harvest = fingerprint_column(fp, active, "harvest_share") if harvest is None else harvest
    extraction = extraction_shares(fp, active) if extraction is None else extraction
    if cp.max_org_seat_share > 1.0:
        orgs = None
    elif orgs is None:
        orgs = declared_orgs(engine, active)
    groups = coordinated_groups(facets, harvest, cp, extraction=extraction, orgs=orgs, set_aside=set_aside,
                                own_risk=own_risk, resends=resends)
    crowds = [g for g in groups if g.crowd]   # a crowd at one event forms no campaign (DG-LNK-0001 v15): for review
    groups = [g for g in groups if not g.crowd]
    if set_aside is not None:
        set_aside += crowds
    if own_risk is not None and cp.leads:
        # what a cohort may not claim: accounts already grouped, a crowd's too (a cohort behind its network or
        # its starter prompt would be the crowd again)
        taken = np.zeros(len(active), dtype=bool)
        for members in [g.members for g in groups + crowds] + [c.members for c in campaigns]:
            taken[members] = True
        # exchanges per account (a lead has sent lead_min_exchanges); without the column, every account counts
        sent = exchange_counts(fp, active)
        groups += lead_cohorts(facets, own_risk, harvest, cp, extraction=extraction, taken=taken,
                               orgs=orgs, set_aside=set_aside, exchanges=sent, resends=resends)
    units = merge_groups(groups, len(active), cp.merge_min_jaccard, cp.min_accounts, cp.merge_rate_span)
    groups = join_units(units, facets, len(active), cp.join_min_share, cp.max_common, cp.join_min_jaccard)
    skeletons = dict(zip(templates["template_id"].to_pylist(), templates["skeleton"].to_pylist(), strict=True)) \
        if templates.num_rows else {}
    return coordination_campaigns(campaigns, groups, active, full_tie_strength, skeletons)
