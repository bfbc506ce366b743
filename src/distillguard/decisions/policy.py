"""The decision policy: how an account's own risk and its campaign combine into a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from distillguard.linking.campaigns import Campaign
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
            "settings": settings}
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


def decide(own_risk: np.ndarray, own_reasons: list[str], campaigns: list[Campaign], policy: Policy) -> Decision:
    n = len(own_risk)
    risk = own_risk.astype(np.float64) * policy.unlinked_weight
    campaign_of = np.full(n, -1, dtype=np.int64)
    campaign_reason = [""] * n
    for ci, c in enumerate(campaigns):
        tie = np.clip(c.strength / policy.full_tie_strength, 0.0, 1.0)
        lifted = np.maximum(own_risk[c.members], c.risk * tie)
        risk[c.members] = lifted
        campaign_of[c.members] = ci
        kinds = sorted(c.evidence, key=lambda k: -c.evidence[k])[:3]
        parts = c.stats.get("coordination_parts")
        shared = ", ".join(explain_short(parts) if k == "coordination" and parts else KINDS[k].description
                           for k in kinds) or "coordinated behaviour"
        for m in c.members.tolist():
            campaign_reason[m] = f"linked to {len(c.members) - 1} other accounts in campaign {c.campaign_id} ({shared})"
        for m in c.recruited.tolist():
            campaign_reason[m] = (f"works like the accounts of campaign {c.campaign_id}: its request configuration "
                                  f"and a near-identical behaviour profile (joined on behaviour, not on its own risk)")
    risk = np.clip(risk, 0.0, 1.0)
    flagged = risk >= policy.flag_threshold
    reasons = []
    for i in range(n):
        parts = [p for p in (campaign_reason[i], own_reasons[i]) if p]
        reasons.append("; ".join(parts) if (flagged[i] or campaign_of[i] >= 0 or risk[i] >= 0.3) else "")
    return Decision(risk, flagged, campaign_of, reasons)
