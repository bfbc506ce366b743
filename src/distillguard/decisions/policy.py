"""The decision policy: how an account's own risk and its campaign combine into a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from distillguard.linking.campaigns import Campaign, ties
from distillguard.linking.coordination import explain_short
from distillguard.linking.evidence import KINDS

if TYPE_CHECKING:
    from distillguard.settings import Settings

CLASSIFY_PER_ACCOUNT = 64


@dataclass(frozen=True)
class Policy:
    """The default operating point. `flag_threshold` applies to the final risk."""

    flag_threshold: float = 0.5
    # Share of its own risk an account keeps when no campaign ties it to others. With the
    # supervised account model (trained on labelled worlds) the own risk is a calibrated
    # probability and stands alone. The unsupervised score is not: evaluation runners and
    # researchers look like harvesters on their own, so without corroboration it stays a lead
    # for an analyst (halved, below the flag), not a verdict.
    unlinked_weight: float = 1.0
    unsupervised_unlinked_weight: float = 0.5
    account_model: Path | None = None
    use_account_model: bool = True  # False: the unsupervised score only (no labels anywhere)
    # A campaign lifts a member towards the campaign's risk in proportion to how strongly
    # the member is tied to the rest (internal edge weight; 2.0 = fully tied).
    full_tie_strength: float = 2.0
    # The classifier reads at most about this many exchanges of one account (a deterministic
    # sample by exchange id; None: every exchange). Its output is used per account (category
    # mix, harvest shares): 64 draws estimate a share within ~6 points, and the cost then
    # grows with accounts, not traffic (a campaign account sends thousands of exchanges).
    classify_per_account: int | None = CLASSIFY_PER_ACCOUNT
    # An account no campaign ties to others is flagged on its own only when at least this share of
    # its classified traffic extracts a capability or is scored as harvesting (`harvesting` in
    # `decide`); below it its risk is capped just under the flag: a lead for an analyst. The
    # pipeline exempts accounts a partner's indicators raised (evidence beyond their own traffic).
    lone_min_extraction: float = 0.15
    # An account no campaign ties to others is flagged on its own only when it has sent at least this
    # many exchanges (`too_few`); below it its risk is capped just under the flag, as above: one
    # request's category, configuration and score describe that request, not how the account works
    # (the lead bar's `[coordination] lead_min_exchanges`, for the same reason). The pipeline exempts
    # accounts a partner's indicators raised. 0 or 1 turns it off.
    lone_min_exchanges: int = 2
    # Whether the final verdict may flag an account that no campaign or group ties to another account
    # (`decide`'s `final`, the last verdicts). Distillation is one operator driving many accounts; an account that
    # harvests with nobody beside it is a lead for an analyst (risk capped just under the flag), unless a
    # partner's indicators tie it to an operator seen elsewhere. The first verdicts, from which
    # campaigns of accounts flagged alone form, still read its own risk.
    flag_lone: bool = False
    # Every other stage's thresholds (campaigns, coordination, wrappers); None: the shipped settings.
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> Policy:
        """The policy a settings object describes (settings.toml's [policy]), with `overrides`."""
        p = settings.policy
        values: dict[str, object] = {
            "flag_threshold": p.flag_threshold, "unlinked_weight": p.unlinked_weight,
            "unsupervised_unlinked_weight": p.unsupervised_unlinked_weight,
            "full_tie_strength": p.full_tie_strength, "classify_per_account": p.classify_per_account or None,
            "lone_min_extraction": p.lone_min_extraction, "lone_min_exchanges": p.lone_min_exchanges,
            "flag_lone": p.flag_lone, "settings": settings}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def stage_settings(self) -> Settings:
        from distillguard.settings import load_settings

        return self.settings or load_settings()


@dataclass
class Decision:
    risk: np.ndarray
    flagged: np.ndarray
    campaign_of: np.ndarray  # campaign index per account, -1 if none
    reasons: list[str]
    alone: np.ndarray  # held just below the flag because no campaign holds it (`final`, not `flag_lone`)


def decide(own_risk: np.ndarray, own_reasons: list[str], campaigns: list[Campaign], policy: Policy,
           harvesting: np.ndarray | None = None, few: np.ndarray | None = None,
           final: np.ndarray | None = None) -> Decision:
    """Final risk, flag, campaign and reasons per account.

    `harvesting` (optional, per account): whether its traffic extracts or harvests at least
    `policy.lone_min_extraction` (`lone_harvesting`). An account outside every campaign that does
    not is capped just below the flag: it harvests no capability, so it is no distillation
    account on its own, whatever its other traits. `few` (optional, per account): it sent fewer
    than `policy.lone_min_exchanges` exchanges (`too_few`); outside every campaign it is capped
    the same way: one request is too little of an account's own traffic for a verdict.
    `final` (optional, per account; the last verdicts only): the accounts that may be flagged outside
    every campaign (those a partner's indicators tie to an operator). Unless `policy.flag_lone`, every
    other account outside every campaign is capped just below the flag: it acts alone (a lead).
    """
    n = len(own_risk)
    risk = own_risk.astype(np.float64) * policy.unlinked_weight
    barely = np.zeros(n, dtype=bool) if harvesting is None else ~np.asarray(harvesting, dtype=bool)
    thin = np.zeros(n, dtype=bool) if few is None else np.asarray(few, dtype=bool)
    below = policy.flag_threshold - 0.01
    capped = (barely | thin) & (risk > below)
    risk[capped] = below
    campaign_of = np.full(n, -1, dtype=np.int64)
    campaign_reason = [""] * n
    for ci, c in enumerate(campaigns):
        tie = np.clip(c.strength / policy.full_tie_strength, 0.0, 1.0)
        lifted = np.maximum(own_risk[c.members], c.risk * tie)
        risk[c.members] = lifted
        campaign_of[c.members] = ci
        for m, text in zip(c.members.tolist(), _member_reasons(c), strict=True):
            campaign_reason[m] = text
        for m in c.made.tolist():   # made_together says on which values in the campaign's stats
            campaign_reason[m] = (f"made with the accounts of campaign {c.campaign_id}: it holds its own "
                                  f"{c.stats['made_together']['values']} (joined on how it was made, "
                                  f"not on its own risk)")
        if c.stats.get("alike"):   # a group of accounts flagged alone (DG-LNK-0006): each judged on its own
            alike = c.stats["alike"]
            for m in c.members.tolist():
                campaign_reason[m] = (f"one of {alike['accounts']} accounts flagged on their own traffic that harvest "
                                      f"alike ({alike['target'].replace('+', ', ')}, request configuration "
                                      f"{alike['config']}), listed as group {c.campaign_id}; no operator evidence "
                                      f"links them (judged on its own risk)")
        for m in c.recruited.tolist():
            campaign_reason[m] = (f"works like the accounts of campaign {c.campaign_id}: its request configuration "
                                  f"and a near-identical behaviour profile (joined on behaviour, not on its own risk)")
    alone = np.zeros(n, dtype=bool)   # outside every campaign, at the flag, on its own risk alone
    if final is not None and not policy.flag_lone:
        alone = ~np.asarray(final, dtype=bool) & (campaign_of < 0) & (risk > below) & ~capped
        risk[alone] = below
    risk = np.clip(risk, 0.0, 1.0)
    flagged = risk >= policy.flag_threshold
    reasons = []
    for i in range(n):
        lone = ""
        if capped[i] and campaign_of[i] < 0:
            lone = ("barely extracts or harvests: not flagged on its own" if barely[i] else
                    f"fewer than {policy.lone_min_exchanges} exchanges: not flagged on its own")
        elif alone[i]:
            lone = "no other account is tied to it: a lead, not flagged on its own"
        parts = [p for p in (campaign_reason[i], own_reasons[i], lone) if p]
        reasons.append("; ".join(parts) if (flagged[i] or campaign_of[i] >= 0 or risk[i] >= 0.3) else "")
    return Decision(risk, flagged, campaign_of, reasons, alone)


def _member_reasons(c: Campaign) -> list[str]:
    """Per member of `c`: what links it to the others, its own ties only (up to three kinds, the
    campaign's most common first; a coordinated group's coupling, the strongest group that holds it)."""
    kinds = sorted(c.evidence, key=lambda k: -c.evidence[k])
    tied = ties(c)
    held = {k: np.isin(c.members, tied[k]) for k in kinds if k in tied}
    parts = sorted(c.stats.get("coordination_parts") or [], key=lambda g: g.log10p)
    group = np.full(len(c.members), -1)   # per member: the strongest coordinated group that holds it
    for gi, g in enumerate(parts):
        group[(group < 0) & np.isin(c.members, g.members)] = gi
    coupling = [explain_short([g]) for g in parts]
    attached = np.isin(c.members, c.attached)
    others = len(c.members) - 1
    out = []
    for i in range(len(c.members)):
        mine = [k for k in kinds if k in held and held[k][i]][:3]
        if mine:
            shared = ", ".join(coupling[group[i]] if k == "coordination" and group[i] >= 0
                               else KINDS[k].description for k in mine)
            out.append(f"linked to {others} other accounts in campaign {c.campaign_id} ({shared})")
        elif attached[i]:
            out.append(f"joined campaign {c.campaign_id} ({others} other accounts): it holds most of the uncommon "
                       f"values its accounts share (judged on its own risk)")
        else:
            out.append(f"in campaign {c.campaign_id} with {others} other accounts, which are linked by "
                       f"{', '.join(KINDS[k].description for k in kinds[:3]) or 'coordinated behaviour'}; "
                       f"none of these links reaches this account itself")
    return out


def lone_harvesting(extraction: np.ndarray, harvest: np.ndarray, policy: Policy) -> np.ndarray:
    """Per account: at least `policy.lone_min_extraction` of its classified traffic is in extraction
    categories, or is scored as harvesting (0 turns the bar off: every account passes)."""
    floor = policy.lone_min_extraction
    return (np.asarray(extraction) >= floor) | (np.asarray(harvest) >= floor) | (floor <= 0)


def held_back(own_risk: np.ndarray, policy: Policy, harvesting: np.ndarray | None, few: np.ndarray | None
              ) -> np.ndarray | None:
    """Per account: kept below the flag outside a campaign only because it sent too few exchanges
    (`few`): its own risk reaches the flag and it harvests. Such an account may join a campaign of
    accounts flagged alone that it is tied to (`linking.run.link_flagged_alone`), never form one."""
    if few is None:
        return None
    ok = np.ones(len(own_risk), dtype=bool) if harvesting is None else np.asarray(harvesting, dtype=bool)
    return np.asarray(few, dtype=bool) & ok & (own_risk * policy.unlinked_weight >= policy.flag_threshold)


def below_harvest_floor(own_risk: np.ndarray, policy: Policy, harvesting: np.ndarray | None,
                        few: np.ndarray | None) -> np.ndarray:
    """Per account: kept below the flag outside a campaign only because it barely harvests (`harvesting`
    false): its own risk reaches the flag and it sent enough exchanges (not `few`). Such an account may
    attach to a campaign whose pipeline it runs (`linking.operators`, `attach_held_back`)."""
    if harvesting is None:   # no classifier: no harvest floor
        return np.zeros(len(own_risk), dtype=bool)
    out = (own_risk * policy.unlinked_weight >= policy.flag_threshold) & ~np.asarray(harvesting, dtype=bool)
    if few is not None:
        out &= ~np.asarray(few, dtype=bool)
    return out


def flagged_on_own(own_risk: np.ndarray, policy: Policy, harvesting: np.ndarray | None, few: np.ndarray | None
                   ) -> np.ndarray:
    """Per account: the verdict `decide` gives it outside every campaign, on its own risk: the risk
    reaches the flag, and it harvests (`harvesting`) and sent enough exchanges (not `few`)."""
    ok = own_risk * policy.unlinked_weight >= policy.flag_threshold
    if harvesting is not None:
        ok &= np.asarray(harvesting, dtype=bool)
    if few is not None:
        ok &= ~np.asarray(few, dtype=bool)
    return ok


def too_few(exchanges: np.ndarray | None, policy: Policy) -> np.ndarray | None:
    """Per account: it sent fewer than `policy.lone_min_exchanges` exchanges (None when the counts are not known)."""
    return None if exchanges is None else np.asarray(exchanges) < policy.lone_min_exchanges
