"""The signal registry: `@register` keys signals by id; a duplicate id fails at import."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points

from distillguard.errors import DuplicateSignalId
from distillguard.signals.base import Signal

REGISTRY: dict[str, type[Signal]] = {}
ORIGIN: dict[str, str] = {}


def register(cls: type[Signal]) -> type[Signal]:
    cls.check_metadata()
    if cls.id in REGISTRY and REGISTRY[cls.id] is not cls:
        other = REGISTRY[cls.id]
        raise DuplicateSignalId(
            f"signal id {cls.id} is defined twice: {other.__module__}.{other.__name__} and {cls.__module__}.{cls.__name__}",
            signal_id=cls.id,
        )
    REGISTRY[cls.id] = cls
    ORIGIN[cls.id] = cls.__module__
    return cls


def load_all(builtin: tuple[str, ...]) -> dict[str, type[Signal]]:
    """Import built-in signal modules and external `distillguard.signals` entry points."""
    for module in builtin:
        import_module(module)
    for ep in entry_points(group="distillguard.signals"):
        ep.load()
    return REGISTRY
