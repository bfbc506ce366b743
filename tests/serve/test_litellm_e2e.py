"""End to end: a real LiteLLM proxy (mock models, no upstream) in front of `distillguard serve`.

Two proxies run at once, with the config files docs/serve.md quotes (tests/serve/litellm/):
``config-generic.yaml`` (Generic Guardrail API) and ``config-inline.yaml`` (the CustomGuardrail
and the logging callback). An OpenAI client sends as a campaign account, a clean account and a
flagged account under strip_reasoning; then the service is reloaded in shadow mode.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import serve_world as world
from conftest import TOKEN, free_port

pytestmark = pytest.mark.e2e
openai = pytest.importorskip("openai")
pytest.importorskip("litellm")

CONFIG_DIR = Path(__file__).parent / "litellm"
MASTER = "sk-master-e2e"
POLICY = """
version = "e2e"
[[bands]]
min_risk = 0.9
actions = ["block"]
[[bands]]
min_risk = 0.7
actions = ["strip_reasoning"]
[campaigns."*"]
actions = ["block"]
[budget]
time_ms = 60000.0
"""


def start_proxy(config: str, serve_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("litellm", path=str(Path(os.sys.executable).parent)) or shutil.which("litellm")
    if exe is None:
        pytest.skip("the litellm CLI is not installed (pip install 'litellm[proxy]')")
    port = free_port()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MASTER_KEY": MASTER,
           "DISTILLGUARD_URL": serve_url, "DISTILLGUARD_TOKEN": TOKEN, "LITELLM_LOG": "ERROR"}
    fh = log.open("wb")
    proc = subprocess.Popen([exe, "--config", config, "--host", "127.0.0.1", "--port", str(port)], cwd=CONFIG_DIR,
                            env=env, stdout=fh, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 300  # a loaded CI host: LiteLLM's import alone can take a minute
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"litellm exited early: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(base + "/health/liveliness", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"litellm did not start: {log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def stack(serve, tmp_path):
    s = serve(policy=POLICY)
    procs = {}
    try:
        for name in ("generic", "inline"):
            procs[name] = start_proxy(f"config-{name}.yaml", s.base, tmp_path / f"litellm-{name}.log")
        for name, (proc, base) in procs.items():
            wait_ready(proc, base, tmp_path / f"litellm-{name}.log")
        yield s, {name: base for name, (_, base) in procs.items()}
    finally:
        for proc, _ in procs.values():
            proc.terminate()
        for proc, _ in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def client(base: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base, api_key=key, max_retries=0, timeout=30)


def audit(s) -> list[dict]:
    p = s.state_dir / "audit.jsonl"
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


def test_litellm_proxy_with_distillguard(stack) -> None:
    s, proxies = stack
    campaign_msgs = world.grader_request(random.Random(21))["messages"]
    config = dict(max_tokens=777, temperature=0.3, top_p=0.9)
    clean_msgs = [{"role": "user", "content": "What is a good name for a cat?"}]

    # Generic Guardrail API: a new account sending the campaign's wrapper is blocked (HTTP 400).
    with pytest.raises(openai.BadRequestError) as ei:
        client(proxies["generic"], "sk-campaign-new").chat.completions.create(model="chat", messages=campaign_msgs,
                                                                              **config)
    assert "distillguard: block" in str(ei.value) and world.CAMPAIGN not in str(ei.value)
    # A known campaign member is blocked too; a clean account passes untouched.
    with pytest.raises(openai.BadRequestError):
        client(proxies["generic"], "sk-campaign-known").chat.completions.create(model="chat", messages=clean_msgs)
    r = client(proxies["generic"], "sk-clean").chat.completions.create(model="chat", messages=clean_msgs)
    assert r.choices[0].message.content == "Paris is the capital of France."

    # CustomGuardrail: the campaign account gets 403, the clean one its answer with reasoning,
    # the flagged one (strip_reasoning) the answer without reasoning and without reasoning_effort.
    with pytest.raises(openai.PermissionDeniedError) as ei:
        client(proxies["inline"], "sk-campaign-new").chat.completions.create(model="chat", messages=campaign_msgs,
                                                                             **config)
    assert "distillguard: block" in str(ei.value)
    clean = client(proxies["inline"], "sk-clean").chat.completions.create(
        model="reasoner", messages=[{"role": "user", "content": "2+2?"}], reasoning_effort="high")
    assert clean.choices[0].message.content == "The answer is 4."
    assert "2 + 2 = 4" in clean.choices[0].message.model_dump().get("reasoning_content", "")
    flagged = client(proxies["inline"], "sk-flagged").chat.completions.create(
        model="reasoner", messages=[{"role": "user", "content": "2+2?"}], reasoning_effort="high")
    assert flagged.choices[0].message.content == "The answer is 4."
    dumped = flagged.choices[0].message.model_dump()
    assert not dumped.get("reasoning_content") and "2 + 2" not in json.dumps(dumped)
    stream = client(proxies["inline"], "sk-clean").chat.completions.create(model="chat", messages=clean_msgs,
                                                                          stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Paris is the capital of France."

    lines = audit(s)
    assert [x["decision"] for x in lines if x["account_id"] == "acct_new_campaign"] == ["block", "block"]
    assert any(x["account_id"] == "acct_midrisk" and x["actions"] == ["strip_reasoning"] for x in lines)
    assert not any(x["account_id"] == "acct_clean" for x in lines)

    # The logging callback fed /v1/observe: completed calls are in the observed store.
    deadline = time.monotonic() + 10
    seen: set[str] = set()
    while time.monotonic() < deadline and not {"acct_clean", "acct_midrisk"} <= seen:
        seen = {json.loads(x)["account_id"] for f in (s.state_dir / "observed").glob("*.jsonl")
                for x in f.read_text().splitlines()}
        time.sleep(0.2)
    assert {"acct_clean", "acct_midrisk"} <= seen

    # Shadow mode: the same campaign request now passes; only the audit log says what would have happened.
    before = len(audit(s))
    policy_file = next(s.state_dir.parent.glob("policy-*.toml"))
    policy_file.write_text("shadow = true\n" + POLICY, encoding="utf-8")
    assert s.client.post("/v1/reload").json()["policy_version"].startswith("e2e@")
    r = client(proxies["generic"], "sk-campaign-new").chat.completions.create(model="chat", messages=campaign_msgs,
                                                                              **config)
    assert r.choices[0].message.content == "Paris is the capital of France."
    flagged = client(proxies["inline"], "sk-flagged").chat.completions.create(
        model="reasoner", messages=[{"role": "user", "content": "2+2?"}], reasoning_effort="high")
    assert "2 + 2 = 4" in flagged.choices[0].message.model_dump().get("reasoning_content", "")
    new = audit(s)[before:]
    assert [(x["account_id"], x["shadow"], x["decision"], x["would"]["decision"]) for x in new] == [
        ("acct_new_campaign", True, "allow", "block"), ("acct_midrisk", True, "allow", "modify")]
