"""Fixtures for simulator tests: tiny worlds, generated once per session."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from distillguard.simulate import simulate_world

# Config lines that leave out the four classic campaigns (playbook and hard-negative worlds).
NO_CLASSIC = """
[campaigns.reasoning]
accounts = 0
[campaigns.agentic]
accounts = 0
[campaigns.high_volume]
accounts = 0
[campaigns.stealth]
accounts = 0
"""


def read_exchanges(world: Path) -> list[dict]:
    out = []
    for part in sorted((world / "exchanges").glob("part-*.jsonl.gz")):
        with gzip.open(part, "rb") as fh:
            out += [orjson.loads(line) for line in fh]
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def make_world(tmp: Path, name: str, config: str | None = None, **kw) -> tuple[Path, dict]:
    out = tmp / name
    cfg = None
    if config is not None:
        cfg = tmp / f"{name}.toml"
        cfg.write_text(config)
    summary = simulate_world(out, config=cfg, **kw)
    return out, summary


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> tuple[Path, dict]:
    return make_world(tmp_path_factory.mktemp("sim"), "tiny", scale="tiny", seed=0)


@pytest.fixture(scope="session")
def tiny_records(tiny_world) -> list[dict]:
    return read_exchanges(tiny_world[0])
