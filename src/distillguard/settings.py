"""Detection settings: one validated object built from `settings.toml` (shipped) and a user's file.

Every threshold, weight and cap that detection reads lives in the shipped `settings.toml`, in six
sections that map onto the dataclasses the stages take: `[policy]` (`decisions.Policy`),
`[campaigns]` (`linking.campaigns.CampaignParams`), `[coordination]`
(`linking.coordination.CoordinationParams`), `[operators]` (`linking.operators.OperatorParams`),
`[wrappers]` (`linking.wrappers.WrapperParams`) and
`[partner]` (`linking.partner.PartnerSettings`: how a partner's indicators weigh, issue 19).
A setting that is a table (`[partner] weights`) is merged key by key with the shipped one.
`load_settings(path)` reads the shipped file, then the user's, and refuses unknown sections or keys
and values of the wrong type with a one-line `ConfigError`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.errors import ConfigError
from distillguard.linking.campaigns import CampaignParams
from distillguard.linking.coordination import CoordinationParams
from distillguard.linking.operators import OperatorParams
from distillguard.linking.partner import PartnerSettings
from distillguard.linking.wrappers import WrapperParams

SHIPPED = Path(__file__).resolve().parent / "settings.toml"


@dataclass(frozen=True)
class PolicySettings:
    flag_threshold: float = 0.5
    unlinked_weight: float = 1.0
    unsupervised_unlinked_weight: float = 0.5
    full_tie_strength: float = 2.0
    classify_per_account: int = 64
    lone_min_extraction: float = 0.15
    lone_min_exchanges: int = 2
    flag_lone: bool = False


@dataclass(frozen=True)
class Settings:
    policy: PolicySettings = field(default_factory=PolicySettings)
    campaigns: CampaignParams = field(default_factory=CampaignParams)
    coordination: CoordinationParams = field(default_factory=CoordinationParams)
    operators: OperatorParams = field(default_factory=OperatorParams)
    wrappers: WrapperParams = field(default_factory=WrapperParams)
    partner: PartnerSettings = field(default_factory=PartnerSettings)


SECTIONS: dict[str, type] = {"policy": PolicySettings, "campaigns": CampaignParams,
                             "coordination": CoordinationParams, "operators": OperatorParams,
                             "wrappers": WrapperParams,
                             "partner": PartnerSettings}


def load_settings(path: Path | None = None) -> Settings:
    """The shipped settings, overlaid with `path` when given."""
    merged: dict[str, dict[str, Any]] = {}
    for source in (SHIPPED, path):
        if source is None:
            continue
        for section, values in _read(source).items():
            into = merged.setdefault(section, {})
            for key, value in values.items():
                into[key] = {**into[key], **value} if isinstance(value, dict) and key in into else value
    return Settings(**{name: cls(**merged.get(name, {})) for name, cls in SECTIONS.items()})


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from None
    out: dict[str, dict[str, Any]] = {}
    for section, values in doc.items():
        cls = SECTIONS.get(section)
        if cls is None or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown settings section [{section}]", hint=f"sections: {', '.join(SECTIONS)}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in values.items():
            f = fields.get(key)
            if f is None:
                raise ConfigError(f"{path}: unknown setting {section}.{key}",
                                  hint=f"known in [{section}]: {', '.join(fields)}")
            out.setdefault(section, {})[key] = _check(path, section, key, value, f.type)
    return out


def _check(path: Path, section: str, key: str, value: Any, kind: Any) -> Any:
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    if name == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if name == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if name == "bool" and isinstance(value, bool):
        return value
    if name == "str" and isinstance(value, str):
        return value
    if name.startswith("dict[str, ") and isinstance(value, dict):   # a table of numbers, e.g. [partner] weights
        inner = name[len("dict[str, "):-1]
        return {k: _check(path, section, f"{key}.{k}", v, inner) for k, v in value.items()}
    what = {"float": "a number", "int": "an integer", "str": "a string"}.get(name, "a table of numbers")
    raise ConfigError(f"{path}: {section}.{key} must be {what}, got {value!r}")
