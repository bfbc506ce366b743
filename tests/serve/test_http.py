"""`distillguard serve` as a real uvicorn server on loopback: endpoints, security, reload, restart."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import httpx
import serve_world as world
from conftest import TOKEN, assert_error_body


def test_refuses_to_start_without_token(small_world) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISTILLGUARD_TOKEN"}
    r = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "serve", "--results",
                        str(small_world["results"])], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("error: no bearer token") and "Traceback" not in r.stderr


def test_bad_results_folder_one_line(tmp_path) -> None:
    r = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "serve", "--results", str(tmp_path)],
                       env={**os.environ, "DISTILLGUARD_TOKEN": TOKEN}, capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "has no accounts.csv" in r.stderr and "Traceback" not in r.stderr


def test_score_endpoints_and_security(serve) -> None:
    s = serve()
    # No token, wrong token: 401 with the one error body.
    assert_error_body(httpx.post(s.base + "/v1/score", json=world.clean_request()), 401)
    assert_error_body(httpx.post(s.base + "/v1/score", json=world.clean_request(),
                                 headers={"Authorization": "Bearer nope"}), 401)
    # Malformed JSON, contract violations: 422 with the reason.
    body = assert_error_body(s.client.post("/v1/score", content=b"{not json"), 422)
    assert "not valid JSON" in body["error"]
    body = assert_error_body(s.client.post("/v1/score", json={"model": "m", "request": {"messages": []}}), 422)
    assert "missing_account_id" in body["error"]
    # Oversized: 413 (declared length, and a chunked body without a length).
    assert_error_body(s.client.post("/v1/score", content=b"x" * 2_000_000), 413)

    def chunks():
        for _ in range(40):
            yield b"y" * 50_000

    assert_error_body(s.client.post("/v1/score", content=chunks()), 413)
    assert_error_body(s.client.get("/v1/nothing-here"), 404)
    # A campaign account never seen before is recognised from its first request.
    r = s.client.post("/v1/score", json=world.new_campaign_account_request(random.Random(5)))
    assert r.status_code == 200
    d = r.json()
    assert d["decision"] == "block" and d["campaign_id"] == world.CAMPAIGN
    assert set(d) >= {"decision", "actions", "risk", "campaign_id", "reasons", "policy_version"}
    # A clean account passes.
    d = s.client.post("/v1/score", json=world.clean_request()).json()
    assert d["decision"] == "allow" and d["actions"] == []


def test_attacker_text_is_data(serve) -> None:
    s = serve()
    evil = '<script>alert("x")</script>'
    r = s.client.post("/v1/score", json={"account_id": evil, "model": evil,
                                         "request": {"messages": [{"role": "user", "content": evil}]}})
    assert r.headers["content-type"] == "application/json"
    assert r.json()["account_id"] == evil  # returned as a JSON string, never rendered
    r = s.client.post("/v1/score", json={"account_id": "acct_camp_1", "model": "m",
                                         "request": {"messages": [{"role": "user", "content": "x"}]}})
    assert r.headers["content-type"] == "application/json" and r.json()["decision"] == "block"
    body = assert_error_body(s.client.post("/v1/score", json={"account_id": 5, "model": evil, "request": {}}), 422)
    assert body["status"] == 422


def test_throttle_429_semantics_and_metrics(serve) -> None:
    s = serve(policy='[campaigns."*"]\nactions = ["throttle"]\n[throttle]\nrate_per_minute = 1\nburst = 1\n')
    rec = {"account_id": "acct_camp_1", "model": "m", "request": {"messages": [{"role": "user", "content": "x"}]}}
    first = s.client.post("/v1/score", json=rec)
    second = s.client.post("/v1/score", json=rec)
    assert first.json()["decision"] == "allow"
    assert second.json()["decision"] == "throttle" and int(second.headers["Retry-After"]) >= 1
    m = s.client.get("/metrics").text
    assert 'distillguard_decisions_total{decision="throttle",shadow="false"} 1' in m
    assert 'distillguard_decision_seconds_count 2' in m
    assert "distillguard_state_accounts 1" in m
    assert_error_body(httpx.get(s.base + "/metrics"), 401)


def test_observe_batch_and_guardrail_api(serve) -> None:
    s = serve(policy='[campaigns."*"]\nactions = ["block"]\n')
    rng = random.Random(9)
    recs = [world.exchange(5000 + i, "acct_batch", world.grader_request(rng), world.GRADER_UA, day=6)
            for i in range(4)]
    assert s.client.post("/v1/observe", json={"exchanges": recs}).json() == {"ok": True, "observed": 4,
                                                                            "stored": True}
    assert s.client.post("/v1/observe", json=recs[0]).json()["observed"] == 1
    body = assert_error_body(s.client.post("/v1/observe", json={"exchanges": [{"account_id": "x"}]}), 422)
    assert "exchanges[0]" in body["error"]
    stored = (s.state_dir / "observed" / "observed-2026-03-06.jsonl").read_text().splitlines()
    assert len(stored) == 5 and json.loads(stored[0]) == recs[0]
    # LiteLLM Generic Guardrail API payloads (what LiteLLM 1.108 sends, see ENVIRONMENT.md).
    g = {"input_type": "request", "model": "m-1", "texts": ["hi"],
         "structured_messages": world.grader_request(rng)["messages"],
         "request_data": {"user_api_key_user_id": "acct_via_litellm", "user_api_key_hash": "h"},
         "request_headers": {"user-agent": world.GRADER_UA}}
    r = s.client.post("/beta/litellm_basic_guardrail_api", json=g)
    assert r.json()["action"] == "BLOCKED" and r.json()["blocked_reason"].startswith("distillguard: block")
    assert world.CAMPAIGN not in r.json()["blocked_reason"]  # the client learns no verdict detail
    # x-api-key works as LiteLLM's `api_key` setting sends it.
    g2 = {**g, "structured_messages": [{"role": "user", "content": "what is a good cat name?"}],
          "request_data": {"user_api_key_user_id": "acct_fine"}, "request_headers": {"user-agent": "curl/8"}}
    r = httpx.post(s.base + "/beta/litellm_basic_guardrail_api", json=g2, headers={"x-api-key": TOKEN})
    assert r.json() == {"action": "NONE"}
    assert s.client.post("/beta/litellm_basic_guardrail_api",
                         json={**g, "input_type": "response"}).json() == {"action": "NONE"}
    # Messages the contract cannot read fail open (budget.on_error = allow), never a 422 to LiteLLM.
    r = s.client.post("/beta/litellm_basic_guardrail_api",
                      json={**g, "structured_messages": [{"role": "wizard", "content": "x"}]})
    assert r.status_code == 200 and r.json()["action"] == "NONE"


def test_reload_endpoint_and_sighup(serve, tmp_path) -> None:
    policy = tmp_path / "reload.toml"
    policy.write_text('version = "v1"\n', encoding="utf-8")
    s = serve("--policy", str(policy))
    assert s.client.get("/healthz").json()["policy_version"].startswith("v1@")
    policy.write_text('version = "v2"\nshadow = true\n', encoding="utf-8")
    r = s.client.post("/v1/reload")
    assert r.status_code == 200 and r.json()["policy_version"].startswith("v2@")
    assert s.client.get("/healthz").json()["shadow"] is True
    policy.write_text("version = [", encoding="utf-8")
    body = assert_error_body(s.client.post("/v1/reload"), 422)
    assert "still serving the previous version" in body["error"]
    policy.write_text('version = "v3"\n', encoding="utf-8")
    s.proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        if s.client.get("/healthz").json()["policy_version"].startswith("v3@"):
            break
        time.sleep(0.05)
    assert s.client.get("/healthz").json()["policy_version"].startswith("v3@")


def test_reload_does_not_drop_requests(serve, tmp_path) -> None:
    """Requests sent while reloads run (which rebuild signatures from the store) all get answers."""
    import threading

    s = serve()
    stop = threading.Event()
    errors: list[str] = []
    count = [0]

    def load() -> None:
        with httpx.Client(base_url=s.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as c:
            while not stop.is_set():
                r = c.post("/v1/score", json=world.clean_request())
                if r.status_code != 200:
                    errors.append(r.text)
                count[0] += 1

    t = threading.Thread(target=load)
    t.start()
    try:
        for _ in range(3):
            assert s.client.post("/v1/reload").status_code == 200
    finally:
        stop.set()
        t.join()
    assert not errors and count[0] > 0


def test_state_survives_restart(serve, tmp_path) -> None:
    state_dir = tmp_path / "persist"
    s = serve("--snapshot-interval", "0.2", state_dir=state_dir)
    rec = world.new_campaign_account_request(random.Random(11), account="acct_restart")
    rec["request"]["messages"][0]["content"] = "neutral system text that matches nothing at all here"
    rec["request"]["messages"][1]["content"] = "hello there, nothing templated in this request at all"
    for _ in range(3):
        s.client.post("/v1/score", json=rec)
    time.sleep(0.6)  # more than one snapshot interval
    s.stop(sig="kill")  # kill -9: loses at most the last interval
    s2 = serve("--snapshot-interval", "0.2", state_dir=state_dir)
    assert "distillguard_state_accounts 1" in s2.client.get("/metrics").text
    s2.stop()  # a clean stop snapshots too
    assert (state_dir / "state.pkl").exists()


def test_shared_state_through_redis(serve, redis_url) -> None:
    """Two instances on one Redis: one instance's throttle bucket limits the other."""
    policy = '[campaigns."*"]\nactions = ["throttle"]\n[throttle]\nrate_per_minute = 1\nburst = 1\n'
    a = serve("--redis", redis_url, policy=policy)
    b = serve("--redis", redis_url, policy=policy)
    rec = {"account_id": "acct_camp_2", "model": "m", "request": {"messages": [{"role": "user", "content": "x"}]}}
    assert a.client.post("/v1/score", json=rec).json()["decision"] == "allow"
    assert b.client.post("/v1/score", json=rec).json()["decision"] == "throttle"


def test_sheds_load_over_max_inflight(serve) -> None:
    """A request held open (slow body) fills max_inflight = 1; the next one is shed as configured."""
    import threading

    s = serve(policy="[limits]\nmax_inflight = 1\n[budget]\non_overload = 'throttle'\n")
    body = json.dumps(world.clean_request()).encode()
    release = threading.Event()

    def slow():
        yield body[:10]
        release.wait(10)
        yield body[10:]

    result = {}

    def hold() -> None:
        with httpx.Client(base_url=s.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20) as c:
            result["held"] = c.post("/v1/score", content=slow()).status_code

    t = threading.Thread(target=hold)
    t.start()
    try:
        for _ in range(100):
            r = s.client.post("/v1/score", json=world.clean_request())
            if r.status_code == 429:
                break
            time.sleep(0.05)
        assert_error_body(r, 429)
        assert r.headers["Retry-After"] == "1"
    finally:
        release.set()
        t.join()
    assert result["held"] == 200  # the held request still gets its answer
    assert "distillguard_shed_total 1" in s.client.get("/metrics").text
