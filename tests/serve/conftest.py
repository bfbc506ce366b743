"""Fixtures for the serve tests: the small world, a real redis-server, a real `distillguard serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import serve_world as world

TOKEN = "test-token-0123456789abcdef"
# Tests assert decisions, so the time budget must not fail them open on a loaded CI host
# (the budget itself is tested with its own policies in test_scoring.py).
GENEROUS_BUDGET = "\n[budget]\ntime_ms = 60000.0\n"


def with_budget(policy: str | None) -> str:
    """The policy text with a generous time budget unless it sets [budget] itself."""
    policy = policy or ""
    return policy if "[budget]" in policy else policy + GENEROUS_BUDGET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return world.build(tmp_path_factory.mktemp("serve-world"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port (installed by scripts/install_redis.sh)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (run: bash scripts/install_redis.sh)")
    port = free_port()
    d = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import redis

    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail(f"redis-server exited: {proc.stderr.read().decode()[-500:]}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


class Server:
    """A `distillguard serve` subprocess on loopback."""

    def __init__(self, args: list[str], state_dir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.state_dir = state_dir
        self.log = state_dir.parent / f"serve-{self.port}.log"
        e = {**os.environ, "DISTILLGUARD_TOKEN": TOKEN, **(env or {})}
        self._fh = self.log.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "distillguard.cli.main", "serve", "--port",
                                      str(self.port), "--state-dir", str(state_dir), *args],
                                     stdout=self._fh, stderr=subprocess.STDOUT, env=e)
        self.client = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"distillguard serve exited early: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"distillguard serve did not answer /healthz: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self, sig: str = "term") -> None:
        if self.proc.poll() is None:
            (self.proc.kill if sig == "kill" else self.proc.terminate)()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.client.close()
        self._fh.close()


@pytest.fixture
def serve(tmp_path: Path, small_world: dict[str, Path]) -> Iterator:
    """Factory: start `distillguard serve` with extra args; all are stopped at the end."""
    started: list[Server] = []

    def start(*args: str, policy: str | None = None, state_dir: Path | None = None, store: bool = True,
              env: dict[str, str] | None = None) -> Server:
        extra = ["--results", str(small_world["results"])]
        if store:
            extra += ["--store", str(small_world["store"])]
        if "--policy" not in args:
            p = tmp_path / f"policy-{len(started)}.toml"
            p.write_text(with_budget(policy), encoding="utf-8")
            extra += ["--policy", str(p)]
        s = Server(extra + list(args), state_dir or tmp_path / f"state-{len(started)}", env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def assert_error_body(resp: httpx.Response, status: int) -> dict:
    """The one error body every endpoint uses (STYLE.md section 4)."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status
    assert body["error"] == "; ".join(body["errors"]) and body["errors"]
    assert "Traceback" not in resp.text
    return body
