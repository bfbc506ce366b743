"""The scoring service in process: recognising new campaign accounts, actions, shadow, audit, observe."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import serve_world as world
from conftest import with_budget

from distillguard.serve.countermeasures import apply_to_request, strip_response
from distillguard.serve.service import BadRequest, Service
from distillguard.serve.signatures import Tokens, mask, segments
from distillguard.serve.state import MemoryState


def make_service(tmp_path: Path, small_world: dict[str, Path], policy: str | None = None,
                 store: bool = True) -> Service:
    pol = tmp_path / "policy.toml"
    pol.write_text(with_budget(policy), encoding="utf-8")
    return Service(small_world["results"], small_world["store"] if store else None, pol, MemoryState(),
                   tmp_path / "audit.jsonl", tmp_path / "observed", harvest=False)


def audit_lines(tmp_path: Path) -> list[dict]:
    p = tmp_path / "audit.jsonl"
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


def test_mask_and_segments() -> None:
    assert mask('Rate answer 12.5 of "foo" at https://x.io/a') == "rate answer <n> of <q> at <url>"
    segs = segments("Short.\nThis is a longer wrapper sentence. Question: 42?")
    assert "this is a longer wrapper sentence." in segs and "short." not in segs


def test_signatures_from_store(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world)
    idx = svc.current.knowledge.index
    assert idx.source == "store"
    assert set(c for c, _ in idx.template.values()) == {world.CAMPAIGN}
    tok = Tokens.of({"system_prompt": world.GRADER_SYSTEM, "last_user_text": "whatever",
                     "max_tokens": 777, "temperature": 0.3, "top_p": 0.9, "client_user_agent": world.GRADER_UA})
    hits = idx.match(tok)
    assert set(hits) == {"template", "config", "client_stack"}
    # Benign SDK-like configurations are not campaign signatures.
    assert all(c == world.CAMPAIGN for c, _ in idx.config.values())
    svc.close()


def test_new_campaign_account_recognised_on_first_request(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world)
    d = svc.score(world.new_campaign_account_request(random.Random(1)))
    assert d.campaign_id == world.CAMPAIGN
    assert d.risk >= 0.9 and d.decision == "block"
    assert any("template" in r for r in d.reasons)
    clean = svc.score(world.clean_request())
    assert clean.decision == "allow" and clean.campaign_id is None and clean.risk < 0.4
    svc.close()


def test_template_alone_without_store_uses_indicators(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, store=False)
    assert svc.current.knowledge.index.source == "campaigns.json"
    rec = world.new_campaign_account_request(random.Random(2))
    d = svc.score(rec)
    assert d.campaign_id == world.CAMPAIGN  # template weight 0.75 >= campaign_min_risk 0.7
    svc.close()


def test_known_accounts_and_bands(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, policy="""
[[bands]]
min_risk = 0.9
actions = ["verify"]
[[bands]]
min_risk = 0.7
actions = ["strip_reasoning", "cap_max_tokens"]
[cap]
max_tokens = 100
""")
    d = svc.score({"account_id": "acct_camp_1", "model": "m", "request": {"messages": [{"role": "user",
                                                                                        "content": "hi"}]}})
    assert d.decision == "verify" and d.reason_code == "verification_required"
    d = svc.score({"account_id": "acct_midrisk", "model": "m", "request": {"messages": [{"role": "user",
                                                                                         "content": "hi"}]}})
    assert d.decision == "modify" and d.actions == ["strip_reasoning", "cap_max_tokens"] and d.max_tokens == 100
    kinds = [a["decision"] for a in audit_lines(tmp_path)]
    assert kinds == ["verify", "modify"]
    svc.close()


def test_throttle_bucket_and_retry_after(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, policy="""
[campaigns."*"]
actions = ["throttle"]
[throttle]
rate_per_minute = 1
burst = 2
""")
    rec = {"account_id": "acct_camp_2", "model": "m", "request": {"messages": [{"role": "user", "content": "x"}]}}
    out = [svc.score(rec) for _ in range(4)]
    assert [d.decision for d in out] == ["allow", "allow", "throttle", "throttle"]
    assert out[2].retry_after_s is not None and 1 <= out[2].retry_after_s <= 60
    assert len(audit_lines(tmp_path)) == 2  # only the denied ones act
    svc.close()


def test_allowlist_and_shadow(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, policy='shadow = true\nallowlist = ["acct_camp_3"]\n')
    d = svc.score({"account_id": "acct_camp_1", "model": "m", "request": {"messages": [{"role": "user",
                                                                                        "content": "x"}]}})
    assert d.decision == "allow" and d.actions == [] and d.shadow
    assert d.would == {"decision": "block", "actions": ["block"]}
    d = svc.score({"account_id": "acct_camp_3", "model": "m", "request": {"messages": [{"role": "user",
                                                                                        "content": "x"}]}})
    assert d.decision == "allow" and d.would is None
    lines = audit_lines(tmp_path)
    assert len(lines) == 1 and lines[0]["shadow"] is True and lines[0]["would"]["decision"] == "block"
    assert lines[0]["account_id"] == "acct_camp_1" and lines[0]["policy_version"].startswith("default@")
    svc.close()


@pytest.mark.parametrize("mode, expect", [("allow", "allow"), ("block", "block")])
def test_time_budget_fail_open_or_closed(tmp_path: Path, small_world: dict[str, Path], mode: str,
                                         expect: str) -> None:
    svc = make_service(tmp_path, small_world, policy=f"[budget]\ntime_ms = 0.000001\non_timeout = '{mode}'\n")
    d = svc.score(world.clean_request())
    assert d.decision == expect and d.degraded
    assert any("time budget" in r for r in d.reasons)
    svc.close()


def test_scoring_error_fails_as_configured(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, policy="[budget]\non_error = 'block'\ntime_ms = 60000.0\n")

    def boom(row, now):  # noqa: ANN001, ANN202
        raise RuntimeError("state backend down")

    svc.current.scorer.score = boom  # type: ignore[method-assign]
    d = svc.score(world.clean_request())
    assert d.decision == "block" and d.degraded and "RuntimeError" in d.reasons[0]
    svc.close()


def test_bad_records(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world)
    with pytest.raises(BadRequest, match="missing_account_id"):
        svc.score({"model": "m", "request": {"messages": []}})
    with pytest.raises(BadRequest, match="request_neither_form"):
        svc.score({"account_id": "a", "model": "m", "request": {"prompt": "x"}})
    # a Responses body is one of the three forms now (issue 20): it is scored, not refused
    assert svc.score({"account_id": "a", "model": "m", "request": {"input": "x"}}).decision
    with pytest.raises(BadRequest, match="expected an object"):
        svc.score(["not", "a", "record"])
    svc.close()


def test_observe_appends_contract_records(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world)
    rng = random.Random(3)
    recs = [world.exchange(9000 + i, "acct_obs", world.grader_request(rng), world.GRADER_UA, day=5)
            for i in range(3)]
    assert svc.observe(recs, scored=False) == {"ok": True, "observed": 3, "stored": True}
    files = list((tmp_path / "observed").glob("observed-2026-03-05.jsonl"))
    assert len(files) == 1
    back = [json.loads(x) for x in files[0].read_text().splitlines()]
    assert back == recs
    # The observed account's evidence is in the state: its next request is recognised.
    d = svc.score({"account_id": "acct_obs", "model": "m", "request": {"messages": [{"role": "user",
                                                                                     "content": "hello"}]}})
    assert d.campaign_id == world.CAMPAIGN
    with pytest.raises(BadRequest, match=r"exchanges\[1\]"):
        svc.observe([recs[0], {"account_id": "x"}])
    assert len(files[0].read_text().splitlines()) == 3  # a bad batch appends nothing
    svc.close()


def test_reload_swaps_policy(tmp_path: Path, small_world: dict[str, Path]) -> None:
    svc = make_service(tmp_path, small_world, policy='version = "one"\n')
    assert svc.current.scorer.policy_version.startswith("one@")
    (tmp_path / "policy.toml").write_text('version = "two"\n', encoding="utf-8")
    info = svc.reload()
    assert info["policy_version"].startswith("two@")
    (tmp_path / "policy.toml").write_text('version = \n', encoding="utf-8")
    with pytest.raises(Exception, match="not valid TOML"):
        svc.reload()
    assert svc.current.scorer.policy_version.startswith("two@")  # the old one stays
    svc.close()


def test_countermeasures_do_not_mutate() -> None:
    body = {"messages": [{"role": "assistant", "content": [{"type": "thinking", "thinking": "t"},
                                                           {"type": "text", "text": "a"}]}],
            "thinking": {"type": "enabled", "budget_tokens": 4000}, "max_tokens": 9000}
    out = apply_to_request(body, ["strip_reasoning", "cap_max_tokens"], 512)
    assert "thinking" not in out and out["max_tokens"] == 512
    assert out["messages"][0]["content"] == [{"type": "text", "text": "a"}]
    assert body["max_tokens"] == 9000 and "thinking" in body  # input untouched
    resp = {"choices": [{"delta": {"content": "x", "reasoning_content": "y"}}]}
    assert strip_response(resp) == {"choices": [{"delta": {"content": "x"}}]}
    assert resp["choices"][0]["delta"]["reasoning_content"] == "y"
