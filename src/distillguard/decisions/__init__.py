"""Decisions: account risk + campaign membership -> final risk, flag and reasons."""

from distillguard.decisions.policy import Decision, Policy, decide

__all__ = ["Decision", "Policy", "decide"]
