"""The serve policy file (TOML): what the scoring service does with a risk and a campaign.

Every field is documented here and exercised by ``tests/serve/test_policy.py``; an unknown key
is an error, so a typo cannot pass. Load with `load_policy(path)`; `Policy()` is the default.

Decision order for one request:

1. an account on the ``allowlist`` is never acted on (decision ``allow``);
2. a campaign with an entry under ``[campaigns."<id>"]`` uses that entry's actions; any other
   campaign (known from the results, or recognised inline) uses ``[campaigns."*"]`` if given;
3. otherwise the first band (highest ``min_risk`` first) whose ``min_risk`` <= risk gives the actions;
4. ``shadow = true`` turns every decision into ``allow``, keeping what it would have done in
   ``would`` and in the audit log.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from distillguard.errors import ConfigError

Action = Literal["allow", "log", "throttle", "verify", "strip_reasoning", "cap_max_tokens", "block"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
# What the gateway does first when several actions apply: a denial wins over a change.
SEVERITY = {"allow": 0, "log": 1, "cap_max_tokens": 2, "strip_reasoning": 3, "throttle": 4, "verify": 5,
            "block": 6}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """A risk band: requests of accounts with risk >= min_risk get these actions."""

    min_risk: float = Field(ge=0.0, le=1.0, description="Lower bound of the band (inclusive), in [0, 1].")
    actions: list[Action] = Field(min_length=1, description="Actions applied in this band.")


class CampaignRule(_Strict):
    """Actions for the accounts of one campaign (or of any campaign, under the key ``*``)."""

    actions: list[Action] = Field(min_length=1, description="Actions for this campaign's accounts.")
    min_risk: float = Field(0.0, ge=0.0, le=1.0,
                            description="Apply only when the account's risk is at least this.")


class Throttle(_Strict):
    """Per-account token bucket used by the ``throttle`` action."""

    rate_per_minute: float = Field(6.0, gt=0, description="Requests per minute an account may sustain.")
    burst: int = Field(3, ge=1, description="Requests an account may send at once before it waits.")


class Verify(_Strict):
    """The ``verify`` action denies with this reason code; the gateway maps it to a verification flow."""

    reason_code: str = Field("verification_required", min_length=1, description="Reason code returned.")


class Cap(_Strict):
    """The ``cap_max_tokens`` action lowers max_tokens (and thinking budgets) to this."""

    max_tokens: int = Field(1024, ge=1, description="Largest max_tokens a capped request keeps.")


class Budget(_Strict):
    """Time budget of one decision, and what to do when it is exceeded or scoring fails."""

    time_ms: float = Field(20.0, gt=0, description="Decision time budget in milliseconds.")
    on_timeout: Literal["allow", "block"] = Field(
        "allow", description="allow = fail open, block = fail closed when the budget is exceeded.")
    on_error: Literal["allow", "block"] = Field(
        "allow", description="allow = fail open, block = fail closed when scoring raises.")
    on_overload: Literal["allow", "throttle"] = Field(
        "allow", description="Over limits.max_inflight requests at once: allow = answer allow (degraded) "
                             "without scoring, throttle = answer 429 with Retry-After: 1.")


class Scoring(_Strict):
    """Weights of the inline evidence (a request's risk is 1 - prod(1 - weight x purity))."""

    template: float = Field(0.75, ge=0, le=1, description="A prompt-template segment of a known campaign.")
    config: float = Field(0.5, ge=0, le=1, description="The campaign's request configuration vector.")
    client_stack: float = Field(0.3, ge=0, le=1, description="The campaign's client stack (User-Agent).")
    ip: float = Field(0.4, ge=0, le=1, description="An address the campaign used (in-process path only).")
    harvest: float = Field(0.5, ge=0, le=1, description="Mean harvest score of the account's recent requests, "
                                                        "times this.")
    harvest_min_requests: int = Field(5, ge=1, description="Classified requests needed before harvest counts.")
    harvest_sample: float = Field(1.0, ge=0, le=1, description="Share of requests sent to the classifier.")
    rate: float = Field(0.3, ge=0, le=1, description="Weight of a request rate above rate_per_minute_high.")
    rate_per_minute_high: float = Field(120.0, gt=0, description="Requests per minute that count as bulk.")
    campaign_min_risk: float = Field(0.7, ge=0, le=1,
                                     description="Inline risk from one campaign's evidence at which the "
                                                 "account is treated as that campaign's.")
    results_weight: float = Field(1.0, ge=0, le=1, description="Weight of the batch run's risk for known accounts.")


class Signatures(_Strict):
    """How campaign signatures are built from the store (a null model over all accounts)."""

    min_accounts: int = Field(2, ge=1, description="Campaign accounts that must share a token.")
    min_purity: float = Field(0.9, gt=0, le=1, description="Share of a token's accounts that must be members.")
    sample_per_account: int = Field(64, ge=1, description="Exchanges read per account from the store.")


class Limits(_Strict):
    """Request limits of the HTTP service."""

    max_body_bytes: int = Field(1_000_000, ge=1024, description="Larger bodies get 413.")
    max_batch: int = Field(10_000, ge=1, description="Most exchanges one /v1/observe call may carry.")
    max_reason_chars: int = Field(300, ge=16, description="Reasons are cut to this many characters.")
    max_inflight: int = Field(256, ge=1, description="Requests handled at once before the service sheds load.")
    max_lag_ms: float = Field(100.0, gt=0, description="Smoothed event-loop lag (queueing) above which new "
                                                       "requests are shed without scoring.")


class Policy(_Strict):
    """The whole policy file."""

    version: str = Field("default", min_length=1, description="Name of this policy, echoed as policy_version.")
    shadow: bool = Field(False, description="Decide and log, never act.")
    bands: list[Band] = Field(default_factory=lambda: [
        Band(min_risk=0.9, actions=["block"]),
        Band(min_risk=0.7, actions=["throttle", "strip_reasoning"]),
        Band(min_risk=0.4, actions=["log"]),
    ], description="Risk bands, any order; the highest matching min_risk wins.")
    campaigns: dict[str, CampaignRule] = Field(default_factory=dict, description="Per-campaign overrides; "
                                               "key '*' means any campaign.")
    allowlist: list[str] = Field(default_factory=list, description="Accounts that are never acted on.")
    throttle: Throttle = Field(default_factory=Throttle, description="The throttle action's token bucket.")
    verify: Verify = Field(default_factory=Verify, description="The verify action's reason code.")
    cap: Cap = Field(default_factory=Cap, description="The cap_max_tokens action's limit.")
    budget: Budget = Field(default_factory=Budget, description="Time budget and fail-open/closed.")
    scoring: Scoring = Field(default_factory=Scoring, description="Weights of inline evidence.")
    signatures: Signatures = Field(default_factory=Signatures, description="Signature building.")
    limits: Limits = Field(default_factory=Limits, description="HTTP limits.")

    @field_validator("bands")
    @classmethod
    def _sorted(cls, bands: list[Band]) -> list[Band]:
        return sorted(bands, key=lambda b: -b.min_risk)

    @model_validator(mode="after")
    def _allow_alone(self) -> Policy:
        for where, actions in [("bands", a.actions) for a in self.bands] + \
                              [(f"campaigns.{k}", v.actions) for k, v in self.campaigns.items()]:
            if "allow" in actions and len(actions) > 1:
                raise ValueError(f"{where}: 'allow' cannot be combined with other actions")
        return self

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.allowlist)

    def actions_for(self, risk: float, campaign_id: str | None) -> list[str]:
        """The actions for an account with this risk and campaign (before allowlist and shadow)."""
        if campaign_id:
            rule = self.campaigns.get(campaign_id) or self.campaigns.get("*")
            if rule is not None and risk >= rule.min_risk:
                return list(rule.actions)
        for band in self.bands:
            if risk >= band.min_risk:
                return list(band.actions)
        return ["allow"]


def load_policy(path: Path | None) -> tuple[Policy, str]:
    """Read and validate a policy file; returns the policy and a short hash of its bytes.

    Raises
    ------
    ConfigError
        The file is missing, is not TOML, or breaks the schema (one line naming the field).
    """
    if path is None:
        return Policy(), "default"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc.strerror}", path=str(path)) from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"policy file {path} is not valid TOML: {exc}", path=str(path)) from exc
    try:
        policy = Policy.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ConfigError(f"policy file {path}: {loc}: {first['msg']} ({exc.error_count()} problem(s))",
                          path=str(path), hint="see docs/serve.md for every field") from exc
    return policy, hashlib.sha256(raw).hexdigest()[:12]
