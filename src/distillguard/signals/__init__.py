"""Detection-as-code: signals, their registry, and the built-in catalogue."""

from distillguard.signals.base import Context, Signal
from distillguard.signals.registry import REGISTRY, load_all, register

# Built-in signal modules, listed once. Each module registers its signals on import.
BUILTIN_SIGNALS: tuple[str, ...] = (
    "distillguard.signals.classifier.harvest_signal",
    "distillguard.signals.classifier.category_signal",
)


def all_signals() -> dict[str, type[Signal]]:
    return load_all(BUILTIN_SIGNALS)


__all__ = ["BUILTIN_SIGNALS", "REGISTRY", "Context", "Signal", "all_signals", "register"]
