"""Partner-indicator evidence: accounts that carry indicators a partner provider shared (issue 19).

`distillguard match` writes `partner_sightings.csv` (one row per account, partner campaign
and kind); `detect --partner-matches FILE` reads it here. The evidence does two things:

1. **tokens** (kind ``partner_indicator``): accounts that carry one partner campaign's (or
   operator's) indicators strongly enough share a token, so the account graph links them
   the way it links a shared payment instrument; it is *not* an operator kind, so it never
   confirms a campaign by itself.
2. **risk prior**: ``prior = lift * score``, where ``score`` sums per-kind weights (each scaled
   by how many distinct values matched, up to ``cap``; a weak kind also by the share of its local
   matches that a strong kind of the same partner group corroborates, version 3), combines with the account's own risk as
   independent evidence (``combine = "noisy_or"``: ``1 - (1 - own) * (1 - prior)``; version 1
   took the larger of the two, ``combine = "max"``). The partner saw other traffic on another
   service, so its word and ours are two observations, and an account we half suspect that also
   carries a partner's indicators is more suspect than either says alone. With no own risk the
   two rules agree, so nothing a partner shares flags an account by itself that it did not before.

The partner's lower-confidence tier (tier "flagged": operator values of accounts it flagged
outside any campaign) counts each kind at ``tier_factors["flagged"]`` of its weight and never
gives a token (nothing says one operator runs those accounts).

Declared like the other evidence kinds (id, version, role, description, false positives, and
`partner.cases.yaml` beside this file). The weights are engineering defaults chosen before any
benchmark (not tuned): a payment instrument or TLS fingerprint the partner saw used only by a
campaign is strong; addresses are strong only several at a time (residential proxy exits are
real households, later reused); networks, ASNs, user agents, configurations, e-mail domains,
templates and behaviour sketches only add up.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from distillguard.errors import ConfigError, InputError
from distillguard.linking.evidence import KINDS, EvidenceKind

EVIDENCE_KIND = "partner_indicator"
# Why 0.75 (derived, not tuned; the fit playbook worlds, seeds 7650/7651, export an empty tier
# because A flags no account outside a campaign there, so no world could choose it): with
# lift 0.9 and a 0.5 flag threshold, one card from the tier (0.6 * f) must stay below the flag
# on its own (f < 0.93) while a card and one address of the tier together reach it (f >= 0.74).
FLAGGED_FACTOR = 0.75


@dataclass(frozen=True)
class PartnerSettings:
    """Weights per matched kind (score contribution at `cap` distinct values) and the thresholds.

    The shipped values are the `[partner]` section of `settings.toml` (`detect --config` overrides
    them); the defaults here equal that file.
    """

    weights: dict[str, float] = field(default_factory=lambda: {
        "payment": 0.6, "tls_fingerprint": 0.3, "account": 0.3, "ip": 0.45, "template": 0.25,
        "ip_prefix": 0.1, "user_agent": 0.1, "configuration": 0.1, "behaviour": 0.1, "email_domain": 0.05, "asn": 0.05})
    caps: dict[str, int] = field(default_factory=lambda: {"ip": 3, "ip_prefix": 3, "template": 2})
    # The partner's lower-confidence tier ("flagged": values of accounts it flagged outside any
    # campaign) counts each kind at this share of its weight, and never gives a graph token
    # (nothing says one operator runs those accounts). See `FLAGGED_FACTOR`.
    tier_factors: dict[str, float] = field(default_factory=lambda: {"flagged": FLAGGED_FACTOR})
    token_min_score: float = 0.3   # an account joins its partner campaign's token from this score
    lift: float = 0.9              # risk prior = lift * score (a partner's word never reaches 1.0 alone)
    graph_weight: float = 1.0      # edge weight of a shared partner token (as KINDS' weights)
    combine: str = "noisy_or"      # prior with own risk: "noisy_or" (independent evidence) or "max" (version 1)
    # A weak kind (full weight below token_min_score) counts in the risk prior at the share of the
    # local accounts it matched for that partner group that a strong kind of the same group also
    # matched (version 3): the null model is our own population. False: at its full weight.
    corroborate: bool = True
    # The lower-confidence tier's values also count with each partner campaign the account carries
    # indicators of (version 4): a card of the tier and an address of a campaign are, together, the
    # card and address the tier's factor was derived for. False: the tier is a group of its own
    # (version 3), and an account's best group alone makes its prior.
    tier_joins_campaigns: bool = True

    def __post_init__(self) -> None:
        if self.combine not in ("noisy_or", "max"):
            raise ConfigError(f"partner.combine must be 'noisy_or' or 'max', got {self.combine!r}")
        for name in ("weights", "tier_factors"):
            bad = sorted(k for k, v in getattr(self, name).items() if not 0 <= v <= 1)
            if bad:
                raise ConfigError(f"partner.{name}: {', '.join(bad)} must be in [0, 1]")
        if any(v < 1 for v in self.caps.values()):
            raise ConfigError("partner.caps: every cap must be at least 1")


class PartnerIndicator:
    """Accounts carrying indicators of one partner campaign: tokens for the graph and a risk prior."""

    id = "DG-EVD-0100"
    # 4: the flagged tier's values count with each partner campaign the account also carries
    # 3: a weak kind's weight in the prior is the share of its local matches a strong kind corroborates
    # 5: the holds on a verdict alone lift only where the partner's word reaches token_min_score (`standing`)
    version = 5  # 2: noisy-or with own risk; the partner's lower-confidence "flagged" tier
    name = EVIDENCE_KIND
    role = "join"  # may join accounts to a group and raise their risk; never forms a campaign alone
    description = "carries indicators a partner provider shared for one campaign"
    false_positives = (
        "Residential proxy exits are real households: an address a partner saw in a campaign may later "
        "belong to a customer (hence several addresses are needed for a strong score).",
        "Public harness and benchmark templates: evaluation runners and researchers send them too "
        "(templates only add up with other kinds; `match` drops templates that hit many local accounts).",
        "A partner's false positive becomes yours: a bundle is evidence to corroborate, not a verdict.",
        "The partner's flagged tier holds accounts it flagged with nothing to corroborate them (no campaign): "
        "its values count at three quarters, so one of them alone never flags an account.",
        "Combined with own risk: an account we half suspect for other reasons (a heavy but honest evaluation "
        "job) that also shares a public template with a partner's campaign can cross the flag threshold; "
        "since version 3 only as far as the template's local matches are the accounts on the partner's "
        "cards, addresses or TLS fingerprints.",
        "Kept quiet since version 5: an account held below the flag for sending one exchange (or for barely "
        "harvesting) whose only partner match is a weak kind - fresh evasive pair 7808/7809: a researcher, own "
        "risk 0.53 from one request, carrying one behaviour sketch of a partner's campaign. The prior still "
        "raises its own risk; only a partner word of token_min_score or more lifts the hold.",
    )
    cases = Path(__file__).with_name("partner.cases.yaml")

    def __init__(self, settings: PartnerSettings | None = None) -> None:
        self.settings = settings or PartnerSettings()

    def scores(self, sightings: list[dict], shares: dict[tuple[str, str], float] | None = None
               ) -> dict[tuple[str, str], tuple[float, list[str]]]:
        """(account, partner group) -> (score in [0, 1], matched kinds).

        `shares`: (partner group, kind) -> the factor a kind's weight takes (`corroboration`); None: 1.
        """
        s = self.settings
        acc: dict[tuple[str, str], tuple[float, list[str]]] = {}
        for r in sightings:
            group = _group(r)
            kind = r["kind"]
            cap = s.caps.get(kind, 1)
            factor = s.tier_factors.get(_tier(r), 1.0)
            if shares is not None:
                factor *= shares.get((group, kind), 1.0)
            part = factor * s.weights.get(kind, 0.0) * min(int(r.get("values_matched") or 1), cap) / cap
            score, kinds = acc.get((r["account_id"], group), (0.0, []))
            acc[(r["account_id"], group)] = (min(1.0, score + part), sorted(set(kinds) | {kind}))
        return acc

    def tokens(self, sightings: list[dict]) -> pa.Table:
        """(account_id, kind, value) rows: one token per partner group an account carries strongly enough."""
        untiered = [r for r in sightings if _tier(r) == "campaign"]
        rows = sorted((a, g) for (a, g), (score, _) in self.scores(untiered).items()
                      if score >= self.settings.token_min_score)
        return pa.table({"account_id": pa.array([a for a, _ in rows], pa.string()),
                         "kind": pa.array([EVIDENCE_KIND] * len(rows), pa.string()),
                         "value": pa.array([g for _, g in rows], pa.string())})

    def corroboration(self, sightings: list[dict]) -> dict[tuple[str, str], float]:
        """(partner group, weak kind) -> the share of the accounts that kind matched for that group that a
        strong kind of the group also matched.

        A weak kind (a user agent, a behaviour sketch, a configuration: full weight below
        `token_min_score`) that many of our own customers carry says little about any one of them; one
        that mostly the accounts carrying the partner's cards, addresses or TLS fingerprints carry
        says what those do. The null model is our own population, as for the coordination facets.
        Strong kinds keep their weight (not listed).
        """
        s = self.settings
        strong = {k for k, w in s.weights.items() if w >= s.token_min_score}
        carriers: dict[tuple[str, str], set[str]] = {}
        for r in sightings:
            carriers.setdefault((_group(r), r["kind"]), set()).add(r["account_id"])
        backed: dict[str, set[str]] = {}   # per partner group: the accounts a strong kind matched
        for (g, kind), accts in carriers.items():
            if kind in strong:
                backed.setdefault(g, set()).update(accts)
        return {(g, kind): len(accts & backed.get(g, set())) / len(accts)
                for (g, kind), accts in carriers.items() if kind not in strong}

    def with_tier_in_campaigns(self, sightings: list[dict]) -> list[dict]:
        """`sightings` plus, per account, a copy of each of its flagged-tier rows in each partner
        campaign (or operator) group it carries (version 4).

        The tier lists values of accounts the partner flagged outside any campaign; an account on a
        card of the tier that also exits through one of a campaign's addresses carries both, and
        its prior should say so (the tier's factor was derived for a card and an address together).
        Each copy keeps its tier, so it counts at the tier's factor; kinds still cap within a group.
        """
        tier: dict[str, list[dict]] = {}
        groups: dict[str, set[str]] = {}
        for r in sightings:
            if _tier(r) == "flagged":
                tier.setdefault(r["account_id"], []).append(r)
            else:
                groups.setdefault(r["account_id"], set()).add(_group(r))
        extra = [{**r, "partner_campaign": g, "partner_operator": ""}
                 for a, rows in tier.items() for g in sorted(groups.get(a, ())) for r in rows]
        return sightings + extra

    def best_groups(self, sightings: list[dict]) -> dict[str, tuple[float, list[str], str]]:
        """account -> (score, matched kinds, partner group) of the group whose indicators it carries most,
        scored as the prior scores them (the flagged tier with each campaign, weak kinds corroborated)."""
        if self.settings.tier_joins_campaigns:
            sightings = self.with_tier_in_campaigns(sightings)
        best: dict[str, tuple[float, list[str], str]] = {}
        shares = self.corroboration(sightings) if self.settings.corroborate else None
        for (a, g), (score, kinds) in self.scores(sightings, shares).items():
            if score > best.get(a, (0.0, [], ""))[0]:
                best[a] = (score, kinds, g)
        return best

    def standing(self, sightings: list[dict], accounts: np.ndarray) -> np.ndarray:
        """Per account of `accounts`: whether the partner's word on it reaches `token_min_score` (version 5).

        From that score the partner links an account to its campaign (a graph token), and its word counts as
        evidence beyond the account's own traffic, as a campaign does: the holds on a verdict alone (too few
        exchanges, barely harvests) lift. Below it (a weak kind alone: one behaviour sketch many of our
        customers carry) the prior still raises own risk, and the holds stay."""
        best = self.best_groups(sightings)
        bar = self.settings.token_min_score
        return np.array([best.get(a, (0.0,))[0] >= bar for a in accounts.tolist()], dtype=bool)

    def risk_prior(self, sightings: list[dict], accounts: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per account of `accounts` (in order): the prior and a reason ('' when none)."""
        flagged_groups = {r["partner_campaign"] for r in sightings if _tier(r) == "flagged"}
        own_kinds: dict[tuple[str, str], set[str]] = {}   # (account, group) -> kinds of the group's own rows
        tier_kinds: dict[str, set[str]] = {}              # account -> kinds of its flagged-tier rows
        for r in sightings:
            own_kinds.setdefault((r["account_id"], _group(r)), set()).add(r["kind"])
            if _tier(r) == "flagged":
                tier_kinds.setdefault(r["account_id"], set()).add(r["kind"])
        best = self.best_groups(sightings)
        prior = np.zeros(len(accounts), dtype=np.float64)
        reasons = [""] * len(accounts)
        for i, a in enumerate(accounts.tolist()):
            if a in best:
                score, kinds, g = best[a]
                prior[i] = self.settings.lift * score
                if g in flagged_groups:
                    reasons[i] = f"carries indicators of accounts a partner flagged ({', '.join(kinds)})"
                    continue
                mine = sorted(own_kinds.get((a, g), set()))
                tier = sorted(tier_kinds.get(a, set()))
                reasons[i] = f"carries a partner's campaign indicators ({', '.join(mine)})" + (
                    f" and indicators of accounts it flagged ({', '.join(tier)})"
                    if tier and self.settings.tier_joins_campaigns else "")
        return prior, reasons


