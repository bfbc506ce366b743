"""The policy file: every field documented and exercised, bad files rejected with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from distillguard.errors import ConfigError
from distillguard.serve.policy import ACTIONS, Policy, load_policy

# A policy file that sets every field to a non-default value: if a field is added to the
# schema without being added here, test_every_field_is_set fails.
FULL = """
version = "2026-12-01"
shadow = true
allowlist = ["acct_partner"]

[[bands]]
min_risk = 0.95
actions = ["block"]

[[bands]]
min_risk = 0.6
actions = ["verify", "strip_reasoning", "cap_max_tokens"]

[[bands]]
min_risk = 0.3
actions = ["log"]

[campaigns."c-1"]
actions = ["throttle"]
min_risk = 0.2

[campaigns."*"]
actions = ["strip_reasoning"]

[throttle]
rate_per_minute = 2.5
burst = 4

[verify]
reason_code = "kyc_needed"

[cap]
max_tokens = 256

[budget]
time_ms = 3.5
on_timeout = "block"
on_error = "block"
on_overload = "throttle"

[scoring]
template = 0.7
config = 0.45
client_stack = 0.2
ip = 0.35
harvest = 0.4
harvest_min_requests = 3
harvest_sample = 0.5
rate = 0.25
rate_per_minute_high = 90.0
campaign_min_risk = 0.65
results_weight = 0.9

[signatures]
min_accounts = 3
min_purity = 0.8
sample_per_account = 16

[limits]
max_body_bytes = 2048
max_batch = 50
max_reason_chars = 120
max_inflight = 32
max_lag_ms = 20.0
"""


def _fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, f in model.model_fields.items():
        ann = f.annotation
        sub = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if sub is not None:
            out |= _fields(sub, prefix + name + ".")
        else:
            out.add(prefix + name)
    return out


def _set_in(p: Policy, prefix: str = "") -> set[str]:
    out = set()
    for name in p.model_fields_set:
        v = getattr(p, name)
        if isinstance(v, BaseModel) and not isinstance(v, list):
            out |= _set_in(v, prefix + name + ".")
        else:
            out.add(prefix + name)
    return out


def test_every_field_is_documented() -> None:
    def walk(model: type[BaseModel]) -> None:
        assert model.__doc__, model.__name__
        for name, f in model.model_fields.items():
            assert f.description, f"{model.__name__}.{name} has no description"
            ann = f.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann)

    walk(Policy)


def test_every_field_is_set(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(FULL, encoding="utf-8")
    policy, digest = load_policy(path)
    assert _set_in(policy) == _fields(Policy)
    default = Policy()
    for name in _fields(Policy):
        obj_a, obj_b = policy, default
        for part in name.split("."):
            obj_a, obj_b = getattr(obj_a, part), getattr(obj_b, part)
        assert obj_a != obj_b, f"{name} equals its default in FULL, so the file does not exercise it"
    assert len(digest) == 12


def test_full_file_values(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(FULL, encoding="utf-8")
    p, _ = load_policy(path)
    assert [b.min_risk for b in p.bands] == [0.95, 0.6, 0.3]
    assert p.actions_for(0.99, None) == ["block"]
    assert p.actions_for(0.7, None) == ["verify", "strip_reasoning", "cap_max_tokens"]
    assert p.actions_for(0.1, None) == ["allow"]
    assert p.actions_for(0.25, "c-1") == ["throttle"]  # the campaign rule beats the bands
    assert p.actions_for(0.1, "c-1") == ["allow"]  # under the rule's min_risk: bands decide
    assert p.actions_for(0.0, "c-other") == ["strip_reasoning"]  # '*' covers any other campaign
    assert "acct_partner" in p.allowed


def test_bands_sorted_whatever_order() -> None:
    p = Policy(bands=[{"min_risk": 0.2, "actions": ["log"]}, {"min_risk": 0.8, "actions": ["block"]}])
    assert p.actions_for(0.9, None) == ["block"]
    assert p.actions_for(0.5, None) == ["log"]


@pytest.mark.parametrize("text, where", [
    ("shadw = true", "shadw"),
    ("[[bands]]\nmin_risk = 1.5\nactions = ['block']", "bands.0.min_risk"),
    ("[[bands]]\nmin_risk = 0.5\nactions = ['nuke']", "bands.0.actions.0"),
    ("[[bands]]\nmin_risk = 0.5\nactions = ['allow', 'block']", "allow"),
    ("[budget]\non_timeout = 'maybe'", "budget.on_timeout"),
    ("[throttle]\nrate_per_minute = 0", "throttle.rate_per_minute"),
    ("version = ", "not valid TOML"),
])
def test_bad_files_fail_with_one_line(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_policy(path)
    msg = str(ei.value)
    assert where in msg and "\n" not in msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy(tmp_path / "absent.toml")


def test_actions_are_the_issue_list() -> None:
    assert set(ACTIONS) == {"allow", "log", "throttle", "verify", "strip_reasoning", "cap_max_tokens", "block"}
