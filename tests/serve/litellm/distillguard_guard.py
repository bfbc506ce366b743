"""Beside the LiteLLM config: `guardrail: distillguard_guard.DistillguardGuardrail` and the callback."""

from distillguard.integrations.litellm import DistillguardGuardrail, DistillguardLogger

observe_logger = DistillguardLogger()

__all__ = ["DistillguardGuardrail", "observe_logger"]
