"""benchmarks/replay_verdicts.py replays detect's last stages from a dump and gets detect's verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.benchmark_scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    return load_benchmark("replay_verdicts")


def _flags(out: Path) -> dict[str, str]:
    with open(out / "accounts.csv") as f:
        return {r["account_id"]: r["campaign_id"] for r in csv.DictReader(f) if r["flagged"] == "true"}


def _replayed(run) -> dict[str, str]:
    ids = run.active.tolist()
    return {ids[i]: (run.campaigns[c].campaign_id if c >= 0 else "")
            for i, c in enumerate(run.decision.campaign_of.tolist()) if run.decision.flagged[i]}


@pytest.mark.parametrize("config", [None, "[coordination]\nenabled = false\n", "[policy]\nflag_lone = true\n"])
def test_a_replay_gives_the_verdicts_and_campaigns_detect_gives_with_the_same_settings(tmp_path, config):
    from distillguard.decisions import Policy
    from distillguard.pipeline import analyse_store, detect
    from distillguard.settings import load_settings
    from distillguard.simulate import simulate_world

    world = tmp_path / "w"
    simulate_world(world, scale="tiny", seed=11)
    store = tmp_path / "store"
    detect([world / "exchanges"], tmp_path / "out", store=store, accounts=[world / "accounts.jsonl"],
           events=[world / "events.jsonl"])
    default = _flags(tmp_path / "out")
    cfg = None
    if config:
        cfg = tmp_path / "settings.toml"
        cfg.write_text(config)
        analyse_store(store, tmp_path / "out", policy=Policy.from_settings(load_settings(cfg)))
    tool = _tool()
    tool.dump(store, tmp_path / "dump")
    run = tool.replay(tmp_path / "dump", cfg)
    want = _flags(tmp_path / "out")
    assert want   # the tiny world has campaigns to find
    assert _replayed(run) == want
    if config and "flag_lone" in config:   # the replay reads its settings: accounts flagged alone join the flags
        assert len(want) > len(default)
    scored = tool.score(run, world / "labels.jsonl")
    assert 0 < scored["recall"] <= 1 and scored["false_positives"] >= 0


def test_a_replay_lists_the_dormant_accounts_detect_lists(tmp_path):
    import json

    from distillguard.pipeline import detect
    from distillguard.simulate import simulate_world
    from tests.pipeline.test_detect import with_sleepers

    tiny = tmp_path / "tiny"
    simulate_world(tiny, scale="tiny", seed=11)
    detect([tiny / "exchanges"], tmp_path / "first", accounts=[tiny / "accounts.jsonl"], events=[tiny / "events.jsonl"])
    world = tmp_path / "w"
    sleepers, _ = with_sleepers(tiny, json.loads((tmp_path / "first" / "campaigns.json").read_text()), world)
    store = tmp_path / "store"
    detect([world / "exchanges"], tmp_path / "out", store=store, accounts=[world / "accounts.jsonl"],
           events=[world / "events.jsonl"])
    want = {c["campaign_id"]: c.get("dormant_accounts", [])
            for c in json.loads((tmp_path / "out" / "campaigns.json").read_text())}
    assert sleepers in want.values()
    tool = _tool()
    tool.dump(store, tmp_path / "dump")
    assert {c.campaign_id: c.dormant for c in tool.replay(tmp_path / "dump", None).campaigns} == want
    (tmp_path / "dump" / "unused.parquet").unlink()   # a dump made before dumps kept them: none, or the file's
    assert not any(c.dormant for c in tool.replay(tmp_path / "dump", None).campaigns)
    again = tool.replay(tmp_path / "dump", None, world / "accounts.jsonl")
    assert {c.campaign_id: c.dormant for c in again.campaigns} == want
    scored = tool.score(again, world / "labels.jsonl")
    assert scored["dormant_listed"] == len(sleepers) and scored["coverage_with_dormant"] >= scored["coverage"]
