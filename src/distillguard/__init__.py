"""distillguard: find and stop distillation attacks in model-API traffic."""

__version__ = "0.1.0"

__all__ = ["__version__"]
