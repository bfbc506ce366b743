"""Score one request: risk from the batch run, inline campaign evidence, harvest score and rate.

A request's risk combines independent pieces of evidence as ``1 - prod(1 - r_i)``:

- the batch run's risk for the account (``accounts.csv``), times ``scoring.results_weight``;
- the strongest campaign whose signatures the account has sent so far (sticky per account):
  ``1 - prod(1 - weight_kind x purity_kind)`` over the kinds seen (template, config,
  client_stack, ip). This is what recognises a *new* account on its first requests;
- the moving average of the shipped classifier's harvest score over the account's recent
  requests (classified off the request path, see `HarvestWorker`), once enough are classified;
- a request rate above ``scoring.rate_per_minute_high``.

The campaign of a request is the batch run's, or else the inline one when its evidence alone
reaches ``scoring.campaign_min_risk``.
"""

from __future__ import annotations

import math
import queue
import random
import threading
from dataclasses import dataclass
from typing import Any

from distillguard.serve.knowledge import Knowledge
from distillguard.serve.policy import SEVERITY, Policy
from distillguard.serve.signatures import Tokens
from distillguard.serve.state import State

DENY = ("block", "verify", "throttle")


@dataclass(slots=True)
class Decision:
    """The answer for one request (the body of /v1/score)."""

    decision: str
    actions: list[str]
    risk: float
    campaign_id: str | None
    reasons: list[str]
    policy_version: str
    results_version: str
    account_id: str
    shadow: bool = False
    would: dict[str, Any] | None = None
    retry_after_s: int | None = None
    reason_code: str | None = None
    max_tokens: int | None = None
    degraded: bool = False
    timings_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = {"ok": True, "decision": self.decision, "actions": self.actions, "risk": round(self.risk, 4),
             "campaign_id": self.campaign_id, "reasons": self.reasons, "policy_version": self.policy_version,
             "results_version": self.results_version, "account_id": self.account_id, "shadow": self.shadow,
             "degraded": self.degraded}
        if self.would is not None:
            d["would"] = self.would
        if self.retry_after_s is not None:
            d["retry_after_s"] = self.retry_after_s
        if self.reason_code is not None:
            d["reason_code"] = self.reason_code
        if self.max_tokens is not None:
            d["max_tokens"] = self.max_tokens
        return d


def decision_of(actions: list[str]) -> str:
    """What the gateway does now: the most severe action, with strip/cap reported as `modify`."""
    if not actions:
        return "allow"
    top = max(actions, key=SEVERITY.__getitem__)
    return "modify" if top in ("strip_reasoning", "cap_max_tokens") else top


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class Scorer:
    """Turns a canonical request row into a `Decision`, updating the account's state."""

    def __init__(self, knowledge: Knowledge, policy: Policy, policy_version: str, state: State,
                 harvest: HarvestWorker | None = None) -> None:
        self.knowledge, self.policy, self.policy_version = knowledge, policy, policy_version
        self.state, self.harvest = state, harvest

    def inline_evidence(self, row: dict[str, Any]) -> list[tuple[str, str, float]]:
        hits = self.knowledge.index.match(Tokens.of(row))
        return [(cid, kind, p) for kind, d in hits.items() for cid, p in d.items()]

    def score(self, row: dict[str, Any], now: float) -> Decision:
        """Score one request (a canonical exchange row as a dict) at time `now` (epoch seconds)."""
        pol, sc, kn = self.policy, self.policy.scoring, self.knowledge
        acct = row["account_id"]
        tokens = int(row.get("max_tokens") or 0) + int(row.get("input_tokens") or 0)
        view = self.state.record(acct, now, tokens, self.inline_evidence(row))
        if self.harvest is not None:
            self.harvest.submit(acct, row)
        reasons: list[str] = []
        keep = 1.0
        verdict = kn.accounts.get(acct)
        campaign = verdict.campaign_id if verdict else None
        if verdict is not None and verdict.risk > 0:
            keep *= 1.0 - verdict.risk * sc.results_weight
            if verdict.flagged or verdict.campaign_id:
                reasons.append(_clip(f"batch run: risk {verdict.risk:.2f}"
                                     + (f", campaign {verdict.campaign_id}" if verdict.campaign_id else ""),
                                     pol.limits.max_reason_chars))
        # Inline risk: each kind once, at its best purity over all campaigns (harnesses are shared
        # between campaigns); the campaign named is the one whose own evidence is strongest.
        best_cid, best_r, best_kinds = None, 0.0, ""
        by_kind: dict[str, float] = {}
        for cid, kinds in view.evidence.items():
            k = 1.0
            for kind, purity in kinds.items():
                k *= 1.0 - getattr(sc, kind) * purity
                by_kind[kind] = max(by_kind.get(kind, 0.0), purity)
            if 1.0 - k > best_r:
                best_cid, best_r, best_kinds = cid, 1.0 - k, ", ".join(sorted(kinds))
        if best_cid is not None:
            k = 1.0
            for kind, purity in by_kind.items():
                k *= 1.0 - getattr(sc, kind) * purity
            inline = 1.0 - k
            keep *= 1.0 - inline
            reasons.append(f"sends campaign {best_cid}'s {best_kinds}"
                           + (f" and other campaigns' {', '.join(sorted(set(by_kind) - set(best_kinds.split(', '))))}"
                              if set(by_kind) - set(best_kinds.split(", ")) else "") + f" (inline {inline:.2f})")
            if campaign is None and best_r >= sc.campaign_min_risk:
                campaign = best_cid
        if view.harvest_n >= sc.harvest_min_requests and view.harvest > 0:
            keep *= 1.0 - sc.harvest * view.harvest
            if view.harvest >= 0.5:
                reasons.append(f"harvest score {view.harvest:.2f} over {view.harvest_n} recent requests")
        if view.per_minute > sc.rate_per_minute_high:
            keep *= 1.0 - sc.rate
            reasons.append(f"{view.per_minute:.0f} requests per minute")
        risk = 1.0 - keep
        return self.decide(acct, risk, campaign, reasons, now)

    def decide(self, acct: str, risk: float, campaign: str | None, reasons: list[str], now: float) -> Decision:
        """Apply the policy (allowlist, campaign rules, bands, throttle bucket, shadow)."""
        pol = self.policy
        kn = self.knowledge
        d = Decision("allow", [], risk, campaign, reasons, self.policy_version, kn.version, acct)
        if acct in pol.allowed:
            d.reasons = reasons + ["account is on the allowlist"] if reasons else []
            return d
        actions = [a for a in pol.actions_for(risk, campaign) if a != "allow"]
        if "throttle" in actions:
            wait = self.state.take(acct, now, pol.throttle.rate_per_minute / 60.0, pol.throttle.burst)
            if wait > 0:
                d.retry_after_s = max(1, math.ceil(wait))
            else:
                actions.remove("throttle")
        if "verify" in actions:
            d.reason_code = pol.verify.reason_code
        if "cap_max_tokens" in actions:
            d.max_tokens = pol.cap.max_tokens
        decision = decision_of(actions)
        if pol.shadow:
            d.shadow = True
            d.would = {"decision": decision, "actions": actions}
            if d.retry_after_s is not None:
                d.would["retry_after_s"] = d.retry_after_s
            d.retry_after_s = d.reason_code = d.max_tokens = None
            return d
        d.decision, d.actions = decision, actions
        return d


