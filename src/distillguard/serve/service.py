"""The scoring service without HTTP: score, observe, LiteLLM guardrail payloads, reload.

`Service` holds the current `Knowledge`, `Policy` and `Scorer` behind one reference that a
reload swaps atomically (a request in flight finishes with the objects it started with), the
online `State`, the audit log, the observed-exchanges store and the metrics. `app.py` wraps it
in HTTP; the in-process LiteLLM guardrail calls it directly.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.ingest.normalise import EXCHANGE_COLUMNS, Rejected, normalise_exchange, parse_ts
from distillguard.serve.knowledge import Knowledge, load_knowledge
from distillguard.serve.metrics import Metrics
from distillguard.serve.policy import Policy, load_policy
from distillguard.serve.records import AuditLog, ObservedStore
from distillguard.serve.scoring import Decision, HarvestWorker, Scorer
from distillguard.serve.state import State

# Identity fields of a LiteLLM guardrail payload, in the order tried for account_id.
LITELLM_ACCOUNT_FIELDS = ("user_api_key_user_id", "user_api_key_team_id", "user_api_key_end_user_id",
                          "user_api_key_org_id", "user_api_key_hash")


class BadRequest(Exception):
    """A request the service cannot score: answered with 422 and these reasons."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Current:
    """What a reload swaps in one assignment."""

    knowledge: Knowledge
    policy: Policy
    scorer: Scorer


