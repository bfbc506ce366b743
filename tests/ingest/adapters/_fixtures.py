"""Shared inputs for the adapter tests: one tiny world's traffic, replayed through the real libraries.

Test modules import these fixtures by name (a `conftest.py` here would shadow `tests/conftest.py`,
which other tests import as `conftest`). Each input is built once per process (`_once`), however
many modules use it, so every adapter test reads the same traffic and the LiteLLM replay runs once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import _traffic
from _stores import store_rows

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
WORLD_SEED = 5
PER_ACCOUNT = 15
_BUILT: dict[str, Any] = {}


def _once(key: str, build: Any) -> Any:
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]


def _build_adapters_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("adapters")


@pytest.fixture(scope="session")
def adapters_dir(tmp_path_factory) -> Path:
    return _once("adapters_dir", lambda: _build_adapters_dir(tmp_path_factory))


def _build_world(adapters_dir) -> Path:
    from distillguard.simulate import simulate_world

    out = adapters_dir / "world"
    simulate_world(out, scale="tiny", seed=WORLD_SEED)
    return out


@pytest.fixture(scope="session")
def world(adapters_dir) -> Path:
    return _once("world", lambda: _build_world(adapters_dir))


def _build_world_records(world) -> list[dict[str, Any]]:
    return _traffic.world_exchanges(world)


@pytest.fixture(scope="session")
def world_records(world) -> list[dict[str, Any]]:
    return _once("world_records", lambda: _build_world_records(world))


def _build_traffic(world_records) -> list[dict[str, Any]]:
    """The world's exchanges as contract records of Chat Completions gateway calls.

    At most `PER_ACCOUNT` exchanges of each account (its earliest): ~900 calls, so the LiteLLM
    replay stays near half a minute; detection still finds the world's campaigns in them.
    """
    seen: dict[str, int] = {}
    out = []
    for r in sorted(world_records, key=lambda r: (r["ts"], r["request_id"])):
        if seen.get(r["account_id"], 0) < PER_ACCOUNT:
            seen[r["account_id"]] = seen.get(r["account_id"], 0) + 1
            out.append(_traffic.to_traffic(r))
    return out


@pytest.fixture(scope="session")
def traffic(world_records) -> list[dict[str, Any]]:
    return _once("traffic", lambda: _build_traffic(world_records))


def _build_contract_file(adapters_dir, traffic) -> Path:
    return _traffic.write_jsonl(adapters_dir / "contract" / "traffic.jsonl", traffic)


@pytest.fixture(scope="session")
def contract_file(adapters_dir, traffic) -> Path:
    return _once("contract_file", lambda: _build_contract_file(adapters_dir, traffic))


def _build_litellm_logs(adapters_dir, traffic) -> tuple[Path, list[dict[str, Any]]]:
    """(payload JSONL written by a LiteLLM logging callback, the same calls as spend-log rows)."""
    pytest.importorskip("litellm", reason="litellm is in the test extra: pip install -e '.[test]'")
    import _litellm_replay

    path = adapters_dir / "litellm" / "payloads.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = _litellm_replay.replay(traffic, path)
    return path, rows


@pytest.fixture(scope="session")
def litellm_logs(adapters_dir, traffic) -> tuple[Path, list[dict[str, Any]]]:
    return _once("litellm_logs", lambda: _build_litellm_logs(adapters_dir, traffic))


def _build_otel_file(adapters_dir, traffic) -> Path:
    """OTLP JSON written by the OpenTelemetry SDK for the same calls (GenAI spans, old and new names),
    plus three plain HTTP spans (`GET /healthz`) that are no model calls."""
    pytest.importorskip("opentelemetry.sdk", reason="opentelemetry-sdk is in the test extra")
    import _otel_replay

    return _otel_replay.export(traffic, adapters_dir / "otel" / "traces.jsonl", extra_spans=3)


@pytest.fixture(scope="session")
def otel_file(adapters_dir, traffic) -> Path:
    return _once("otel_file", lambda: _build_otel_file(adapters_dir, traffic))


def _build_contract_rows(adapters_dir, contract_file) -> dict[str, tuple]:
    from distillguard.ingest import ingest_paths

    store = adapters_dir / "store-contract"
    ingest_paths([contract_file], store, workers=1)
    return store_rows(store)


@pytest.fixture(scope="session")
def contract_rows(adapters_dir, contract_file) -> dict[str, tuple]:
    return _once("contract_rows", lambda: _build_contract_rows(adapters_dir, contract_file))
