"""Traffic simulator: benign personas and distillation campaigns as contract-shaped API logs."""

from distillguard.simulate.world import simulate_world

__all__ = ["simulate_world"]