def _group(r: dict) -> str:
    """The partner group a sighting counts for: the partner's operator when it named one, else its campaign."""
    return r.get("partner_operator") or r["partner_campaign"]


def _tier(r: dict) -> str:
    """A sighting's tier: "campaign", or "flagged" (the partner's lower-confidence set); older files have none."""
    return r.get("tier") or "campaign"


def read_sightings(path: Path) -> list[dict]:
    """Rows of a `partner_sightings.csv` that `distillguard match` wrote."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise InputError(f"cannot read partner matches {path}: {exc.strerror}", path=str(path)) from exc
    need = {"account_id", "partner_campaign", "kind", "values_matched"}
    if rows and not need <= set(rows[0]):
        raise InputError(f"{path} lacks column(s) {', '.join(sorted(need - set(rows[0])))}",
                         hint="pass the partner_sightings.csv that `distillguard match` wrote", path=str(path))
    return rows


# Registered with the graph's evidence kinds so `build_graph` weighs and names its edges.
KINDS.setdefault(EVIDENCE_KIND, EvidenceKind(EVIDENCE_KIND, PartnerSettings().graph_weight,
                                              PartnerIndicator.description))


def combine_risk(own: np.ndarray, prior: np.ndarray, rule: str = "noisy_or") -> np.ndarray:
    """Own risk and a partner prior as one risk: independent evidence ("noisy_or") or the larger ("max")."""
    if rule == "max":
        return np.maximum(own, prior)
    if rule != "noisy_or":
        raise ValueError(f"unknown combine rule {rule!r} (noisy_or or max)")
    own, prior = np.clip(own, 0.0, 1.0), np.clip(prior, 0.0, 1.0)
    return own + prior * (1.0 - own)   # = 1 - (1 - own)(1 - prior); exactly `own` where there is no prior


class PartnerEvidence:
    """What `detect` holds during one run: the sightings and the evidence that reads them."""

    def __init__(self, path: Path, evidence: PartnerIndicator | None = None) -> None:
        self.path = path
        self.rows = read_sightings(path)
        self.evidence = evidence or PartnerIndicator()

    def use(self, settings: PartnerSettings) -> None:
        """Score with `settings` (the run's `[partner]` section) from now on."""
        self.evidence = PartnerIndicator(settings)

    def apply_risk(self, accounts: np.ndarray, own_risk: np.ndarray, own_reasons: list[str]) -> tuple[np.ndarray, list[str]]:
        """Own risk combined with the partner prior (`PartnerSettings.combine`), and the reasons."""
        prior, why = self.evidence.risk_prior(self.rows, accounts)
        raised = combine_risk(own_risk, prior, self.evidence.settings.combine)
        reasons = [("; ".join(p for p in (r, w) if p) if w and raised[i] > own_risk[i] else r)
                   for i, (r, w) in enumerate(zip(own_reasons, why, strict=True))]
        return raised, reasons

    def lift_holds(self, accounts: np.ndarray, our_risk: np.ndarray, own_risk: np.ndarray,
                   harvesting: np.ndarray | None, few: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The holds on a verdict alone (`harvesting` false, `few` true: `decisions.policy`) with those of the
        accounts whose own risk the prior raised *and* on which the partner's word stands
        (`PartnerIndicator.standing`) lifted: such indicators are evidence beyond the account's own traffic,
        as a campaign is. A weak kind alone raises own risk and leaves the holds (version 5)."""
        lifted = self.tied(accounts, our_risk, own_risk)
        return (None if harvesting is None else harvesting | lifted), (None if few is None else few & ~lifted)

    def tied(self, accounts: np.ndarray, our_risk: np.ndarray, own_risk: np.ndarray) -> np.ndarray:
        """Per account: the prior raised its own risk and the partner's word stands on it
        (`PartnerIndicator.standing`): it is tied to an operator a partner saw, evidence beyond its own traffic."""
        return (own_risk > our_risk) & self.evidence.standing(self.rows, accounts)

    def with_tokens(self, tokens: pa.Table) -> pa.Table:
        extra = self.evidence.tokens(self.rows)
        return pa.concat_tables([tokens, extra.cast(tokens.schema)]) if extra.num_rows else tokens
