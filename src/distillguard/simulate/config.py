"""Simulator knobs: scale presets, and a TOML/JSON config file that overrides them.

Unknown keys in a config file are errors, so a typo cannot silently leave a knob at its default.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.errors import ConfigError
from distillguard.simulate.playbooks import PlaybookKnobs, parse as parse_playbooks

PERSONAS = (
    "chat_user", "nat_user", "developer_app", "eval_runner",
    "batch_job", "coding_agent", "researcher", "jailbreaker",
    # hard negatives added with the playbooks (0 accounts in the four scale presets)
    "paas_app", "enterprise_batch", "release_signup", "engineering_team",
)
CAMPAIGNS = ("reasoning", "agentic", "high_volume", "stealth")
SCALES = ("tiny", "small", "full", "seed")


@dataclass
class WorldKnobs:
    days: int = 7
    start: str = "2026-03-02T00:00:00Z"
    release_day: float = 3.6           # the newer model goes live this many days after start
    old_model: str = "nova-pro-2025-09"
    small_model: str = "nova-lite-2025-09"
    new_model: str = "nova-pro-2026-03"
    chunk_rows: int = 100_000          # rows rendered per batch; each batch is one exchange part file
    workers: int = 0                   # render processes; 0 = automatic (output bytes do not depend on it)
    ipv6_share: float = 0.0            # share of benign accounts whose own address is IPv6


@dataclass
class PersonaKnobs:
    accounts: int = 0
    activity: float = 1.0              # multiplies this persona's sessions / jobs per day


@dataclass
class CampaignKnobs:
    accounts: int = 0
    exchanges: int = 0                 # target campaign exchanges over the whole period
    start_day: float = 0.5             # campaign starts this many days after the world starts
    daily_cap: int = 1000              # per-account exchanges per UTC day, never exceeded
    mundane_share: float = 0.0         # share of the campaign's exchanges that is dilution traffic
    paraphrase_strength: float = 0.0   # 0: one wrapper text for all accounts; 1: every account rewords it
    ip_rotation: float = 0.0           # share of requests sent from a fresh proxy address
    payment_sharing: int = 1           # accounts per payment instrument
    timing_jitter_s: float = 1.0       # random delay added to scripted send times
    new_model_share: float = 0.0       # share of traffic moved to the new model within 24 h of release
    waves: int = 1                     # accounts created in this many waves as older ones churn


@dataclass
class SimConfig:
    world: WorldKnobs = field(default_factory=WorldKnobs)
    personas: dict[str, PersonaKnobs] = field(default_factory=dict)
    campaigns: dict[str, CampaignKnobs] = field(default_factory=dict)
    playbooks: PlaybookKnobs = field(default_factory=PlaybookKnobs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _p(accounts: int, activity: float = 1.0) -> PersonaKnobs:
    return PersonaKnobs(accounts=accounts, activity=activity)


_PERSONA_MIX = {  # accounts per 1000 benign accounts, and activity
    "chat_user": (560, 1.0), "nat_user": (110, 1.0), "developer_app": (70, 1.0),
    "eval_runner": (20, 1.0), "batch_job": (14, 1.0), "coding_agent": (130, 1.0),
    "researcher": (40, 1.0), "jailbreaker": (56, 1.0),
}


def _personas(total: int, activity: float) -> dict[str, PersonaKnobs]:
    return {k: _p(max(1, round(total * n / 1000)), a * activity) for k, (n, a) in _PERSONA_MIX.items()}


def _campaigns(scale: float, accounts: dict[str, int], start: dict[str, float]) -> dict[str, CampaignKnobs]:
    return {
        "reasoning": CampaignKnobs(
            accounts=accounts["reasoning"], exchanges=int(150_000 * scale), start_day=start["reasoning"],
            daily_cap=60, mundane_share=0.05, payment_sharing=8, ip_rotation=0.1,
            timing_jitter_s=0.4, new_model_share=0.2),
        "agentic": CampaignKnobs(
            accounts=accounts["agentic"], exchanges=int(3_400_000 * scale), start_day=start["agentic"],
            daily_cap=400, mundane_share=0.35, payment_sharing=4, ip_rotation=0.7,
            timing_jitter_s=2.0, new_model_share=0.25),
        "high_volume": CampaignKnobs(
            accounts=accounts["high_volume"], exchanges=int(12_300_000 * scale),
            start_day=start["high_volume"], daily_cap=600, mundane_share=0.1, payment_sharing=6,
            ip_rotation=0.2, timing_jitter_s=1.0, new_model_share=0.5, waves=3),
        "stealth": CampaignKnobs(
            accounts=accounts["stealth"], exchanges=int(150_000 * scale), start_day=start["stealth"],
            daily_cap=12, mundane_share=0.15, paraphrase_strength=0.8, payment_sharing=1,
            ip_rotation=0.0, timing_jitter_s=30.0, new_model_share=0.1),
    }


def preset(scale: str) -> SimConfig:
    """Return the default configuration of a scale."""
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}", hint=f"use one of {', '.join(SCALES)}")
    if scale == "tiny":
        w = WorldKnobs(days=2, release_day=1.4, chunk_rows=20_000)
        personas = {
            "chat_user": _p(30), "nat_user": _p(14), "developer_app": _p(6, 0.5),
            "eval_runner": _p(4, 1.5), "batch_job": _p(3, 0.3), "coding_agent": _p(7),
            "researcher": _p(4), "jailbreaker": _p(5),
        }
        camps = _campaigns(0.0, {"reasoning": 8, "agentic": 6, "high_volume": 10, "stealth": 6},
                           {"reasoning": 0.2, "agentic": 0.3, "high_volume": 0.4, "stealth": 0.1})
        for name, n in (("reasoning", 250), ("agentic", 700), ("high_volume", 1100), ("stealth", 60)):
            camps[name].exchanges = n
        camps["high_volume"].waves = 2
        return SimConfig(world=w, personas=personas, campaigns=camps)
    if scale == "small":
        return _small()
    if scale == "full":
        w = WorldKnobs(days=7, release_day=3.6)
        camps = _campaigns(0.07, {"reasoning": 300, "agentic": 600, "high_volume": 1200, "stealth": 300},
                           {"reasoning": 0.6, "agentic": 1.3, "high_volume": 2.1, "stealth": 0.9})
        camps["reasoning"].exchanges = 40_000
        camps["stealth"].exchanges = 12_000
        return SimConfig(world=w, personas=_personas(20_000, 0.6), campaigns=camps)
    w = WorldKnobs(days=7, release_day=3.6, chunk_rows=60_000)
    camps = _campaigns(1.0, {"reasoning": 1_500, "agentic": 6_000, "high_volume": 13_500, "stealth": 3_000},
                       {"reasoning": 0.6, "agentic": 1.3, "high_volume": 2.1, "stealth": 0.9})
    return SimConfig(world=w, personas=_personas(200_000, 0.3), campaigns=camps)


def _small() -> SimConfig:
    w = WorldKnobs(days=7, release_day=3.6)
    camps = _campaigns(0.0, {"reasoning": 60, "agentic": 60, "high_volume": 140, "stealth": 40},
                       {"reasoning": 0.6, "agentic": 1.3, "high_volume": 2.1, "stealth": 0.9})
    for name, n in (("reasoning", 6_000), ("agentic", 30_000), ("high_volume", 60_000), ("stealth", 1_800)):
        camps[name].exchanges = n
    return SimConfig(world=w, personas=_personas(2_700, 0.8), campaigns=camps)


def _merge(obj: Any, data: dict[str, Any], where: str) -> None:
    names = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(f"unknown config key {where}{key!r}",
                              hint=f"known keys here: {', '.join(sorted(names))}")
        current = getattr(obj, key)
        if isinstance(current, (int, float, str)) and not isinstance(current, bool):
            want = type(current)
            ok = isinstance(value, want) or (want is float and isinstance(value, int))
            if not ok or isinstance(value, bool):
                raise ConfigError(f"config key {where}{key} must be {want.__name__}, got {value!r}")
            setattr(obj, key, want(value))
        else:
            raise ConfigError(f"config key {where}{key} cannot be set")


def apply_overrides(cfg: SimConfig, data: dict[str, Any]) -> SimConfig:
    """Apply a parsed config document onto `cfg`; unknown sections and keys are errors."""
    for section, body in data.items():
        if section == "world":
            if not isinstance(body, dict):
                raise ConfigError("config section [world] must be a table")
            _merge(cfg.world, body, "world.")
        elif section in ("personas", "campaigns"):
            known = PERSONAS if section == "personas" else CAMPAIGNS
            table = getattr(cfg, section)
            if not isinstance(body, dict):
                raise ConfigError(f"config section [{section}] must be a table")
            for name, knobs in body.items():
                if section == "personas" and name not in table and name in known:
                    table[name] = PersonaKnobs()
                if name not in known:
                    raise ConfigError(f"unknown {section[:-1]} {name!r} in config",
                                      hint=f"known: {', '.join(known)}")
                if not isinstance(knobs, dict):
                    raise ConfigError(f"config section [{section}.{name}] must be a table")
                _merge(table[name], knobs, f"{section}.{name}.")
        elif section == "playbooks":
            cfg.playbooks = parse_playbooks(body)
        else:
            raise ConfigError(f"unknown config section {section!r}",
                              hint="sections: world, personas, campaigns, playbooks")
    validate(cfg)
    return cfg


def validate(cfg: SimConfig) -> None:
    w = cfg.world
    if w.chunk_rows < 1 or w.workers < 0:
        raise ConfigError("world.chunk_rows must be >= 1 and world.workers >= 0")
    if w.days < 1 or w.days > 60:
        raise ConfigError(f"world.days must be 1..60, got {w.days}")
    if not 0 < w.release_day < w.days:
        raise ConfigError(f"world.release_day must be inside the period (0, {w.days})")
    if len({w.old_model, w.small_model, w.new_model}) != 3:
        raise ConfigError("world models must be three different names")
    if not 0.0 <= w.ipv6_share <= 1.0:
        raise ConfigError("world.ipv6_share must be in [0, 1]")
    for name, p in cfg.personas.items():
        if p.accounts < 0 or p.activity < 0:
            raise ConfigError(f"personas.{name}: accounts and activity must be >= 0")
    for name, c in cfg.campaigns.items():
        for key in ("mundane_share", "paraphrase_strength", "ip_rotation", "new_model_share"):
            if not 0.0 <= getattr(c, key) <= 1.0:
                raise ConfigError(f"campaigns.{name}.{key} must be in [0, 1]")
        if c.accounts < 0 or c.exchanges < 0 or c.daily_cap < 1 or c.payment_sharing < 1 or c.waves < 1:
            raise ConfigError(f"campaigns.{name}: accounts/exchanges >= 0, daily_cap, "
                              "payment_sharing and waves >= 1")
        if not 0 <= c.start_day < w.days:
            raise ConfigError(f"campaigns.{name}.start_day must be inside the period [0, {w.days})")
        if c.timing_jitter_s < 0:
            raise ConfigError(f"campaigns.{name}.timing_jitter_s must be >= 0")


def load_config(scale: str, path: Path | None) -> SimConfig:
    """Return the preset of `scale`, overridden by the TOML or JSON file at `path`."""
    cfg = preset(scale)
    if path is None:
        validate(cfg)
        return cfg
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    try:
        if str(path).endswith(".json"):
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse config {path}: {exc}".splitlines()[0]) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a table / object at the top level")
    return apply_overrides(cfg, data)
