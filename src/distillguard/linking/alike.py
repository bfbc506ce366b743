"""Accounts flagged alone that harvest alike (finding DG-LNK-0006): one group to review.

An operator that gives every account its own card, home line and wording, and sends through a public
harness with the SDK's default configuration, leaves nothing the account graph or the operators stage
can link: each account is flagged on its own traffic, and none is in a campaign. What its accounts
still share is the pipeline's output: they harvest the same set of capabilities with the same request
configuration. That alone is common (every harvesting bot on an SDK default looks alike), so it makes
a group only where it is the group's own: among the accounts in no campaign that harvest that set
with that configuration, most are flagged on their own. A customer population that harvests that
way (a lab's researchers, an eval vendor's runners) is mostly not flagged, so its few flagged accounts
make no group.

The group is listed as a campaign (`campaigns.json`, `formed_by` "alike") so that an analyst reviews
its accounts together; it flags and clears no one: every member was flagged on its own risk and keeps
it (tie 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.linking.campaigns import Campaign, campaign_id


class HarvestAlikeFinding:
    """Declaration of `harvest_alike` (cases in alike.cases.yaml beside this file)."""

    id = "DG-LNK-0006"
    version = 1
    name = "harvest_alike"
    role = "group"  # groups accounts already flagged on their own; flags and clears no one
    description = ("accounts flagged on their own traffic and in no campaign that harvest the same set of "
                   "capabilities with the same request configuration are listed as one group when there are at "
                   "least `alike_min_accounts` of them and they are at least `alike_own_share` of the accounts in "
                   "no campaign that harvest that set with that configuration")
    false_positives = (
        "Two operators that each leave nothing to link and harvest the same capabilities with the same "
        "configuration (an SDK default) come out as one group; every member's verdict is its own either way.",
        "Customers flagged on their own (false positives) that harvest alike and are most of those who harvest "
        "that way outside campaigns (a small team of an eval vendor) come out as a group: the group adds no "
        "flag, but it reads as more than it is. Its summary says that no operator evidence links it.",
        "Missed on purpose: an operator's accounts flagged alone that are fewer than `alike_min_accounts` per "
        "capability set and configuration, or are outnumbered by customers who harvest that way unflagged.",
    )


KEY_FACETS = ("target", "config")


@dataclass(frozen=True)
class AlikeGroup:
    target: str
    config: str
    members: np.ndarray   # account indices, sorted
    holders: int          # accounts in no campaign that hold both values


def alike_groups(facets: pa.Table, n: int, in_campaign: np.ndarray, alone: np.ndarray, min_accounts: int,
                 own_share: float) -> list[AlikeGroup]:
    """The groups of `harvest_alike` (largest first, then by key): `in_campaign` and `alone` are masks over
    the `n` accounts (in some campaign; flagged on its own)."""
    keyed, free = {}, ~in_campaign
    for facet in KEY_FACETS:   # an account holds at most one value of each (facets_of)
        t = facets.filter(pc.equal(facets["facet"], facet))
        at = t["account"].to_numpy()
        keyed[facet] = np.full(n, None, dtype=object)
        keyed[facet][at] = np.asarray(t["value"].to_pylist(), dtype=object)
        held = np.zeros(n, dtype=bool)
        held[at] = True
        free = free & held
    idx = np.flatnonzero(free)
    holders: dict[tuple[str, str], int] = {}
    members: dict[tuple[str, str], list[int]] = {}
    for i in idx.tolist():
        key = (keyed["target"][i], keyed["config"][i])
        holders[key] = holders.get(key, 0) + 1
        if alone[i]:
            members.setdefault(key, []).append(i)
    out = [AlikeGroup(t, c, np.array(sorted(m), dtype=np.int64), holders[(t, c)])
           for (t, c), m in members.items() if len(m) >= min_accounts and len(m) >= own_share * holders[(t, c)]]
    return sorted(out, key=lambda g: (-len(g.members), g.target, g.config))


def harvest_alike(campaigns: list[Campaign], facets: pa.Table, account_ids: np.ndarray, alone: np.ndarray,
                  own_risk: np.ndarray, min_accounts: int = 5, own_share: float = 0.5) -> list[Campaign]:
    """`campaigns` and, after them, one campaign per group of accounts flagged on their own (`alone`, a mask)
    and in no campaign that harvest alike (`alike_groups`). Each member keeps its own risk (strength 0);
    the campaign's risk is its members' mean own risk; `stats["alike"]` says what they share."""
    n = len(account_ids)
    if facets.num_rows == 0 or n == 0:
        return campaigns
    in_campaign = np.zeros(n, dtype=bool)
    for c in campaigns:
        in_campaign[c.members] = True
    alone = np.asarray(alone, dtype=bool) & ~in_campaign
    if alone.sum() < min_accounts:
        return campaigns
    out = list(campaigns)
    for g in alike_groups(facets, n, in_campaign, alone, min_accounts, own_share):
        risk = float(np.mean(own_risk[g.members]))
        text = (f"{len(g.members)} accounts, each flagged on its own traffic, harvest {g.target.replace('+', ', ')} "
                f"with request configuration {g.config} (max_tokens|temperature); of the {g.holders} accounts in no "
                f"campaign that harvest that set with that configuration, {len(g.members)} are these")
        out.append(Campaign(campaign_id(account_ids[g.members].tolist()), g.members, risk, 0.0, risk, {},
                            np.zeros(len(g.members)),
                            stats={"alike": {"accounts": len(g.members), "holders": g.holders, "target": g.target,
                                             "config": g.config, "text": text}}))
    return out