class HarvestWorker:
    """Classify sampled requests off the request path, in batches, and feed the harvest average.

    The shipped classifier costs ~40 ms per call whatever the batch size up to a few hundred
    rows (measured here, see docs/serve.md), far over an inline budget of a few ms; batched in
    the background it adds nothing to a request's latency. The queue is bounded: when it is
    full a request is not classified (counted in ``dropped``), never delayed.
    """

    def __init__(self, state: State, sample: float = 1.0, max_queue: int = 10_000, batch: int = 256,
                 interval_s: float = 0.05) -> None:
        self.state, self.sample, self.batch, self.interval_s = state, sample, batch, interval_s
        self.q: queue.Queue[tuple[str, str | None, str | None]] = queue.Queue(max_queue)
        self.dropped = self.classified = 0
        self._busy = False
        self._stop = threading.Event()
        self._rng = random.Random(0)
        self._thread = threading.Thread(target=self._run, name="dg-harvest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, account: str, row: dict[str, Any]) -> None:
        if self.sample < 1.0 and self._rng.random() >= self.sample:
            return
        try:
            self.q.put_nowait((account, row.get("system_prompt"), row.get("last_user_text")))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        import pyarrow as pa

        from distillguard.signals.classifier import classify, load_model

        model = load_model()
        while not self._stop.is_set():
            items = []
            try:
                items.append(self.q.get(timeout=self.interval_s))
                while len(items) < self.batch:
                    items.append(self.q.get_nowait())
            except queue.Empty:
                pass
            if not items:
                continue
            self._busy = True
            tbl = pa.table({"exchange_id": [str(i) for i in range(len(items))],
                            "system_prompt": pa.array([i[1] for i in items], pa.string()),
                            "last_user_text": pa.array([i[2] for i in items], pa.string())})
            try:
                scores = classify(tbl, model=model, explain=False).column("harvest").to_pylist()
                for (acct, _, _), s in zip(items, scores, strict=True):
                    self.state.add_harvest(acct, float(s))
                self.classified += len(items)
            except Exception:  # noqa: BLE001 - a classifier failure must never stop the service
                self.dropped += len(items)
            finally:
                self._busy = False

    def drain(self, timeout_s: float = 10.0) -> None:
        """Wait until the queue is empty (tests and the replay measurement use this)."""
        import time

        end = time.monotonic() + timeout_s
        time.sleep(self.interval_s * 2)
        while (not self.q.empty() or self._busy) and time.monotonic() < end:
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