def canonical(rec: Any, now: float, seq: int) -> dict[str, Any]:
    """A contract record (request_id and ts optional here) as a canonical row dict."""
    if not isinstance(rec, dict):
        raise BadRequest(f"record is a JSON {type(rec).__name__}, expected an object")
    if "request_id" not in rec or "ts" not in rec:
        rec = dict(rec)
        rec.setdefault("request_id", f"score-{seq}")
        rec.setdefault("ts", time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z")
    try:
        row = normalise_exchange(rec)
    except Rejected as exc:
        raise BadRequest(f"{exc.reason}: {exc.detail}") from exc
    return dict(zip(EXCHANGE_COLUMNS, row, strict=False))


class Service:
    """Scoring, observing and reloading, shared by the HTTP app and in-process callers."""

    def __init__(self, results: Path, store: Path | None, policy_path: Path | None, state: State,
                 audit_path: Path, observe_dir: Path | None, harvest: bool = True) -> None:
        self.results, self.store, self.policy_path = results, store, policy_path
        self.state = state
        self.metrics = Metrics()
        self.audit = AuditLog(audit_path)
        self.observed = ObservedStore(observe_dir) if observe_dir is not None else None
        self._seq = itertools.count()
        self._reload_lock = threading.Lock()
        policy, pver = load_policy(policy_path)
        self.harvest = HarvestWorker(state, policy.scoring.harvest_sample) if harvest else None
        knowledge = load_knowledge(results, store, policy.signatures)
        self.current = Current(knowledge, policy, Scorer(knowledge, policy, _pv(policy, pver), state, self.harvest))
        if self.harvest is not None:
            self.harvest.start()

    # -- reload ---------------------------------------------------------------------------
    def reload(self) -> dict[str, Any]:
        """Re-read the policy and the results (and store); swap them in one assignment.

        Raises the loader's error and keeps the current ones when the new files are bad.
        """
        with self._reload_lock:
            policy, pver = load_policy(self.policy_path)
            knowledge = load_knowledge(self.results, self.store, policy.signatures)
            self.current = Current(knowledge, policy,
                                   Scorer(knowledge, policy, _pv(policy, pver), self.state, self.harvest))
            self.metrics.reloads += 1
            return {"ok": True, "policy_version": self.current.scorer.policy_version, **knowledge.summary()}

    # -- scoring --------------------------------------------------------------------------
    def score_row(self, row: dict[str, Any], source: str, now: float | None = None) -> Decision:
        """Score one canonical row under the time budget; fail open or closed as the policy says."""
        cur = self.current
        t0 = time.perf_counter()
        now = time.time() if now is None else now
        budget = cur.policy.budget
        try:
            d = cur.scorer.score(row, now)
        except Exception as exc:  # noqa: BLE001 - inline scoring always answers
            d = self._fallback(cur, row["account_id"], budget.on_error, f"scoring failed: {type(exc).__name__}")
        elapsed = time.perf_counter() - t0
        if elapsed * 1000.0 > budget.time_ms:
            d = self._fallback(cur, row["account_id"], budget.on_timeout,
                               f"over the time budget ({elapsed * 1000:.1f} ms > {budget.time_ms:g} ms)")
        d.timings_ms = elapsed * 1000.0
        self.metrics.decision(d.decision, d.actions, d.shadow, elapsed)
        if d.decision != "allow" or (d.would and d.would.get("decision") != "allow"):
            self.audit.write(now, d.to_dict(), source)
        return d

    def _fallback(self, cur: Current, acct: str, mode: str, why: str) -> Decision:
        dec = "block" if mode == "block" and not cur.policy.shadow else "allow"
        d = Decision(dec, [dec] if dec == "block" else [], 0.0, None, [why], cur.scorer.policy_version,
                     cur.knowledge.version, acct, shadow=cur.policy.shadow, degraded=True)
        if cur.policy.shadow and mode == "block":
            d.would = {"decision": "block", "actions": ["block"]}
        return d

    def score(self, rec: Any, source: str = "score") -> Decision:
        now = time.time()
        return self.score_row(canonical(rec, now, next(self._seq)), source, now)

    # -- observe --------------------------------------------------------------------------
    def observe(self, records: list[Any], scored: bool = True) -> dict[str, Any]:
        """Update state from completed exchanges and append them to the observed store.

        With `scored` (the default) the exchanges were scored when they arrived, so their
        requests are not counted again (tokens and evidence are). Every record must carry request_id and ts (the store is read by `detect`); a bad one is
        reported by index and nothing of the batch is applied, so a retry cannot double count.
        """
        cur = self.current
        rows, errors = [], []
        for i, rec in enumerate(records):
            try:
                if not isinstance(rec, dict) or "request_id" not in rec or "ts" not in rec:
                    raise BadRequest("observe needs request_id and ts on every exchange")
                rows.append((canonical(rec, 0.0, 0), rec))
            except BadRequest as exc:
                errors.append(f"exchanges[{i}]: {exc}")
        if errors:
            raise BadRequest(*errors[:20])
        for row, _ in rows:
            tokens = int(row.get("input_tokens") or 0) + int(row.get("output_tokens") or 0)
            self.state.record(row["account_id"], row["ts"] / 1e6, tokens, cur.scorer.inline_evidence(row),
                              count=not scored)
            if self.harvest is not None and not scored:
                self.harvest.submit(row["account_id"], row)
        if self.observed is not None:
            self.observed.append([(row["ts"], rec) for row, rec in rows])
        self.metrics.observed += len(rows)
        return {"ok": True, "observed": len(rows), "stored": self.observed is not None}

    # -- LiteLLM Generic Guardrail API ----------------------------------------------------
    def guardrail(self, payload: Any) -> dict[str, Any]:
        """Answer one LiteLLM Generic Guardrail API call (``/beta/litellm_basic_guardrail_api``).

        LiteLLM sends ``texts``, ``structured_messages``, ``tools``, ``model``, the key's
        metadata (``request_data.user_api_key_*``) and allow-listed headers; never the client
        IP, the request configuration or reasoning text. A request is scored in ``pre_call``
        mode; a denial answers ``BLOCKED`` (LiteLLM returns HTTP 400 with the reason).
        """
        if not isinstance(payload, dict):
            raise BadRequest("guardrail payload is not an object")
        if payload.get("input_type") != "request":
            return {"action": "NONE"}
        meta = payload.get("request_data") or {}
        if not isinstance(meta, dict):
            raise BadRequest("request_data is not an object")
        acct = next((meta[f] for f in LITELLM_ACCOUNT_FIELDS if isinstance(meta.get(f), str) and meta[f]), None)
        if acct is None:
            return {"action": "NONE"}  # nothing to key state on; LiteLLM's own auth decides
        msgs = payload.get("structured_messages")
        if not isinstance(msgs, list) or not msgs:
            texts = payload.get("texts") or []
            msgs = [{"role": "user", "content": t} for t in texts if isinstance(t, str)] or \
                [{"role": "user", "content": ""}]
        headers = payload.get("request_headers") or {}
        ua = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == "user-agent"), None) \
            if isinstance(headers, dict) else None
        rec = {"account_id": acct, "model": payload.get("model") or "unknown", "request": {"messages": msgs}}
        if isinstance(ua, str):
            rec["client"] = {"user_agent": ua}
        try:
            d = self.score(rec, source="litellm_generic")
        except BadRequest as exc:  # a body the contract cannot read: the policy's on_error decides
            self.metrics.error(422)
            if self.current.policy.budget.on_error == "block" and not self.current.policy.shadow:
                return {"action": "BLOCKED", "blocked_reason": "distillguard: unreadable request"}
            return {"action": "NONE", "reason": f"not scored: {exc}"[:300]}
        if d.decision in ("block", "verify", "throttle"):
            return {"action": "BLOCKED", "blocked_reason": blocked_reason(d)}
        return {"action": "NONE"}

    def close(self) -> None:
        if self.harvest is not None:
            self.harvest.stop()
        self.audit.close()
        if self.observed is not None:
            self.observed.close()


def blocked_reason(d: Decision) -> str:
    """One line a gateway shows the client: the outcome, its code and when to retry."""
    parts = [f"distillguard: {d.decision}"]
    if d.reason_code:
        parts.append(f"reason_code={d.reason_code}")
    if d.retry_after_s is not None:
        parts.append(f"retry_after_s={d.retry_after_s}")
    return "; ".join(parts)


def _pv(policy: Policy, file_hash: str) -> str:
    return policy.version if file_hash == "default" else f"{policy.version}@{file_hash}"


def ts_us(value: str) -> int:
    """RFC 3339 -> UTC µs (re-exported for the replay tools)."""
    return parse_ts(value)
